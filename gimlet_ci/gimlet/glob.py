"""A port of the glob matcher ``github.com/gobwas/glob`` **v0.2.3**, without separators, bugs included.

Gimlet's server (which pins v0.2.3) matches deploy policies with ``glob.MustCompile(pattern).Match(text)``.
To say what Gimlet will do we must give the answers that code gives, not the answers a glob should give.
So this module follows gobwas step by step: the lexer (``syntax/lexer``), the parser (``syntax/ast``), the
compiler with its optimisations (``compiler/compiler.go``: ``minimizeTree``, ``minimizeMatchers``,
``glueMatchers``, ``compileMatchers``, ``optimizeMatcher``) and the matchers of ``match/``, each with the
same decisions and the same index arithmetic. Only the no-separators case exists here (``*`` and ``**`` both
match any run, ``/`` included), which makes gobwas' ``Any``, ``PrefixAny`` and ``SuffixAny`` unreachable.

Go strings are bytes. gobwas measures lengths in runes in some places and slices by bytes in others, so the
matchers work on the UTF-8 bytes of the text, decode runes the way Go does (an invalid byte is U+FFFD of
width one; ``utf8.RuneLen`` of that U+FFFD is three) and raise `GlobMatchPanic` where a Go slice
expression would go out of range. A lone surrogate in a Python string is read as U+FFFD, as Go's
``encoding/json`` does.

The quirks this reproduces (each is tested in ``tests/gimlet/test_glob.py``):

- a single-character matcher (``?``, ``[!x]``, ``[!a-z]``) decodes the empty string as U+FFFD of width 0
  and accepts it: ``?``, ``{?}``, ``[!x]`` and ``{main,?}`` match ``""``;
- ``a*b`` becomes a prefix-and-suffix test that lets both overlap: ``a*a`` matches ``a``, ``ab*ba``
  matches ``aba``, and so does ``{*a}`` after text (``a{*a}`` matches ``a``);
- runs of fixed-length pieces are glued into a "row" that checks the text's length in runes, then gives
  each piece the bytes up to the start of its last rune plus one, and never checks that the text was used
  up: ``ü?`` does not match ``üa``, ``a?b`` does not match ``aéb``, ``??a`` matches ``éab``, while
  ``über-?`` matches ``über-a``;
- a zero-length piece (an empty alternative) in such a row slices past the end of the text: ``main{``
  panics on ``main``, ``*x{`` on ``ax``;
- an alternative list whose first member has no fixed length takes the length of the next one:
  ``x{*,a}`` matches only two-character texts;
- adjacent negated classes with the same characters are glued into "no substring equal to all the
  characters": ``[!ab][!ab]`` matches ``aa``;
- the tree matcher (a fixed piece with the patterns on its left and right) never matches the empty text, so
  ``release/{,v}*`` does not match ``release/`` and ``*{`` matches nothing; and a tree cannot be searched
  for (its ``Index`` is a stub), so ``{*-rc,*-beta}*`` matches nothing;
- a suffix used as a search reports only its first occurrence: ``{*a}{x*,y*}`` does not match ``aaxx``;
- pattern corners: an unclosed ``{`` is accepted, a trailing ``\\`` is dropped, ``!`` is text outside a
  class, a class holds one range or a set of characters (``[ab-z]`` is the set ``a``, ``b``, ``-``,
  ``z``), a NUL ends the pattern where an item would start and is skipped inside text, and U+FFFD in a
  pattern is a syntax error.

gobwas retries nested ``*`` searches on the same sub-texts, which is exponential in the number of stars.
This port memoises the tree matcher per match (so the worst case is about quadratic in the text length per
nesting level) and leaves its search loop early only where Go's remaining iterations provably can neither
match nor panic; neither changes an answer. A crafted pattern and a long text still take seconds, so each match
has a budget of steps (`MATCH_BUDGET`); past it the match raises `GlobBudgetExceeded`, an unknown answer that
``explain`` and ``ship`` report as cut short, never as a match or a miss.

Like gobwas it recurses along the pattern, so a pattern nested
more than about 150 braces deep, or with more than about 500 ``*``, exceeds Python's recursion limit.
"""

# ruff: noqa: ARG002 - the matchers share one interface; most ignore the memo (and some the text)

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Iterator, Sequence
from typing import Final, NamedTuple

import attrs

__all__ = ["MATCH_BUDGET", "Glob", "GlobBudgetExceeded", "GlobMatchPanic", "GlobSyntaxError", "compile_glob"]

MATCH_BUDGET = 1_000_000
"""Steps (tree-matcher calls and search positions) one ``match`` may take before it is cut short with
`GlobBudgetExceeded`: about a second of this port's time. Real branch and tag globs against real names take a few
hundred; only a crafted pattern and text (nested ``*`` around single characters, a name thousands of characters
long) come near it, and gobwas, which does not memoise, takes far longer on those."""


class GlobSyntaxError(ValueError):
    """gobwas' ``Compile`` returns an error for the pattern (so Gimlet's ``MustCompile`` panics).

    The message is gobwas' own error text.
    """


class GlobBudgetExceeded(RuntimeError):
    """Matching took more than `MATCH_BUDGET` steps and was cut short: the answer is unknown (not false)."""


class GlobMatchPanic(RuntimeError):
    """gobwas' ``Match`` panics at run time for this pattern and text (a Go slice out of range).

    In Gimlet's worker that panic kills the server process.
    """


# --- Go's UTF-8 rules ------------------------------------------------------------------------------------

