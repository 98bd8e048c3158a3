"""The documentation: generated pages are fresh, every documented command parses, the API example runs."""

from __future__ import annotations

import importlib.util
import py_compile
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gimlet_ci.cli import build_parser
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.testing import GimletServer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API_EXAMPLE = DOCS / "snippets" / "api_example.py"

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_INVOCATION = re.compile(r"(?<![\w/.-])(?:[\w./~-]*/)?gimlet-ci(?![\w./:@-])|\bpython3? -m gimlet_ci(?![\w.])")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_LOG_PROBLEM = re.compile(r"^(?:WARNING|ERROR)\s+-.*$", re.MULTILINE)
_OPERATORS = frozenset({"|", "||", "&", "&&", ";", ">", ">>", "<", "<<", "(", ")", "#"})


def _load_gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_gen", DOCS / "gen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_gen()


def _documents() -> list[Path]:
    """Hand-written Markdown: every page, the snippets they include, the README and its draft; not generated pages."""
    generated = {DOCS / "reference" / name for name in GEN.PAGES}
    pages = [p for p in sorted(DOCS.rglob("*.md")) if p not in generated]
    return [*pages, ROOT / "README.md"]


def _arguments(text: str) -> list[str] | None:
    """The arguments after ``gimlet-ci`` up to the first shell operator or comment; None when it is not a command."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote in prose
        return None
    args: list[str] = []
    for i, token in enumerate(tokens):
        if token in _OPERATORS or token.startswith("#"):
            break
        if token.isdigit() and i + 1 < len(tokens) and tokens[i + 1].startswith(">"):
            break
        args.append(token)
    return args


def _invocations_in(snippet: str) -> list[str]:
    """Each ``gimlet-ci ...`` command line of *snippet* (continuation lines joined), as written after ``gimlet-ci``."""
    found = []
    for raw in snippet.replace("\\\n", " ").splitlines():
        line = _COMMENT.sub("", raw)
        if line.strip().startswith("usage:"):
            continue
        for match in _INVOCATION.finditer(line):
            before = line[: match.start()].split()
            if before and before[-1] in {"install", "--upgrade"}:
                continue  # pip install gimlet-ci
            found.append(line[match.end() :])
    return found


def _documented_commands() -> list[object]:
    params = []
    for path in _documents():
        text = path.read_text(encoding="utf-8")
        snippets = [m.group("body") for m in _FENCE.finditer(text)]
        prose = _FENCE.sub("", text)
        snippets += [m.group(1) for m in _INLINE.finditer(prose)]
        for snippet in snippets:
            for rest in _invocations_in(snippet):
                label = f"{path.relative_to(ROOT)}: gimlet-ci{rest}"
                params.append(pytest.param(rest, id=label[:120]))
    return params


DOCUMENTED = _documented_commands()


def test_generated_pages_are_fresh() -> None:
    """Every generated reference page and every include block matches what docs/gen.py makes now (else run it)."""
    assert [] == GEN.stale()
    assert [] == GEN.stale_includes()


def test_gen_refills_an_include_block_from_its_file(tmp_path: Path) -> None:
    """An include block is the file's text, fenced by its kind; gen.py names a page whose block lags the file."""
    (tmp_path / "docs" / "how-to").mkdir(parents=True)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "ci.yml").write_text("steps: [deploy]\n", encoding="utf-8")
    page = tmp_path / "docs" / "how-to" / "page.md"
    page.write_text("# Page\n\n<!-- include: examples/ci.yml -->\nsteps: [old]\n<!-- end include -->\n\nAfter.\n")

    assert ["docs/how-to/page.md"] == GEN.stale_includes(tmp_path)
    expanded = GEN.expand_includes(page.read_text(encoding="utf-8"), tmp_path)
    assert "```yaml\nsteps: [deploy]\n```\n<!-- end include -->\n\nAfter.\n" in expanded
    page.write_text(expanded, encoding="utf-8")
    assert [] == GEN.stale_includes(tmp_path)


