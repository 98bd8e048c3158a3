"""`gimlet_ci.gimlet.glob`: gobwas/glob v0.2.3 without separators, with the answers (and bugs) Gimlet's server has.

Each quirk table says which gobwas code path causes it. Expected values come from reading gobwas' v0.2.3 code,
from gobwas' own tests (``glob_test.go``, ``compiler/compiler_test.go``), and from the conformance vectors
(``/work/shared/conformance``), which Gimlet's real Go code produced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gimlet_ci.gimlet import glob as glob_module
from gimlet_ci.gimlet.glob import Glob, GlobMatchPanic, GlobSyntaxError, compile_glob


def _verdict(pattern: str, text: str) -> bool | str:
    """gobwas' answer: True, False, or "panic"."""
    try:
        return compile_glob(pattern).match(text)
    except GlobMatchPanic:
        return "panic"


def _table(rows: Sequence[tuple[str, str, bool]]) -> list[object]:
    return [pytest.param(pattern, text, expected, id=f"{pattern!r}~{text!r}") for pattern, text, expected in rows]


# --- the behaviours Gimlet's conformance vectors pin down ------------------------------------

PINNED = [
    # A single-character matcher that is the whole pattern or a whole alternative matches "": Single, List
    # and Range decode "" as (U+FFFD, width 0) and only check `len(s) > width` (match/single.go, list.go, range.go).
    ("?", "", True),
    ("{?}", "", True),
    ("[!x]", "", True),
    ("[!a-z]", "", True),
    ("{main,?}", "", True),
    # Prefix and suffix overlap: `a*b` compiles to PrefixSuffix, which is HasPrefix && HasSuffix.
    ("a*a", "a", True),
    ("v1*1", "v1", True),
    ("main*n", "main", True),
    ("ab*ba", "aba", True),
    # Rows cut pieces by bytes after counting runes (match/row.go matchAll).
    ("ü?", "üa", False),
    ("?ü", "aü", False),
    ("aü?", "aüb", False),
    ("[ü]a", "üa", False),
    ("ü{a,b}", "üa", False),
    ("a?b", "aéb", False),
    ("na?ve", "naïve", False),
    ("ü?*", "üab", False),
    ("*a?b", "xaéb", False),
    # Plain prefix and suffix matchers compare bytes and are right.
    ("ü*", "üa", True),
    ("*a", "üa", True),
    ("über-?", "über-a", True),
    # Only those shapes: ordinary single characters need a character.
    ("v?.0", "v.0", False),
    ("a?", "a", False),
    # Unclosed "{" is accepted; a trailing "\" is dropped; "!" is text outside a class.
    ("{a", "a", True),
    ("x{a,b", "xb", True),
    ("x\\", "x", True),
    ("!v1*", "!v1.2", True),
    ("!v1*", "v1.2", False),
    # No separators: "*" crosses "/"; "!{main,master}" is "!" and alternatives.
    ("feature/*", "feature/a/b", True),
    ("!{main,master}", "!main", True),
    ("!{main,master}", "main", False),
    ("!{main,master}", "dev", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), _table(PINNED))
def test_pinned_behaviour(pattern: str, text: str, expected: bool) -> None:
    """The behaviours verified against Gimlet's Go code hold."""
    assert expected == compile_glob(pattern).match(text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        pytest.param("main{", "main", id="main{"),
        pytest.param("?{", "a", id="?{"),
        pytest.param("x{", "x", id="x{"),
    ],
)
def test_pinned_panics(pattern: str, text: str) -> None:
    """Text (or ``?``) before an unclosed ``{`` panics on exactly that text: a slice past the end."""
    glob = compile_glob(pattern)

    with pytest.raises(GlobMatchPanic, match=r"slice bounds out of range \[:\d+\] with length \d+"):
        glob.match(text)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        pytest.param("[", "unexpected end of input", id="open-bracket"),
        pytest.param("release/[v1", "unexpected end of input", id="unclosed-class"),
        pytest.param("[z-a]", "hi character 'a' should be greater than lo 'z'", id="reversed-range"),
        pytest.param("[]", "could not parse range", id="empty-class"),
        pytest.param("[!]", "could not parse range", id="empty-negated-class"),
        pytest.param("[a-z0-9]", "expected close range character", id="range-then-more"),
        pytest.param("[a-]", "unexpected end of input", id="range-without-hi"),
        pytest.param("a\ufffd", "could not read rune", id="replacement-char"),
        pytest.param("a\ud800", "could not read rune", id="lone-surrogate"),
        pytest.param("[a\ufffd]", "unexpected end of input", id="replacement-char-in-class"),
    ],
)
def test_syntax_errors(pattern: str, message: str) -> None:
    """Patterns gobwas' Compile refuses raise GlobSyntaxError carrying gobwas' own message."""
    with pytest.raises(GlobSyntaxError) as info:
        compile_glob(pattern)

    assert message == str(info.value)