_RUNE_ERROR: Final = 0xFFFD
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _go_string(text: str) -> str:
    """*text* as a Go string holds it: a lone surrogate cannot be encoded and becomes U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _utf8_leads() -> dict[int, tuple[int, int, int]]:
    """Go's UTF-8 table: each lead byte of a multi-byte sequence, with the sequence's size and the range its
    second byte must be in (which rules out overlong forms, surrogates and runes above U+10FFFF)."""
    leads = dict.fromkeys(range(0xC2, 0xE0), (2, 0x80, 0xBF))
    leads |= dict.fromkeys(range(0xE0, 0xF0), (3, 0x80, 0xBF)) | {0xE0: (3, 0xA0, 0xBF), 0xED: (3, 0x80, 0x9F)}
    leads |= dict.fromkeys(range(0xF0, 0xF5), (4, 0x80, 0xBF)) | {0xF0: (4, 0x90, 0xBF), 0xF4: (4, 0x80, 0x8F)}
    return leads


_UTF8_LEADS: Final = _utf8_leads()
_RUNE_SELF: Final = 0x80
_CONTINUATION: Final = range(0x80, 0xC0)


def _decode_rune(s: bytes, i: int, end: int) -> tuple[int, int]:
    """``utf8.DecodeRuneInString(s[i:end])``: the first rune and its width; (U+FFFD, 1) for an invalid or cut
    sequence, (U+FFFD, 0) for the empty string."""
    if i >= end:
        return _RUNE_ERROR, 0
    b0 = s[i]
    if b0 < _RUNE_SELF:
        return b0, 1
    lead = _UTF8_LEADS.get(b0)
    if lead is None:
        return _RUNE_ERROR, 1
    size, lo, hi = lead
    if i + size > end or not lo <= s[i + 1] <= hi or any(s[k] not in _CONTINUATION for k in range(i + 2, i + size)):
        return _RUNE_ERROR, 1
    return ord(s[i : i + size].decode()), size


def _rune_len(r: int) -> int:
    """``utf8.RuneLen`` of a rune Go's decoder produced (never a surrogate): 3 for U+FFFD, an invalid byte's
    rune."""
    return len(chr(r).encode())


class _Input:
    """The text of one ``Match`` call, as UTF-8 bytes; a matcher sees the Go string ``data[lo:hi]``."""

    __slots__ = ("ascii", "budget", "data", "memo")

    def __init__(self, data: bytes, budget: int = MATCH_BUDGET) -> None:
        self.data = data
        self.ascii = data.isascii()
        self.memo: dict[tuple[int, int, int], bool] = {}
        """Tree matcher results by (matcher identity, lo, hi)."""
        self.budget = budget
        """Steps left before the match is cut short (`GlobBudgetExceeded`)."""

    def spend(self) -> None:
        """Count one step of the tree matcher; raise `GlobBudgetExceeded` when the budget is spent."""
        self.budget -= 1
        if self.budget < 0:
            msg = f"matching was cut short after {MATCH_BUDGET:,} steps"
            raise GlobBudgetExceeded(msg)

    def runes(self, lo: int, hi: int) -> Iterator[tuple[int, int]]:
        """Go's ``for i, r := range data[lo:hi]``: each rune's offset (from *lo*) and value."""
        data = self.data
        if self.ascii:
            for i in range(lo, hi):
                yield i - lo, data[i]
            return
        i = lo
        while i < hi:
            r, width = _decode_rune(data, i, hi)
            yield i - lo, r
            i += width

    def rune_count(self, lo: int, hi: int) -> int:
        """``utf8.RuneCountInString(data[lo:hi])``: an invalid byte counts as one rune."""
        if self.ascii:
            return hi - lo
        try:
            return len(self.data[lo:hi].decode())
        except UnicodeDecodeError:
            return sum(1 for _ in self.runes(lo, hi))

    def first_rune(self, lo: int, hi: int) -> tuple[int, int]:
        """``utf8.DecodeRuneInString(data[lo:hi])``."""
        return _decode_rune(self.data, lo, hi)


_NO_INDEX: Final[tuple[int, Sequence[int]]] = (-1, ())


class _Matcher:
    """gobwas' ``match.Matcher`` on ``s = data[lo:hi]``: ``Match(s)``; ``Index(s)``, the first position (from
    *lo*) where it matches and the byte lengths it matches there; ``Len()``, its length in runes or ``-1``.

    ``size`` is ``Len()``, computed once (matchers are immutable). ``can_panic`` says whether ``Match`` or
    ``Index`` can reach an out-of-range slice.
    """

    __slots__ = ("can_panic", "size")

    def __init__(self, size: int, *, can_panic: bool = False) -> None:
        self.size = size
        self.can_panic = can_panic

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        raise NotImplementedError

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return str(self)


class _Nothing(_Matcher):
    """The empty pattern (``match/nothing.go``)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(0)

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return lo == hi

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        return 0, (0,)

    def __str__(self) -> str:
        return "<nothing>"


class _Super(_Matcher):
    """``*`` or ``**`` without separators (``match/super.go``)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(-1)

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return True

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        if inp.ascii:
            return 0, range(hi - lo + 1)
        return 0, [*(i for i, _ in inp.runes(lo, hi)), hi - lo]

    def __str__(self) -> str:
        return "<super>"


class _Single(_Matcher):
    """``?`` without separators (``match/single.go``).

    ``Match`` accepts a text whose first decoded rune spans it all: the empty text (U+FFFD of width 0), one
    rune, or one stray byte.
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(1)

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        _, width = inp.first_rune(lo, hi)
        return hi - lo <= width

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        if lo == hi:
            return _NO_INDEX
        r, _ = inp.first_rune(lo, hi)
        return 0, (_rune_len(r),)

    def __str__(self) -> str:
        return "<single:![]>"


