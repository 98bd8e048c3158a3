"""Release helpers, used by hand and by .github/workflows/release.yml (see docs/releasing.md).

    python .ci/release.py prepare 0.2.0     # version, orb executor tags, changelog section; then regenerate the zipapp
    python .ci/release.py check v0.2.0      # the tag agrees with the version, the orb and the changelog
    python .ci/release.py notes v0.2.0      # the changelog section of that version (the GitHub release's text)
    python .ci/release.py newest v0.2.0 REFS  # exit 0 when the tag is the newest vX.Y.Z of its major in REFS

Only the standard library: the release workflow runs it on a bare setup-python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "gimlet_ci" / "_version.py"
CHANGELOG = ROOT / "CHANGELOG.md"
ORB = ROOT / "adapters" / "circleci-orb" / "src"
ORB_TAGGED = ("executors/default.yml", "jobs/ship.yml", "jobs/gimlet-artifact-push.yml")
ORB_EXAMPLES = ORB / "examples"
REGENERATE = "adapters/github-action/build-pyz adapters/github-action/dist/gimlet-ci.pyz"
TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
UNTIL_RELEASED = "> **Until the first release** "
_TAG_DEFAULT = re.compile(r'(\n  tag:\n(?:    .*\n)*?    default: )"([^"]*)"')


class ReleaseError(Exception):
    """The repository is not ready for this release; the message says what to change."""


def parse_tag(tag: str) -> tuple[int, int, int]:
    """``vX.Y.Z`` as three numbers; anything else is refused."""
    match = TAG.match(tag.strip().removeprefix("refs/tags/"))
    if not match:
        msg = f"{tag!r} is not a release tag of the form vX.Y.Z"
        raise ReleaseError(msg)
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def current_version(root: Path = ROOT) -> str:
    match = re.search(r'^__version__ = "([^"]+)"', (root / "gimlet_ci" / "_version.py").read_text(), re.MULTILINE)
    if not match:
        msg = "gimlet_ci/_version.py has no __version__ line"
        raise ReleaseError(msg)
    return match.group(1)


def changelog_section(text: str, version: str) -> str:
    """The body of ``## [version] - date`` in a Keep a Changelog file, stripped; empty when there is none."""
    pattern = re.compile(
        rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## |^\[[^\]]+\]: |\Z)", re.MULTILINE | re.DOTALL
    )
    match = pattern.search(text)
    return match.group(1).strip() if match else ""


def orb_tags(root: Path = ROOT) -> dict[str, str]:
    """The default executor image tag of each orb component that has one."""
    tags = {}
    for name in ORB_TAGGED:
        match = _TAG_DEFAULT.search((root / "adapters" / "circleci-orb" / "src" / name).read_text(encoding="utf-8"))
        tags[name] = match.group(2) if match else ""
    return tags


def orb_example_majors(root: Path = ROOT) -> dict[str, str]:
    """The major each orb usage example pins (``gimlet-ci/gimlet@<major>``)."""
    majors = {}
    for path in sorted((root / "adapters" / "circleci-orb" / "src" / "examples").glob("*.yml")):
        match = re.search(r"gimlet: gimlet-ci/gimlet@(\S+)", path.read_text(encoding="utf-8"))
        majors[path.name] = match.group(1) if match else ""
    return majors