# --- quirks found in the Go code beyond the pinned list ---------------------------------------------------

QUIRKS = [
    # Row matchAll never checks that its pieces used up the text, only the rune count (lenOk): a "?" takes the
    # first byte of "é", the next "?" the second, and "a" then sits where the text has "a".
    ("??a", "éab", True),
    ("?[!x]a", "éab", True),
    ("??a", "aab", False),
    ("?a", "éa", False),
    ("?b", "éb", False),
    # A multi-byte character that is not the last rune of a piece is cut correctly.
    ("üa?", "üab", True),
    # AnyOf.Len forgets a variable-length first member and takes the next one's length, so the alternatives
    # are glued into a fixed-length Row (match/any_of.go Len, compiler glueMatchersAsRow).
    ("x{*,a}", "xb", True),
    ("x{*,a}", "xyz", False),
    ("x{*,a}", "x", False),
    ("{*,a}b", "aaaab", False),
    ("{feature/*,fix}-ci", "feature/x-ci", False),
    ("{feature/*,fix}-ci", "fix-ci", True),
    ("{*,a}", "xyz", True),  # alone, AnyOf.Match is used and is right
    # Adjacent negated classes with the same characters are glued as if those were separators: "two runes and
    # no substring equal to all the characters" (glueMatchersAsEvery: Contains(string(separator), true)).
    ("[!ab][!ab]", "aa", True),
    ("[!ab][!ab]", "ba", True),
    ("[!ab][!ab]", "ab", False),
    ("[!ab][!ab]", "xy", True),
    ("[!a][!a]", "aa", False),
    ("*[!ab][!ab]", "aay", True),
    # A Suffix used as the searched piece reports only the end of its first occurrence (match/suffix.go Index).
    ("{*a}{x*,y*}", "aaxx", False),
    ("{*a}{x*,y*}", "axx", True),
    ("*a{x*,y*}", "aaxx", True),  # written without braces it compiles differently and matches
    # "{*a}" becomes a Suffix, which then merges with the text before it into an overlapping PrefixSuffix.
    ("a{*a}", "a", True),
    ("{a*}ab", "ab", True),
    # PrefixSuffix.Index takes suffix ends anywhere after the prefix's start, inside the prefix too.
    ("{ab*b}{x*,y*}", "abx", True),
    # BTree.Match loops `for offset < limit`, so a tree never matches "", and a tree nested on the right of
    # another gets "" when the outer piece ends the text.
    ("{,a}*", "", False),
    ("{,a}*", "x", True),
    ("release/{,v}*", "release/", False),
    ("release/{,v}*", "release/x", True),
    ("release/{,v}*", "release/v1", True),
    ("*{,a}b", "b", False),
    ("*{,a}b", "xb", True),
    # An empty alternative after "*" is a BTree whose piece is Nothing: its right side is never empty, so it
    # matches no text at all.
    ("*{", "", False),
    ("*{", "a", False),
    ("*{}", "abc", False),
    ("x*{", "xa", False),
    # BTree.Index is a stub returning -1, so a tree used as the searched piece never matches: "{*a,*b}" is a
    # tree (its common "*" is pulled out by minimizeTreeAnyOf).
    ("{*-rc,*-beta}*", "v1-rc2", False),
    ("{*a,*b}{*a,*b}", "ab", False),
    ("{*-rc,*-beta}", "v1-rc", True),
    ("*{*a,*b}", "xa", True),
    # A zero-length piece in a Row is handed one byte; only at the end of the text is that out of range.
    ("main{", "mainx", False),  # lenOk fails first
    ("?{", "é", False),  # one rune but two bytes: the slice stays inside the text
    ("{}a", "a", False),  # the empty piece first takes the "a"
    ("{}", "", True),
    ("{}", "a", False),
    ("{,}", "", True),
    ("{,a}", "", True),
    ("{?,}", "", True),
    ("*x{", "xa", False),
    # Where the single-character quirk does not apply.
    ("[x]", "", False),
    ("[a-z]", "", False),
    ("??", "", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), _table(QUIRKS))