class _List(_Matcher):
    """``[abc]`` or ``[!abc]`` (``match/list.go``)."""

    __slots__ = ("chars", "negated")

    def __init__(self, chars: str, negated: bool) -> None:
        super().__init__(1)
        self.chars = chars
        self.negated = negated

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        r, width = inp.first_rune(lo, hi)
        if hi - lo > width:
            return False
        return (chr(r) in self.chars) != self.negated

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        for i, r in inp.runes(lo, hi):
            if self.negated == (chr(r) not in self.chars):
                return i, (_rune_len(r),)
        return _NO_INDEX

    def __str__(self) -> str:
        return f"<list:{'!' if self.negated else ''}[{self.chars}]>"


class _Range(_Matcher):
    """``[a-z]`` or ``[!a-z]`` (``match/range.go``)."""

    __slots__ = ("hi", "lo", "negated")

    def __init__(self, lo: int, hi: int, negated: bool) -> None:
        super().__init__(1)
        self.lo = lo
        self.hi = hi
        self.negated = negated

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        r, width = inp.first_rune(lo, hi)
        if hi - lo > width:
            return False
        return (self.lo <= r <= self.hi) != self.negated

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        for i, r in inp.runes(lo, hi):
            if self.negated != (self.lo <= r <= self.hi):
                return i, (_rune_len(r),)
        return _NO_INDEX

    def __str__(self) -> str:
        return f"<range:{'!' if self.negated else ''}[{chr(self.lo)},{chr(self.hi)}]>"


class _Text(_Matcher):
    """Literal text (``match/text.go``): its length is in runes, its index segment in bytes."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        super().__init__(len(text))
        self.text = text.encode()

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return hi - lo == len(self.text) and inp.data.startswith(self.text, lo)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        found = inp.data.find(self.text, lo, hi)
        if found == -1:
            return _NO_INDEX
        return found - lo, (len(self.text),)

    def __str__(self) -> str:
        return f"<text:`{self.text.decode()}`>"


class _Contains(_Matcher):
    """``*text*`` (``match/contains.go``), or "does not contain" when negated."""

    __slots__ = ("needle", "negated")

    def __init__(self, needle: bytes, negated: bool) -> None:
        super().__init__(-1)
        self.needle = needle
        self.negated = negated

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return (inp.data.find(self.needle, lo, hi) != -1) != self.negated

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        offset = 0
        found = inp.data.find(self.needle, lo, hi)
        if not self.negated:
            if found == -1:
                return _NO_INDEX
            offset = found - lo + len(self.needle)
            if hi - lo <= offset:
                return 0, (offset,)
            lo += offset
        elif found != -1:
            hi = found
        return 0, [*(offset + i for i, _ in inp.runes(lo, hi)), offset + hi - lo]

    def __str__(self) -> str:
        return f"<contains:{'!' if self.negated else ''}[{self.needle.decode()}]>"


class _Prefix(_Matcher):
    """``text*`` (``match/prefix.go``)."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: bytes) -> None:
        super().__init__(-1)
        self.prefix = prefix

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return inp.data.startswith(self.prefix, lo, hi)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        found = inp.data.find(self.prefix, lo, hi)
        if found == -1:
            return _NO_INDEX
        length = len(self.prefix)
        rest = inp.runes(found + length, hi)
        return found - lo, [length, *(length + i + _rune_len(r) for i, r in rest)]

    def __str__(self) -> str:
        return f"<prefix:{self.prefix.decode()}>"


class _Suffix(_Matcher):
    """``*text`` (``match/suffix.go``): its index reports only the end of the first occurrence."""

    __slots__ = ("suffix",)

    def __init__(self, suffix: bytes) -> None:
        super().__init__(-1)
        self.suffix = suffix

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return inp.data.endswith(self.suffix, lo, hi)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        found = inp.data.find(self.suffix, lo, hi)
        if found == -1:
            return _NO_INDEX
        return 0, (found - lo + len(self.suffix),)

    def __str__(self) -> str:
        return f"<suffix:{self.suffix.decode()}>"


class _PrefixSuffix(_Matcher):
    """``prefix*suffix`` (``match/prefix_suffix.go``): the prefix and the suffix may overlap."""

    __slots__ = ("prefix", "suffix")

    def __init__(self, prefix: bytes, suffix: bytes) -> None:
        super().__init__(-1)
        self.prefix = prefix
        self.suffix = suffix

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return inp.data.startswith(self.prefix, lo, hi) and inp.data.endswith(self.suffix, lo, hi)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        found = inp.data.find(self.prefix, lo, hi)
        if found == -1:
            return _NO_INDEX
        suffix_len = len(self.suffix)
        if suffix_len <= 0:  # pragma: no cover - a suffix is a non-empty text
            return found - lo, (hi - found,)
        if hi - found <= 0:  # pragma: no cover - only reachable with an empty prefix
            return _NO_INDEX
        # Each occurrence of the suffix from the right, searching only left of the previous one.
        segments: list[int] = []
        end = hi
        while (at := inp.data.rfind(self.suffix, found, end)) != -1:
            segments.append(at - found + suffix_len)
            end = at
        if not segments:
            return _NO_INDEX
        segments.reverse()
        return found - lo, segments

    def __str__(self) -> str:
        return f"<prefix_suffix:[{self.prefix.decode()},{self.suffix.decode()}]>"


