"""``gimlet-ci lint`` and ``explain``: the ``.gimlet/`` manifests checked, and judged as Gimlet's server would."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from gimlet_ci import _flows
from gimlet_ci._converter import artifact_body
from gimlet_ci._settings import BY_NAME
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load, logged_context
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.manifests import explain as _explain
from gimlet_ci.manifests import lint as _lint
from gimlet_ci.manifests.refusals import review_body

_MANIFESTS = BY_NAME["manifests"]
_VARS = BY_NAME["vars"]
_ARTIFACT_TIP = "pass the body `gimlet-ci ship --dry-run --output json` printed, as a regular file or on stdin with -"


def lint(
    env: Mapping[str, str], checkout: str, *, manifests: str | None = None, adapter: Adapter | None = None
) -> list[_lint.Problem]:
    """Every problem of the manifests in *manifests* (else ``GIMLET_MANIFESTS``, else the platform's ``manifests``
    input, else ``.gimlet``), named as the user wrote the folder (``.gimlet/x.yaml``). The template variables the
    ``vars`` setting gives (``GIMLET_VARS``, the platform's ``vars`` input) count as known."""
    from gimlet_ci.manifests.reading import manifest_root  # noqa: PLC0415

    inputs = adapter.inputs(env) if adapter is not None else {}
    picked = _MANIFESTS.pick({}, env, inputs)
    label = manifests or (str(picked[1]).strip() if picked else "") or str(_MANIFESTS.default)
    directory = Path(label)
    if not directory.is_absolute():
        directory = Path(checkout) / directory
    pipeline_vars: tuple[tuple[str, str], ...] = ()
    given = _VARS.pick({}, env, inputs)
    if given is not None:
        pipeline_vars = _VARS.parse(given[1], given[0])
    return _lint.lint(
        directory,
        label=label,
        root=manifest_root(directory, Path(checkout)),
        pipeline_vars=[name for name, _ in pipeline_vars],
    )


def explain(
    env: Mapping[str, str],
    adapter: Adapter,
    checkout: str,
    *,
    options: Mapping[str, object],
    read_stdin: Callable[[], bytes],
) -> dict[str, Any]:
    """Which manifests' deploy policies fire, and why the others do not, as ``--output json`` shows it.

    With the ``artifact`` option (a file, ``-`` for *read_stdin*) the body is judged as Gimlet's server would read
    it; without, the body ``ship`` would post for this context, with the ``branch``, ``tag``, ``event`` and
    ``message`` options applied to it.
    """
    artifact = options.get("artifact")
    if not isinstance(artifact, str):
        return _explain_checkout(env, adapter, checkout, options=options)
    from gimlet_ci._files import ARTIFACT_FILE_LIMIT, read_regular  # noqa: PLC0415

    try:
        body = read_stdin() if artifact == "-" else read_regular(artifact, limit=ARTIFACT_FILE_LIMIT)
    except OSError as e:
        msg = f"cannot read the artifact file {artifact!r}: {e.strerror or e}"
        raise ConfigError(
            msg,
            tip=_ARTIFACT_TIP,
        ) from e
    if len(body) > ARTIFACT_FILE_LIMIT:
        msg = f"the artifact on stdin is larger than {ARTIFACT_FILE_LIMIT // (1024 * 1024)} MiB"
        raise ConfigError(
            msg,
            tip=_ARTIFACT_TIP,
        )
    return _explain.as_json(review_body(body), checks=False)


def _explain_checkout(
    env: Mapping[str, str], adapter: Adapter, checkout: str, *, options: Mapping[str, object]
) -> dict[str, Any]:
    settings = load(env, adapter, options)
    ctx = logged_context(env, adapter, checkout)
    prepared = _flows.prepare(ctx, settings, checkout=Path(checkout), check=False)
    changes: dict[str, Any] = {}
    if options.get("tag") is not None:
        changes.update(tag=options["tag"], event="tag", branch="")
    changes.update({key: options[key] for key in ("branch", "event", "message") if options.get(key) is not None})
    version = attrs.evolve(prepared.artifact.version, **changes)
    body = artifact_body(attrs.evolve(prepared.artifact, version=version))
    return _explain.as_json(review_body(body, prepared.docs), prepared.docs)