def test_quirk(pattern: str, text: str, expected: bool) -> None:
    """gobwas' compiled matchers give these answers, right or wrong."""
    assert expected == compile_glob(pattern).match(text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        pytest.param("x{,}", "x", id="two-empty-alternatives"),  # AnyOf(Nothing, Nothing) has length 0
        pytest.param("x{*,}", "x", id="star-or-empty"),  # AnyOf.Len: Super forgotten, Nothing's 0 taken
        pytest.param("{}{}", "", id="row-of-nothing"),
        pytest.param("main{,}", "main", id="main-two-empty"),
        pytest.param("v1{", "v1", id="v1{"),
        pytest.param("*x{", "ax", id="in-a-search"),  # Row.Index reaches the end of the text
        pytest.param("**x{,", "abx", id="in-a-search-after-super"),
        pytest.param("[!a-c]{}{,a}", "abx", id="search-goes-on-after-a-failed-left"),
    ],
)
def test_more_panics(pattern: str, text: str) -> None:
    """Any fixed-length run ending in a zero-length piece panics when it meets the end of the text."""
    with pytest.raises(GlobMatchPanic):
        compile_glob(pattern).match(text)


SYNTAX_CORNERS = [
    # "," and "}" are text outside braces; "]" is text outside a class; "\" escapes anything.
    ("a,b", "a,b", True),
    ("{a,b}}", "a}", True),
    ("a]", "a]", True),
    ("{a\\,b}", "a,b", True),
    ("\\*", "*", True),
    ("a\\*", "ab", False),
    ("\\\\", "\\", True),
    ("\\", "", True),
    # An unclosed "{" keeps the alternatives read so far.
    ("{a,b", "", False),
    ("{main", "main", True),
    ("ma{in", "main", True),
    # A class is one range or one set; "-" inside a set is a character (lexer fetchRange reads the rest as text).
    ("[ab-z]", "-", True),
    ("[ab-z]", "c", False),
    ("[]-a]", "^", True),  # "]" right after "[" is a range's low end
    ("[\\]]", "]", True),
    ("[!!]", "!", False),
    ("[!!]", "x", True),
    ("[ü]", "ü", True),  # a one-character set is optimised to text
    ("[!ü]", "é", True),
    # NUL is gobwas' end-of-input rune: it ends the pattern where an item starts, and inside text it is
    # consumed and skipped.
    ("a\x00b", "ab", True),
    ("a\x00b", "a", False),
    ("\x00b", "", True),
    ("*\x00b", "zzz", True),
    ("[a\x00]", "a", True),
    # Anchored; "*" and "**" match any run, newlines and "/" included.
    ("", "", True),
    ("", "a", False),
    ("main", "mainline", False),
    ("**", "a/b/c", True),
    ("line*", "line1\nline2", True),
    ("*ü*", "aüb", True),
    # A lone surrogate in the text is read as U+FFFD, one rune.
    ("?", "\ud800", True),
    ("[!a]", "\ud800", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), _table(SYNTAX_CORNERS))
def test_syntax_corner(pattern: str, text: str, expected: bool) -> None:
    """gobwas' lexer and parser read these patterns this way."""
    assert expected == compile_glob(pattern).match(text)


# --- gobwas' own tests at v0.2.3 (glob_test.go, the cases without separators) -----------------------------

_ALL = "[a-z][!a-x]*cat*[h][!b]*eyes*"
_ALTERNATIVES = "{https://*.google.*,*yandex.*,*yahoo.*,*mail.ru}"
_SUFFIXES = "{https://*gobwas.com,http://exclude.gobwas.com}"