class _Min(_Matcher):
    """At least ``limit`` runes (``match/min.go``)."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__(-1)
        self.limit = limit

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        count = inp.rune_count(lo, hi)
        return count > 0 and count >= self.limit

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        if hi - lo - self.limit + 1 <= 0:
            return _NO_INDEX
        runes = enumerate(inp.runes(lo, hi), 1)
        segments = [i + _rune_len(r) for count, (i, r) in runes if count >= self.limit]
        if not segments:
            return _NO_INDEX
        return 0, segments

    def __str__(self) -> str:
        return f"<min:{self.limit}>"


class _Max(_Matcher):
    """At most ``limit`` runes (``match/max.go``)."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__(-1)
        self.limit = limit

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return inp.rune_count(lo, hi) <= self.limit

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        segments = [0]
        for count, (i, r) in enumerate(inp.runes(lo, hi), 1):
            if count > self.limit:
                break
            segments.append(i + _rune_len(r))
        return 0, segments

    def __str__(self) -> str:
        return f"<max:{self.limit}>"


class _Row(_Matcher):
    """Fixed-length pieces in a row (``match/row.go``).

    The row checks the text's length in runes, then gives each piece the bytes up to the start of its last
    rune plus one: a piece that ends on a multi-byte character gets it cut, the next piece starts inside it,
    and nothing checks that the pieces used up the text. A piece of length 0 is given one byte too; at the
    end of the text that slice is out of range, a panic.
    """

    __slots__ = ("matchers",)

    def __init__(self, size: int, matchers: Sequence[_Matcher]) -> None:
        super().__init__(size, can_panic=any(m.size == 0 or m.can_panic for m in matchers))
        self.matchers = tuple(matchers)

    def _match_all(self, inp: _Input, lo: int, hi: int) -> bool:
        idx = 0
        for m in self.matchers:
            # ``for next = range s[idx:] { i++; if i == length { break } }``
            last = count = 0
            for last, _ in inp.runes(lo + idx, hi):  # noqa: B007 - the last offset is the point
                count += 1
                if count == m.size:
                    break
            if count < m.size:
                return False
            end = idx + last + 1
            if end > hi - lo:
                msg = f"runtime error: slice bounds out of range [:{end}] with length {hi - lo}"
                raise GlobMatchPanic(msg)
            if not m.match(inp, lo + idx, lo + end):
                return False
            idx = end
        return True

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return inp.rune_count(lo, hi) == self.size and self._match_all(inp, lo, hi)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        for i, _ in inp.runes(lo, hi):
            if hi - lo - i < self.size:
                break
            if self._match_all(inp, lo + i, hi):
                return i, (self.size,)
        return _NO_INDEX

    def __str__(self) -> str:
        return f"<row_{self.size}:[{','.join(map(str, self.matchers))}]>"


def _any_of_len(matchers: Sequence[_Matcher]) -> int:
    """``AnyOf.Len``: a first member without a fixed length is forgotten and the next member's length taken."""
    size = -1
    for m in matchers:
        if size == -1:
            size = m.size
        elif m.size == -1 or m.size != size:
            return -1
    return size


def _append_merge(target: Sequence[int], sub: Sequence[int]) -> list[int]:
    """``appendMerge``: merge two sorted segment lists, keeping one of each value found in both."""
    out: list[int] = []
    x = y = 0
    while x < len(target) or y < len(sub):
        if x >= len(target):
            out.extend(sub[y:])
            break
        if y >= len(sub):
            out.extend(target[x:])
            break
        if target[x] == sub[y]:
            out.append(target[x])
            x += 1
            y += 1
        elif target[x] < sub[y]:
            out.append(target[x])
            x += 1
        else:
            out.append(sub[y])
            y += 1
    return out


class _AnyOf(_Matcher):
    """Alternatives (``match/any_of.go``)."""

    __slots__ = ("matchers",)

    def __init__(self, matchers: Sequence[_Matcher]) -> None:
        super().__init__(_any_of_len(matchers), can_panic=any(m.can_panic for m in matchers))
        self.matchers = tuple(matchers)

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return any(m.match(inp, lo, hi) for m in self.matchers)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        index = -1
        segments: Sequence[int] = ()
        for m in self.matchers:
            idx, seg = m.index(inp, lo, hi)
            if idx == -1:
                continue
            if index == -1 or idx < index:
                index = idx
                segments = list(seg)
            elif idx == index:
                segments = _append_merge(segments, seg)
        if index == -1:
            return _NO_INDEX
        return index, segments

    def __str__(self) -> str:
        return f"<any_of:[{','.join(map(str, self.matchers))}]>"


class _EveryOf(_Matcher):
    """All of several matchers (``match/every_of.go``); ``Len`` is ``-1`` as soon as it has a member."""

    __slots__ = ("matchers",)

    def __init__(self, matchers: Sequence[_Matcher]) -> None:
        super().__init__(-1 if matchers else 0, can_panic=any(m.can_panic for m in matchers))
        self.matchers = tuple(matchers)

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        return all(m.match(inp, lo, hi) for m in self.matchers)

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        index = offset = 0
        current: Sequence[int] = ()
        sub = lo
        for i, m in enumerate(self.matchers):
            idx, seg = m.index(inp, sub, hi)
            if idx == -1:
                return _NO_INDEX
            if i == 0:
                current = list(seg)
            else:
                delta = index - (idx + offset)
                following = [n for ex in current for n in seg if ex + delta == n]
                if not following:
                    return _NO_INDEX
                current = following
            index = idx + offset
            sub = lo + index
            offset += idx
        return index, current

    def __str__(self) -> str:
        return f"<every_of:[{','.join(map(str, self.matchers))}]>"