def check(tag: str, root: Path = ROOT) -> list[str]:
    """What disagrees with releasing *tag* from *root*: one line per problem, none when it is ready."""
    major, minor, patch = parse_tag(tag)
    version = f"{major}.{minor}.{patch}"
    problems = []
    if current_version(root) != version:
        problems.append(f"gimlet_ci/_version.py says {current_version(root)}, the tag says {version}")
    problems += [
        f"adapters/circleci-orb/src/{name}: executor tag default {found!r}, expected {version!r}"
        for name, found in orb_tags(root).items()
        if found != version
    ]
    problems += [
        f"adapters/circleci-orb/src/examples/{name}: uses gimlet-ci/gimlet@{found}, expected @{major}"
        for name, found in orb_example_majors(root).items()
        if found != str(major)
    ]
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if not re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE):
        problems.append(f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section")
    elif not changelog_section(text, version):
        problems.append(f"CHANGELOG.md's section for {version} is empty")
    return problems


def newest(tag: str, refs: list[str]) -> bool:
    """True when *tag* is at least every ``vX.Y.Z`` of the same major in *refs* (tag names or ``refs/tags/…``)."""
    mine = parse_tag(tag)
    others = []
    for ref in refs:
        name = ref.strip().removeprefix("refs/tags/")
        if TAG.match(name):
            others.append(parse_tag(name))
    return all(other <= mine for other in others if other[0] == mine[0])


def prepare(version: str, root: Path = ROOT, today: dt.date | None = None) -> list[str]:
    """Set the version everywhere a release needs it and open its changelog section; the files changed."""
    major = parse_tag(f"v{version}")[0]
    changed = []
    version_file = root / "gimlet_ci" / "_version.py"
    text = version_file.read_text(encoding="utf-8")
    version_file.write_text(re.sub(r'^__version__ = "[^"]+"', f'__version__ = "{version}"', text, flags=re.MULTILINE))
    changed.append("gimlet_ci/_version.py")
    for name in ORB_TAGGED:
        path = root / "adapters" / "circleci-orb" / "src" / name
        path.write_text(_TAG_DEFAULT.sub(rf'\g<1>"{version}"', path.read_text(encoding="utf-8"), count=1))
        changed.append(f"adapters/circleci-orb/src/{name}")
    for path in sorted((root / "adapters" / "circleci-orb" / "src" / "examples").glob("*.yml")):
        path.write_text(re.sub(r"gimlet-ci/gimlet@\S+", f"gimlet-ci/gimlet@{major}", path.read_text(encoding="utf-8")))
        changed.append(path.relative_to(root).as_posix())
    changed += remove_until_released_notes(root)
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    if f"## [{version}]" not in text:
        if "## [Unreleased]\n" not in text:
            msg = "CHANGELOG.md has no '## [Unreleased]' section to turn into the release's"
            raise ReleaseError(msg)
        date = (today or dt.datetime.now(tz=dt.timezone.utc).date()).isoformat()
        text = text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{version}] - {date}\n", 1)
        changelog.write_text(text, encoding="utf-8")
        changed.append("CHANGELOG.md")
    return changed


def remove_until_released_notes(root: Path = ROOT) -> list[str]:
    """Drop the pages' "Until the first release" lines (and the blank line after each); the pages changed."""
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md")), *sorted((root / "adapters").rglob("*.md"))]
    changed = []
    for page in pages:
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        kept = re.sub(rf"^{re.escape(UNTIL_RELEASED)}[^\n]*\n(\n)?", "", text, flags=re.MULTILINE)
        if kept != text:
            page.write_text(kept, encoding="utf-8")
            changed.append(page.relative_to(root).as_posix())
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="set VERSION in the version file, the orb and the changelog").add_argument(
        "version"
    )
    commands.add_parser("check", help="exit 1 unless TAG can be released from this checkout").add_argument("tag")
    commands.add_parser("notes", help="print the changelog section of TAG").add_argument("tag")
    newest_parser = commands.add_parser("newest", help="exit 0 when TAG is the newest of its major in REFS")
    newest_parser.add_argument("tag")
    newest_parser.add_argument("refs", type=Path, help="a file of tag names or refs/tags/..., one a line")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            for name in prepare(args.version):
                print(f"updated {name}")
            print(f"Next: regenerate the zipapp ({REGENERATE}), review, commit, merge, then tag v{args.version}.")
            return 0
        if args.command == "check":
            problems = check(args.tag)
            for problem in problems:
                print(f"ERROR {problem}", file=sys.stderr)
            if problems:
                print(f"TIP python .ci/release.py prepare {'.'.join(map(str, parse_tag(args.tag)))}", file=sys.stderr)
                return 1
            print(f"{args.tag} agrees with the version, the orb and the changelog")
            return 0
        if args.command == "notes":
            major, minor, patch = parse_tag(args.tag)
            notes = changelog_section(CHANGELOG.read_text(encoding="utf-8"), f"{major}.{minor}.{patch}")
            if not notes:
                print(f"ERROR CHANGELOG.md has no section for {args.tag}", file=sys.stderr)
                return 1
            print(notes)
            return 0
        refs = args.refs.read_text(encoding="utf-8").splitlines()
        return 0 if newest(args.tag, refs) else 1
    except ReleaseError as e:
        print(f"ERROR {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