UPSTREAM = [
    ("* ?at * eyes", "my cat has very bright eyes", True),
    ("", "b", False),
    ("*ä", "åä", True),
    ("a*c", "a12345c", True),
    ("a?c", "a1c", True),
    ("?at", "at", False),
    ("*test", "this is a test", True),
    ("*is *", "this is a test", True),
    ("**is**a***test*", "this is a test", True),
    ("*is", "this is a test", False),
    ("*no*", "this is a test", False),
    ("[!a]*", "this is a test3", True),
    ("*abc", "abcabc", True),
    ("???", "abc", True),
    ("?*?", "ac", True),
    ("sta", "stagnation", False),
    ("sta?n", "stagnation", False),
    ("{abc,def}ghi", "defghi", True),
    ("{abc,abcd}a", "abcda", True),
    ("{a,ab}{bc,f}", "abc", True),
    ("{*,**}{a,b}", "ab", True),
    ("{*,**}{a,b}", "ac", False),
    ("/{rate,[a-z][a-z][a-z]}*", "/rate", True),
    ("/{rate,[0-9][0-9][0-9]}*", "/rate", True),
    ("/{rate,[a-z][a-z][a-z]}*", "/usd", True),
    (_ALL, "my cat has very bright eyes", True),
    (_ALL, "my dog has very bright eyes", False),
    ("https://*.google.*", "https://account.google.com", True),
    ("https://*.google.*", "https://google.com", False),
    (_ALTERNATIVES, "http://yahoo.com", True),
    (_ALTERNATIVES, "http://google.com", False),
    (_SUFFIXES, "https://safe.gobwas.com", True),
    (_SUFFIXES, "http://safe.gobwas.com", False),
    (_SUFFIXES, "http://exclude.gobwas.com", True),
    ("{abc*[a-c]def,abc?[d-g]def,abc[zte]?def}", "abczqdef", True),
    ("{abc*def,abc?def,abc[zte]def}", "abczdef", True),
    ("ab*ef", "abcdef", True),
    ("ab*ef", "af", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), _table(UPSTREAM))
def test_upstream_cases(pattern: str, text: str, expected: bool) -> None:
    """gobwas' own v0.2.3 match tests pass."""
    assert expected == compile_glob(pattern).match(text)


@pytest.mark.parametrize(
    ("pattern", "compiled"),
    [
        # From gobwas' compiler tests, written as patterns.
        pytest.param("*???", "<min:3>", id="super-and-singles"),
        pytest.param("***abc**", "<contains:[abc]>", id="contains"),
        pytest.param("**?abc**?", "<btree:[<min:1><-<text:`abc`>-><min:1>]>", id="btree-of-mins"),
        pytest.param("{{abc}}", "<text:`abc`>", id="nested-single-alternative"),
        pytest.param(
            "{abc?,abc[def],abc,abc}",
            "<btree:[<nil><-<text:`abc`>-><any_of:[<single:![]>,<list:[def]>,<nothing>]>]>",
            id="common-prefix-pulled-out",
        ),
        pytest.param(
            "{abc[abc]ghi,abc[def]ghi}",
            "<row_7:[<text:`abc`>,<any_of:[<list:[abc]>,<list:[def]>]>,<text:`ghi`>]>",
            id="common-both-sides",
        ),
        pytest.param(
            "[a-z][!a-x]*", "<btree:[<nil><-<row_2:[<range:[a,z]>,<range:![a,x]>]>-><super>]>", id="row-then-super"
        ),
        # The shapes behind the quirks.
        pytest.param("a*a", "<prefix_suffix:[a,a]>", id="prefix-suffix"),
        pytest.param("main{", "<row_4:[<text:`main`>,<nothing>]>", id="row-with-nothing"),
        pytest.param("x{*,a}", "<row_2:[<text:`x`>,<any_of:[<super>,<text:`a`>]>]>", id="any-of-length"),
        pytest.param("[!ab][!ab]", "<every_of:[<min:2>,<max:2>,<contains:![ab]>]>", id="negated-classes-glued"),
        pytest.param(
            "release/{,v}*",
            "<btree:[<nil><-<text:`release/`>-><btree:[<nil><-<any_of:[<nothing>,<text:`v`>]>-><super>]>]>",
            id="nested-tree",
        ),
        pytest.param(
            "!{main,master}", "<btree:[<nil><-<text:`!`>-><any_of:[<text:`main`>,<text:`master`>]>]>", id="bang"
        ),
    ],
)
def test_compiled_shape(pattern: str, compiled: str) -> None:
    """The compiler takes gobwas' decisions: the matcher tree prints as gobwas' String() would."""
    assert compiled == str(compile_glob(pattern)._matcher)