class _BTree(_Matcher):
    """A fixed-length piece with the patterns left and right of it (``match/btree.go``).

    It searches the text for the piece, position by position, and tries the two sides around each match.
    Its loop runs only while the search start is before the end, so it never matches the empty text. The
    stored lengths are in runes but are used as byte offsets, and are those of the children before
    `_optimize` replaced them, as in Go.
    """

    __slots__ = ("left", "left_len", "right", "right_len", "value", "value_len")

    def __init__(
        self,
        value: _Matcher,
        left: _Matcher | None,
        right: _Matcher | None,
        lengths: tuple[int, int, int] | None = None,
    ) -> None:
        if lengths is None:
            lengths = (value.size, left.size if left else 0, right.size if right else 0)
        self.value_len, self.left_len, self.right_len = lengths
        parts = [m for m in (value, left, right) if m is not None]
        super().__init__(-1 if -1 in lengths else sum(lengths), can_panic=any(m.can_panic for m in parts))
        self.value = value
        self.left = left
        self.right = right

    def match(self, inp: _Input, lo: int, hi: int) -> bool:
        # Memoised: nested trees would otherwise retry the same sub-texts over and over (gobwas does).
        key = (id(self), lo, hi)
        known = inp.memo.get(key)
        if known is None:
            inp.spend()
            known = inp.memo[key] = self._match(inp, lo, hi)
        return known

    def _match(self, inp: _Input, lo: int, hi: int) -> bool:
        input_len = hi - lo
        if self.size != -1 and self.size > input_len:
            return False
        offset = max(self.left_len, 0)
        limit = input_len - self.right_len if self.right_len >= 0 else input_len
        while offset < limit:
            inp.spend()
            index, segments = self.value.index(inp, lo + offset, lo + limit)
            if index == -1:
                return False
            head = lo + offset + index
            if self.left is not None:
                left = self.left.match(inp, lo, head)
            elif head > lo:
                # Go searches on, but with no left side every later position fails the same way: stop,
                # unless a later search could still panic.
                if not self.value.can_panic:
                    return False
                left = False
            else:
                left = True
            if left:
                for length in reversed(segments):
                    end = offset + index + length
                    tail = hi if input_len <= end else lo + end
                    if self.right.match(inp, tail, hi) if self.right is not None else tail == hi:
                        return True
            _, step = inp.first_rune(head, hi)
            offset += index + step
        return False

    def index(self, inp: _Input, lo: int, hi: int) -> tuple[int, Sequence[int]]:
        return _NO_INDEX

    def __str__(self) -> str:
        return f"<btree:[{self.left or '<nil>'}<-{self.value}->{self.right or '<nil>'}]>"


# --- lexer (syntax/lexer/lexer.go) -----------------------------------------------------------------------

_EOF: Final = "eof"
_ERROR: Final = "error"
_TEXT: Final = "text"
_ANY: Final = "any"
_SUPER: Final = "super"
_SINGLE: Final = "single"
_NOT: Final = "not"
_SEPARATOR: Final = "separator"
_RANGE_OPEN: Final = "range_open"
_RANGE_CLOSE: Final = "range_close"
_RANGE_LO: Final = "range_lo"
_RANGE_HI: Final = "range_hi"
_RANGE_BETWEEN: Final = "range_between"
_TERMS_OPEN: Final = "terms_open"
_TERMS_CLOSE: Final = "terms_close"

_EOF_RUNE: Final = "\x00"  # gobwas' end-of-input rune is 0, so a NUL in the pattern reads as the end
_TEXT_BREAKERS: Final = "?*[{"
_TERMS_BREAKERS: Final = "?*[{},"


class _Lexer:
    """gobwas' lexer, on code points (a valid Go string decodes rune by rune, one code point each)."""

    __slots__ = ("data", "err", "has_rune", "last_rune", "last_rune_size", "pos", "terms_level", "tokens")

    def __init__(self, source: str) -> None:
        self.data = source
        self.pos = 0
        self.err: str | None = None
        self.tokens: collections.deque[tuple[str, str]] = collections.deque()
        self.terms_level = 0
        self.last_rune = _EOF_RUNE
        self.last_rune_size = 0
        self.has_rune = False

    def next(self) -> tuple[str, str]:
        while True:
            if self.err is not None:
                return _ERROR, self.err
            if self.tokens:
                return self.tokens.popleft()
            self._fetch_item()

    def _peek(self) -> tuple[str, int]:
        if self.pos == len(self.data):
            return _EOF_RUNE, 0
        r = self.data[self.pos]
        if r == "\ufffd":  # utf8.RuneError: gobwas cannot tell it from an invalid byte
            self.err = "could not read rune"
            return _EOF_RUNE, 0
        return r, 1

    def _read(self) -> str:
        if self.has_rune:
            self.has_rune = False
            self.pos += self.last_rune_size
            return self.last_rune
        r, width = self._peek()
        self.pos += width
        self.last_rune = r
        self.last_rune_size = width
        return r

    def _unread(self) -> None:
        if self.has_rune:  # pragma: no cover - gobwas never unreads twice
            self.err = "could not unread rune"
            return
        self.pos -= self.last_rune_size
        self.has_rune = True

    def _fetch_item(self) -> None:
        r = self._read()
        in_terms = self.terms_level > 0
        if r == _EOF_RUNE:
            self.tokens.append((_EOF, ""))
        elif r == "{":
            self.terms_level += 1
            self.tokens.append((_TERMS_OPEN, r))
        elif r == "," and in_terms:
            self.tokens.append((_SEPARATOR, r))
        elif r == "}" and in_terms:
            self.tokens.append((_TERMS_CLOSE, r))
            self.terms_level -= 1
        elif r == "[":
            self.tokens.append((_RANGE_OPEN, r))
            self._fetch_range()
        elif r == "?":
            self.tokens.append((_SINGLE, r))
        elif r == "*":
            if self._read() == "*":
                self.tokens.append((_SUPER, "**"))
            else:
                self._unread()
                self.tokens.append((_ANY, r))
        else:
            self._unread()
            self._fetch_text(_TERMS_BREAKERS if in_terms else _TEXT_BREAKERS)

    def _fetch_range(self) -> None:
        want_hi = want_close = seen_not = False
        while True:
            r = self._read()
            if r == _EOF_RUNE:
                self.err = "unexpected end of input"
                return
            if want_close:
                if r != "]":
                    self.err = "expected close range character"
                else:
                    self.tokens.append((_RANGE_CLOSE, r))
                return
            if want_hi:
                self.tokens.append((_RANGE_HI, r))
                want_close = True
                continue
            if not seen_not and r == "!":
                self.tokens.append((_NOT, r))
                seen_not = True
                continue
            following, width = self._peek()
            if following == "-":
                self.pos += width
                self.tokens.append((_RANGE_LO, r))
                self.tokens.append((_RANGE_BETWEEN, following))
                want_hi = True
                continue
            self._unread()
            self._fetch_text("]")
            want_close = True

    def _fetch_text(self, breakers: str) -> None:
        data: list[str] = []
        escaped = False
        while True:
            r = self._read()
            if r == _EOF_RUNE:  # the end, or a NUL, which is consumed and ends only this text
                break
            if not escaped:
                if r == "\\":
                    escaped = True
                    continue
                if r in breakers:
                    self._unread()
                    break
            escaped = False
            data.append(r)
        if data:
            self.tokens.append((_TEXT, "".join(data)))