PUBLISHED_NAMES = re.compile(r"pip install gimlet-ci\b|adapters/github-action@v0|gimlet-ci/gimlet@|ghcr\.io/gimlet-ci/")
UNTIL_RELEASED = "> **Until the first release** "


def _user_pages() -> list[Path]:
    """Every page a user may read first: the README, the site's pages and the packaging's own pages."""
    return [*_documents(), *sorted((ROOT / "adapters").rglob("*.md"))]


def test_until_the_first_release_pages_say_how_to_do_without_it() -> None:
    """Before the first release, a page naming `pip install gimlet-ci`, `@v0`, the orb or an image says, in one line
    near its top, what to use instead (a checkout, a commit); once a version is released, no page says it."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.search(r"^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    for page in _user_pages():
        text = page.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text  # after any front matter
        lines = body.splitlines()
        notes = [(number, line) for number, line in enumerate(lines) if line.startswith(UNTIL_RELEASED)]
        name = str(page.relative_to(ROOT))
        if released:
            assert [] == notes, f"{name}: the first release is out; `python .ci/release.py prepare` removes these"
        elif PUBLISHED_NAMES.search(text):
            assert 1 == len(notes), name
            number, line = notes[0]
            assert number <= 12, f"{name}: the note is line {number}, not near the top"
            assert "checkout" in line or "commit" in line, name


def test_pages_read_on_github_without_include_lines() -> None:
    """No page or README holds a `--8<--` line, which GitHub would show as it is instead of the included file."""
    assert [] == [str(p.relative_to(ROOT)) for p in _documents() if "--8<--" in p.read_text(encoding="utf-8")]


def test_check_mode_reports_a_stale_page(tmp_path: Path) -> None:
    """gen.py --check logic names a page that differs from the code, and one that is missing."""
    (tmp_path / "cli.md").write_text("outdated\n", encoding="utf-8")
    assert ["cli.md", "settings.md"] == GEN.stale({"cli.md": GEN.cli_page, "settings.md": GEN.settings_page}, tmp_path)


def test_commands_are_found_in_the_docs() -> None:
    """The scan finds the tutorial's and the how-to pages' commands, so the parse test below is not vacuous."""
    assert len(DOCUMENTED) >= 40


@pytest.mark.parametrize("rest", DOCUMENTED)
def test_documented_command_exists(rest: str) -> None:
    """A `gimlet-ci ...` line in the docs or the README uses only commands and options the parser knows."""
    args = _arguments(rest)
    if args is None or "--help" in args or "-h" in args or "--version" in args:
        return
    try:
        build_parser().parse_args(args)
    except ConfigError as e:
        if "arguments are required" not in e.message:  # a mention such as `gimlet-ci deploy` in prose is fine
            pytest.fail(f"gimlet-ci {' '.join(args)}: {e.message}")


def test_every_example_is_in_the_docs() -> None:
    """Each pipeline and manifest under examples/ is in a page's include block, so the docs show the real files."""
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    examples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").rglob("*") if p.is_file())
    assert [] == [e for e in examples if f"<!-- include: {e} " not in pages]


@pytest.mark.parametrize(
    ("platform", "names"),
    [
        pytest.param(
            "github", ["INPUT_WAIT", "INPUT_DEPLOY", "INPUT_ENV", "INPUT_APP", "INPUT_TIMEOUT", "INPUT_DEBUG"]
        ),
        pytest.param(
            "circleci", ["PARAM_WAIT", "PARAM_DEPLOY", "PARAM_ENV", "PARAM_APP", "PARAM_TIMEOUT", "PARAM_DEBUG"]
        ),
        pytest.param(
            "woodpecker",
            ["PLUGIN_GIMLET_SERVER", "PLUGIN_GIMLET_TOKEN", "PLUGIN_WAIT", "PLUGIN_DEPLOY", "PLUGIN_DEBUG"],
        ),
    ],
)
def test_settings_page_lists_the_official_input_names(platform: str, names: list[str]) -> None:
    """The settings reference, probed from the adapters, shows the official plugins' input names per platform."""
    page = GEN.settings_page()
    section = page.split(f"{{#{platform}}}", 1)[1].split("\n### ", 1)[0]
    assert [] == [name for name in names if f"`{name}`" not in section]