# --- properties -------------------------------------------------------------------------------------------

_LITERAL = st.text(alphabet="ab/-.ü", min_size=1, max_size=4)
_TEXT = st.text(alphabet="ab/-.üx", max_size=10)


@given(prefix=_LITERAL, suffix=_LITERAL, text=_TEXT)
def test_prefix_star_suffix_is_has_prefix_and_has_suffix(prefix: str, suffix: str, text: str) -> None:
    """``P*S`` with literal P and S matches exactly the texts that start with P and end with S, overlap allowed."""
    assert compile_glob(f"{prefix}*{suffix}").match(text) == (text.startswith(prefix) and text.endswith(suffix))


@given(literal=_LITERAL, text=_TEXT)
def test_literal_star_shapes(literal: str, text: str) -> None:
    """Literal text, ``L*``, ``*L`` and ``*L*`` are equality, prefix, suffix and substring tests."""
    assert compile_glob(literal).match(text) == (text == literal)
    assert compile_glob(f"{literal}*").match(text) == text.startswith(literal)
    assert compile_glob(f"*{literal}").match(text) == text.endswith(literal)
    assert compile_glob(f"*{literal}*").match(text) == (literal in text)


_FIXED_ATOMS = {"a": "a", "b": "b", "?": ".", "[ab]": "[ab]", "[b-c]": "[b-c]", "[!a-b]": "[^a-b]"}


@given(atoms=st.lists(st.sampled_from(sorted(_FIXED_ATOMS)), min_size=2, max_size=5), text=st.text("abcx", max_size=6))
def test_fixed_length_ascii_patterns_are_right(atoms: list[str], text: str) -> None:
    """On ASCII, a fixed-length pattern of two or more characters, ``?``, sets and ranges has plain glob answers."""
    expected = re.fullmatch("".join(_FIXED_ATOMS[a] for a in atoms), text) is not None

    assert compile_glob("".join(atoms)).match(text) == expected


_GNARLY = st.text(alphabet="ab*?[]{},!-\\ü\x00", max_size=12)


@given(pattern=_GNARLY, text=st.text(alphabet="ab,-üé{}[]", max_size=8))
def test_only_gobwas_outcomes(pattern: str, text: str) -> None:
    """Any pattern compiles or raises GlobSyntaxError; any match returns a bool or raises GlobMatchPanic."""
    try:
        glob = compile_glob(pattern)
    except GlobSyntaxError:
        return
    try:
        result = glob.match(text)
    except GlobMatchPanic:
        return

    assert isinstance(result, bool)


def _go_btree_match(self: glob_module._BTree, inp: glob_module._Input, lo: int, hi: int) -> bool:
    """``BTree.Match`` exactly as Go runs it: no memo, no early exit."""
    input_len = hi - lo
    if self.size != -1 and self.size > input_len:
        return False
    offset = max(self.left_len, 0)
    limit = input_len - self.right_len if self.right_len >= 0 else input_len
    while offset < limit:
        index, segments = self.value.index(inp, lo + offset, lo + limit)
        if index == -1:
            return False
        head = lo + offset + index
        if self.left.match(inp, lo, head) if self.left is not None else head == lo:
            for length in reversed(segments):
                end = offset + index + length
                tail = hi if input_len <= end else lo + end
                if self.right.match(inp, tail, hi) if self.right is not None else tail == hi:
                    return True
        _, step = inp.first_rune(head, hi)
        offset += index + step
    return False