# --- parser (syntax/ast) ---------------------------------------------------------------------------------

_K_NOTHING: Final = "Nothing"
_K_PATTERN: Final = "Pattern"
_K_LIST: Final = "List"
_K_RANGE: Final = "Range"
_K_TEXT: Final = "Text"
_K_ANY: Final = "Any"
_K_SUPER: Final = "Super"
_K_SINGLE: Final = "Single"
_K_ANY_OF: Final = "AnyOf"


class _ListValue(NamedTuple):
    negated: bool
    chars: str


class _RangeValue(NamedTuple):
    negated: bool
    lo: int
    hi: int


_NodeValue = str | _ListValue | _RangeValue | None
"""A Text node's text, a List's or a Range's class; None for the other kinds."""


class _Node:
    """An ``ast.Node``."""

    __slots__ = ("children", "kind", "parent", "value")

    def __init__(self, kind: str, value: _NodeValue = None, children: Sequence[_Node] = ()) -> None:
        self.kind = kind
        self.value = value
        self.parent: _Node | None = None
        self.children: list[_Node] = []
        for child in children:
            self.insert(child)

    def insert(self, child: _Node) -> None:
        self.children.append(child)
        child.parent = self

    def equal(self, other: _Node) -> bool:
        """``Node.Equal`` (``reflect.DeepEqual`` gives the same answer on these trees): by structure."""
        return (
            self.kind == other.kind
            and self.value == other.value
            and len(self.children) == len(other.children)
            and all(a.equal(b) for a, b in zip(self.children, other.children, strict=True))
        )

    def __repr__(self) -> str:
        value = "" if self.value is None else f" ={self.value}"
        children = f" [{', '.join(map(repr, self.children))}]" if self.children else ""
        return f"{self.kind}{value}{children}"


def _parse(pattern: str) -> _Node:
    """``ast.Parse(lexer.NewLexer(pattern))``; raises GlobSyntaxError with gobwas' message."""
    lexer = _Lexer(pattern)
    root = _Node(_K_PATTERN)
    tree = root
    while True:
        kind, raw = lexer.next()
        if kind == _EOF:
            # An unclosed "{" needs nothing more: the alternatives are already in the tree.
            return root
        if kind == _ERROR:
            raise GlobSyntaxError(raw)
        if kind == _TEXT:
            tree.insert(_Node(_K_TEXT, raw))
        elif kind == _ANY:
            tree.insert(_Node(_K_ANY))
        elif kind == _SUPER:
            tree.insert(_Node(_K_SUPER))
        elif kind == _SINGLE:
            tree.insert(_Node(_K_SINGLE))
        elif kind == _RANGE_OPEN:
            _parse_range(tree, lexer)
        elif kind == _TERMS_OPEN:
            alternatives = _Node(_K_ANY_OF)
            tree.insert(alternatives)
            tree = _Node(_K_PATTERN)
            alternatives.insert(tree)
        elif kind == _SEPARATOR:
            # The lexer emits "," and "}" only inside "{...}", so the current pattern is an alternative.
            assert tree.parent is not None  # noqa: S101
            following = _Node(_K_PATTERN)
            tree.parent.insert(following)
            tree = following
        elif kind == _TERMS_CLOSE:
            assert tree.parent is not None  # noqa: S101
            assert tree.parent.parent is not None  # noqa: S101
            tree = tree.parent.parent
        else:  # pragma: no cover - the lexer emits range tokens only after "["
            msg = f"unexpected token: {kind}<{raw!r}>"
            raise GlobSyntaxError(msg)


