"""Any manifest bytes: `lint`, `explain` and `ship --dry-run` answer 0, 1 or 2, never crash, and `ship` never prints
(so never sends) a body that the model of Gimlet's server rejects."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gimlet_ci.cli import main
from gimlet_ci.gimlet import dx
from gimlet_ci.manifests.refusals import review_body
from tests.helpers import make_repo

FIELD_KEYS = [name for names in dx.FIELD_NAMES.values() for name in names]
KEYS = st.one_of(
    st.sampled_from(FIELD_KEYS),
    st.sampled_from(FIELD_KEYS).map(str.upper),
    st.sampled_from(FIELD_KEYS).map(str.capitalize),
    st.sampled_from(["image", "ingress", "host", "strategy", "name", "kind", "spec", "module", "url"]),
    st.text(min_size=1, max_size=8),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["main", "!main", "main{", "[", "v*", "push", "pr", "tag", "Tag", "{{ .SHA }}", "\\[x]", "?"]),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
MANIFESTS = st.dictionaries(KEYS, VALUES, max_size=8).map(
    lambda m: yaml.safe_dump(m, allow_unicode=True, sort_keys=False)
)
TEXTS = st.one_of(MANIFESTS, st.text(max_size=200), MANIFESTS.map(lambda text: text + "---\n" + text))


@pytest.fixture(name="repo", scope="module")
def _repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("property"), manifests={"x.yaml": "app: x\nenv: staging\n"})


def _run(repo: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["-C", str(repo), "--platform", "local", *argv], {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_any_manifest_gets_an_answer(repo: Path, text: str) -> None:
    """lint, explain and ship --dry-run exit 0, 1 or 2 with no traceback; a body ship prints passes the model."""
    (repo / ".gimlet" / "x.yaml").write_text(text, encoding="utf-8")
    for argv in (["lint"], ["explain", "--output", "json"], ["ship", "--dry-run", "--output", "json"]):
        code, out, err = _run(repo, *argv)
        assert code in {0, 1, 2}, (argv, err)
        assert "Traceback" not in err
        assert "internal error" not in err
    code, out, _ = _run(repo, "ship", "--dry-run", "--output", "json")
    if code == 0:
        body = out.encode()
        assert not review_body(body).rejected


def test_the_strategy_reaches_refusals(repo: Path) -> None:
    """The generated manifests are not all harmless: a case-variant key is refused, so the property has teeth."""
    (repo / ".gimlet" / "x.yaml").write_text("app: x\nenv: staging\nDeploy: {event: push}\n", encoding="utf-8")
    assert 2 == _run(repo, "ship", "--dry-run")[0]