@given(
    pattern=st.lists(
        st.sampled_from(["a", "b", "ü", "*", "?", "[!a]", "[ab]", "{,a}", "{*,a}", "{*a}", "{x*,y*}", "{}", "{*a,*b}"]),
        min_size=1,
        max_size=5,
    ).map("".join),
    text=st.text(alphabet="abxyüé", max_size=8),
)
def test_memo_and_early_exit_change_no_answer(pattern: str, text: str) -> None:
    """The tree matcher's memo and early exit give Go's answer, panics included."""
    glob = compile_glob(pattern)
    fast = _verdict(pattern, text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(glob_module._BTree, "match", _go_btree_match)
        try:
            literal: bool | str = glob.match(text)
        except GlobMatchPanic:
            literal = "panic"

    assert literal == fast


# --- no exponential time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        pytest.param("*a*a*a*a*a*a*a*a*a*b", "a" * 10_000, False, id="stars-without-the-last-text"),
        pytest.param("*a*a*a*a*a*a*a*a*a*b", "a" * 10_000 + "b", True, id="stars-with-it"),
        # Every nested tree fails on every prefix: Go's loop is O(n^9) here, the memo makes it O(n^2) a level.
        pytest.param("*b*a*a*a*a*a*a*a*a*c", "a" * 150 + "c", False, id="nested-failing-trees"),
        pytest.param("{*a,*b}" * 12 + "c", "ab" * 5_000 + "c", False, id="repeated-alternatives"),
        pytest.param("{a," * 60 + "b" + "}" * 60, "b", True, id="deeply-nested-alternatives"),
        pytest.param("{a," * 60 + "b" + "}" * 60, "c" * 10_000, False, id="deeply-nested-alternatives-long-text"),
        pytest.param("*" + "a?" * 10, "a" * 10_000, True, id="row-searched-in-a-long-text"),
        pytest.param("**/*" * 8 + "x", "a/" * 3_000, False, id="many-super-stars"),
    ],
)
def test_crafted_patterns_finish(pattern: str, text: str, expected: bool) -> None:
    """Crafted patterns on long texts give their answer without exponential work."""
    assert expected == compile_glob(pattern).match(text)


@pytest.mark.parametrize(
    ("data", "rune"),
    [
        pytest.param(b"", (0xFFFD, 0), id="empty"),
        pytest.param(b"a", (0x61, 1), id="ascii"),
        pytest.param("é".encode(), (0xE9, 2), id="two-bytes"),
        pytest.param(b"\xc3", (0xFFFD, 1), id="cut-two-bytes"),
        pytest.param(b"\xa9b", (0xFFFD, 1), id="continuation-byte"),
        pytest.param(b"\xe2\x82", (0xFFFD, 1), id="cut-three-bytes"),
        pytest.param(b"\xed\xa0\x80", (0xFFFD, 1), id="surrogate"),
        pytest.param(b"\xc0\xaf", (0xFFFD, 1), id="overlong"),
        pytest.param(b"\xf4\x90\x80\x80", (0xFFFD, 1), id="above-max-rune"),
        pytest.param("😀".encode(), (0x1F600, 4), id="four-bytes"),
    ],
)
def test_runes_decode_as_go_does(data: bytes, rune: tuple[int, int]) -> None:
    """Runes decode like ``utf8.DecodeRuneInString``: an invalid or cut sequence is U+FFFD of width one."""
    assert rune == glob_module._decode_rune(data, 0, len(data))


# --- the API ------------------------------------------------------------------------------------------------


def test_compile_glob_caches() -> None:
    """compile_glob returns the same Glob for the same pattern."""
    assert compile_glob("v*") is compile_glob("v*")


def test_glob_is_a_frozen_value_showing_its_pattern() -> None:
    """A Glob shows only its pattern, compares by pattern and cannot be changed."""
    glob = compile_glob("release/*")

    assert "Glob(pattern='release/*')" == repr(glob)
    assert glob == Glob("release/*", compile_glob("release/*")._matcher)
    assert hash(glob) == hash(compile_glob("release/*"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        glob.pattern = "x"  # type: ignore[misc]


def test_error_types() -> None:
    """A compile error is a ValueError and a match panic a RuntimeError, as callers expect."""
    assert issubclass(GlobSyntaxError, ValueError)
    assert issubclass(GlobMatchPanic, RuntimeError)


def test_a_crafted_match_is_cut_short_with_an_unknown_answer() -> None:
    """Nested stars around single characters on a long text backtrack for seconds: the match stops at its step
    budget with GlobBudgetExceeded (an unknown answer), in about a second, never a false True or False."""
    import time  # noqa: PLC0415

    from gimlet_ci.gimlet.glob import GlobBudgetExceeded  # noqa: PLC0415

    glob = compile_glob("{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}?{*a,a*}")
    started = time.monotonic()
    with pytest.raises(GlobBudgetExceeded, match="cut short after 1,000,000 steps"):
        glob.match("b" * 2000)
    assert time.monotonic() - started < 5
    assert glob.match("b" * 200) is False  # the same pattern on a real-sized name is answered
    with pytest.raises(GlobBudgetExceeded):
        glob.match("b" * 200, budget=100)