def _parse_range(tree: _Node, lexer: _Lexer) -> None:
    negated = False
    lo = hi = 0
    chars = ""
    while True:
        kind, raw = lexer.next()
        if kind == _EOF:  # pragma: no cover - the lexer reports an unclosed class as an error first
            msg = "unexpected end"
            raise GlobSyntaxError(msg)
        if kind == _ERROR:
            raise GlobSyntaxError(raw)
        if kind == _NOT:
            negated = True
        elif kind == _RANGE_LO:
            lo = ord(raw)
        elif kind == _RANGE_HI:
            hi = ord(raw)
            if hi < lo:
                msg = f"hi character '{raw}' should be greater than lo '{chr(lo)}'"
                raise GlobSyntaxError(msg)
        elif kind == _TEXT:
            chars = raw
        elif kind == _RANGE_CLOSE:
            is_range = lo != 0 and hi != 0
            if (chars != "") == is_range:
                msg = "could not parse range"
                raise GlobSyntaxError(msg)
            if is_range:
                tree.insert(_Node(_K_RANGE, _RangeValue(negated, lo, hi)))
            else:
                tree.insert(_Node(_K_LIST, _ListValue(negated, chars)))
            return


# --- compiler (compiler/compiler.go) ---------------------------------------------------------------------


def _optimize(matcher: _Matcher) -> _Matcher:
    """``optimizeMatcher``."""
    if isinstance(matcher, _AnyOf):
        return matcher.matchers[0] if len(matcher.matchers) == 1 else matcher
    if isinstance(matcher, _List):
        if not matcher.negated and len(matcher.chars) == 1:
            return _Text(matcher.chars)
        return matcher
    if not isinstance(matcher, _BTree):
        return matcher
    left = _optimize(matcher.left) if matcher.left is not None else None
    right = _optimize(matcher.right) if matcher.right is not None else None
    tree = _BTree(matcher.value, left, right, (matcher.value_len, matcher.left_len, matcher.right_len))
    if not isinstance(matcher.value, _Text):
        return tree
    text = matcher.value.text
    if left is None and right is None:  # pragma: no cover - compileMatchers returns a lone matcher as is
        return matcher.value
    if isinstance(left, _Super) and isinstance(right, _Super):
        return _Contains(text, negated=False)
    if isinstance(left, _Super) and right is None:
        return _Suffix(text)
    if isinstance(right, _Super) and left is None:
        return _Prefix(text)
    if left is None and isinstance(right, _Suffix):
        return _PrefixSuffix(text, right.suffix)
    if right is None and isinstance(left, _Prefix):
        return _PrefixSuffix(left.prefix, text)
    return tree


def _compile_matchers(matchers: Sequence[_Matcher]) -> _Matcher:
    """``compileMatchers``: glue the whole list, or split it around its last longest fixed-length piece."""
    if not matchers:  # pragma: no cover - every caller passes a non-empty list
        msg = "compile error: need at least one matcher"
        raise GlobSyntaxError(msg)
    if len(matchers) == 1:
        return matchers[0]
    glued = _glue(matchers)
    if glued is not None:
        return glued
    idx = -1
    max_len = -1
    for i, m in enumerate(matchers):
        if m.size != -1 and m.size >= max_len:
            max_len = m.size
            idx = i
    if idx == -1:
        return _BTree(matchers[0], None, _compile_matchers(matchers[1:]))
    left = matchers[:idx]
    right = matchers[idx + 1 :]
    return _BTree(
        matchers[idx],
        _compile_matchers(left) if left else None,
        _compile_matchers(right) if right else None,
    )


def _glue(matchers: Sequence[_Matcher]) -> _Matcher | None:
    """``glueMatchers``: as one "every of" matcher if possible, else as a row, else None."""
    every = _glue_as_every(matchers)
    return every if every is not None else _glue_as_row(matchers)


def _glue_as_row(matchers: Sequence[_Matcher]) -> _Matcher | None:
    """``glueMatchersAsRow``: fixed-length pieces only."""
    if len(matchers) <= 1 or any(m.size == -1 for m in matchers):
        return None
    return _Row(sum(m.size for m in matchers), matchers)


def _glue_as_every(matchers: Sequence[_Matcher]) -> _Matcher | None:
    """``glueMatchersAsEvery``: ``*``, ``?`` and negated classes with the same "separators".

    gobwas treats a negated class's characters as separators, so ``[!ab][!ab]`` becomes "two runes, and no
    substring ``ab``".
    """
    if len(matchers) <= 1:
        return None
    has_super = has_single = False
    minimum = 0
    separator = ""
    for i, m in enumerate(matchers):
        if isinstance(m, _Super):
            sep = ""
            has_super = True
        elif isinstance(m, _Single):
            sep = ""
            has_single = True
            minimum += 1
        elif isinstance(m, _List) and m.negated:
            sep = m.chars
            has_single = True
            minimum += 1
        else:
            return None
        if i == 0:
            separator = sep
        if sep != separator:
            return None
    if has_super and not has_single:
        return _Super()
    if has_super and minimum > 0 and not separator:
        return _Min(minimum)
    every: list[_Matcher] = []
    if minimum > 0:
        every.append(_Min(minimum))
        if not has_super:
            every.append(_Max(minimum))
    if separator:
        every.append(_Contains(separator.encode(), negated=True))
    return _EveryOf(every)


def _minimize_matchers(matchers: Sequence[_Matcher]) -> Sequence[_Matcher]:
    """``minimizeMatchers``: repeatedly replace the best gluable window by its glued matcher."""
    while True:
        done: _Matcher | None = None
        left = right = count = 0
        for lo in range(len(matchers)):
            for hi in range(len(matchers), lo, -1):
                glued = _glue(matchers[lo:hi])
                if glued is None:
                    continue
                if done is None:
                    swap = True
                else:
                    swap = done.size > -1 and glued.size > -1 and glued.size > done.size
                    swap = swap or count < hi - lo
                if swap:
                    done, left, right, count = glued, lo, hi, hi - lo
        if done is None:
            return matchers
        following = [*matchers[:left], done, *matchers[right:]]
        if len(following) == len(matchers):  # pragma: no cover - a glued window has two or more pieces
            return following
        matchers = following