def test_api_example_ships_and_releases(tmp_path: Path) -> None:
    """The documented Python example ships, waits for the automated deploy and releases production on demand."""
    example = runpy.run_path(str(API_EXAMPLE))
    (tmp_path / ".gimlet").mkdir()
    for name, text in example["MANIFESTS"].items():
        (tmp_path / ".gimlet" / name).write_text(text, encoding="utf-8")
    with GimletServer() as server:
        shipped, released = example["ship_and_release"](tmp_path, server=server.url, token=server.token)
        assert 1 == len(server.artifacts())
    assert ("succeeded", [("my-app", "staging", "succeeded")]) == (
        shipped.status,
        [(d.app, d.env, d.status) for d in shipped.deploys],
    )
    assert ("succeeded", [("my-app", "production", "succeeded")]) == (
        released.status,
        [(d.app, d.env, d.status) for d in released.deploys],
    )


def test_api_example_runs_as_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    """`python api_example.py` runs to the end against its own local server and prints both outcomes."""
    runpy.run_path(str(API_EXAMPLE), run_name="__main__")
    lines = [line for line in capsys.readouterr().out.splitlines() if "succeeded ['succeeded']" in line]
    assert 2 == len(lines)


_UNEXPANDED = re.compile(r"-{1,2}8 ?(?:<|&lt;) ?-{1,2}|&lt;!-- include:")
"""An include left as text in a built page: a pymdownx.snippets line (as Python-Markdown mangles it, too) or one of
gen.py's include markers shown instead of hidden."""


def test_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` passes: no broken link, anchor, include or nav entry; no built page shows an include
    line instead of the included text (the API page shows its example's code); no bytecode from docs/ is copied."""
    pytest.importorskip("material")
    py_compile.compile(str(ROOT / "docs" / "gen.py"), doraise=True)  # docs/__pycache__, as importing gen.py makes it
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (0, []) == (done.returncode, _LOG_PROBLEM.findall(done.stderr))
    site = tmp_path / "site"
    pages = sorted(site.rglob("*.html"))
    unexpanded = {
        str(page.relative_to(site)): found
        for page in pages
        if (found := _UNEXPANDED.findall(page.read_text(encoding="utf-8")))
    }
    assert {} == unexpanded
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "ship_and_release" in api
    assert "gimlet_ci.local_context" in api
    assert [] == [str(p.relative_to(site)) for p in site.rglob("*") if "__pycache__" in p.parts or p.suffix == ".pyc"]


_UNPUBLISHED_NUMBER = re.compile(r"\b(?:bug|issue|finding)s? #?\d+|\bB\d{1,2}\b|(?<![\w/#\[(&])#\d+\b", re.IGNORECASE)
"""A bug or issue number cited as bare text (``bug B6``, ``issue 12``, ``#35``): a reader can look up none of them."""


def test_pages_cite_no_bug_numbers_a_reader_cannot_look_up() -> None:
    """Migration tables and notes say what changed in plain words; a number is only ever a link's text."""
    found = {}
    for page in [*_documents(), *(DOCS / "reference" / name for name in GEN.PAGES)]:
        text = re.sub(r"\[[^\]]*\]\([^)]*\)", "", page.read_text(encoding="utf-8"))  # links may carry numbers
        text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # so may code
        if hits := _UNPUBLISHED_NUMBER.findall(text):
            found[str(page.relative_to(ROOT))] = hits
    assert {} == found