def _minimize_tree(tree: _Node) -> _Node | None:
    """``minimizeTreeAnyOf``: pull pieces common to every alternative out of ``{...}``, or None."""
    if any(child.kind != _K_PATTERN for child in tree.children):
        return None
    common_left, common_right = _common_children(tree.children)
    if not common_left and not common_right:
        return None
    result: list[_Node] = []
    if common_left:
        result.append(_Node(_K_PATTERN, None, common_left))
    alternatives: list[_Node] = []
    for child in tree.children:
        reuse = child.children[len(common_left) : len(child.children) - len(common_right)]
        node = _Node(_K_PATTERN, None, reuse) if reuse else _Node(_K_NOTHING)
        if not any(node.equal(known) for known in alternatives):
            alternatives.append(node)
    if len(alternatives) == 1 and alternatives[0].kind != _K_NOTHING:
        result.append(alternatives[0])
    elif len(alternatives) > 1:
        result.append(_Node(_K_ANY_OF, None, alternatives))
    if common_right:
        result.append(_Node(_K_PATTERN, None, common_right))
    return _Node(_K_PATTERN, None, result)


def _common_children(nodes: Sequence[_Node]) -> tuple[list[_Node], list[_Node]]:
    """``commonChildren``: the pieces every node starts with, and those every node ends with."""
    if len(nodes) <= 1:
        return [], []
    idx = min(range(len(nodes)), key=lambda i: len(nodes[i].children))  # the first of the shortest
    tree = nodes[idx]
    tree_len = len(tree.children)
    common_left: list[_Node] = []
    common_right: list[_Node] = []
    break_left = break_right = False
    total = 0
    i, j = 0, tree_len - 1
    while total < tree_len and j >= 0 and not (break_left and break_right):
        tree_left = tree.children[i]
        tree_right = tree.children[j]
        for k, node in enumerate(nodes):
            if break_left and break_right:
                break
            if k == idx:
                continue
            rest_left = node.children[i]
            rest_right = node.children[j + len(node.children) - tree_len]
            break_left = break_left or not tree_left.equal(rest_left)
            # Once the left part reaches the middle, the right part stops.
            break_right = break_right or (not break_left and j <= i)
            break_right = break_right or not tree_right.equal(rest_right)
        if not break_left:
            total += 1
            common_left.append(tree_left)
        if not break_right:
            total += 1
            common_right.insert(0, tree_right)
        i, j = i + 1, j - 1
    return common_left, common_right


def _compile_children(tree: _Node) -> list[_Matcher]:
    return [_optimize(_compile(child)) for child in tree.children]


def _compile(tree: _Node) -> _Matcher:
    """``compile`` for one node, without separators."""
    kind = tree.kind
    if kind == _K_ANY_OF:
        minimized = _minimize_tree(tree)
        if minimized is not None:
            return _compile(minimized)
        return _AnyOf(_compile_children(tree))  # gobwas returns it without optimizing it
    m: _Matcher
    if kind == _K_PATTERN:
        if not tree.children:
            return _Nothing()
        m = _compile_matchers(_minimize_matchers(_compile_children(tree)))
    elif kind in {_K_ANY, _K_SUPER}:
        m = _Super()  # ``*`` is Any with no separators, which optimizeMatcher turns into Super
    elif kind == _K_SINGLE:
        m = _Single()
    elif kind == _K_NOTHING:
        m = _Nothing()
    elif isinstance(tree.value, _ListValue):
        m = _List(tree.value.chars, tree.value.negated)
    elif isinstance(tree.value, _RangeValue):
        m = _Range(tree.value.lo, tree.value.hi, tree.value.negated)
    else:
        assert isinstance(tree.value, str)  # noqa: S101 - only Text nodes are left
        m = _Text(tree.value)
    return _optimize(m)


# --- public API ------------------------------------------------------------------------------------------


@attrs.frozen
class Glob:
    """A pattern compiled as gobwas v0.2.3 compiles it with no separators."""

    pattern: str
    """The source pattern."""
    _matcher: _Matcher = attrs.field(repr=False, eq=False, alias="matcher")
    """gobwas' compiled matcher tree."""

    @property
    def can_panic(self) -> bool:
        """True when gobwas' ``Match`` panics for some text (an empty alternative inside a fixed-length run, as in
        ``main{``): Gimlet's worker would die on the branch or tag that reaches it."""
        return self._matcher.can_panic

    def match(self, text: str, *, budget: int = MATCH_BUDGET) -> bool:
        """Whether gobwas' ``Match`` accepts *text*.

        Raises GlobMatchPanic where gobwas panics (Gimlet's worker then dies), and GlobBudgetExceeded when the
        match takes more than *budget* steps (the answer is then unknown).
        """
        data = _go_string(text).encode()
        return self._matcher.match(_Input(data, budget), 0, len(data))


@functools.lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> Glob:
    """Compile *pattern* as ``glob.Compile(pattern)`` does in gobwas v0.2.3.

    Raises GlobSyntaxError, with gobwas' message, where ``Compile`` returns an error (and ``MustCompile``
    panics).
    """
    return Glob(pattern, _compile(_parse(_go_string(pattern))))
