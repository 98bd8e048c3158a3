"""Where each manifest's app is reachable: ``values.ingress.host`` as Gimlet renders it.

Gimlet's worker runs ``PrepPreview`` and then ``ResolveVars`` on every manifest it deploys
(``pkg/dashboard/worker/gitops.go``), and its pull-request comment shows the app at the resulting
``values.ingress.host``. This module repeats those steps on the body ``ship`` posts, so that the ``url`` output names
the same address. Two things only the server knows are left out: the gitops repository's env-level
``.gimlet/vars`` (a host templated from them is left out, never guessed) and the environment's ingress host for
previews (the stack config); a preview host keeps the manifest's own domain, as Gimlet does without a stack config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import GoPanic, plain
from gimlet_ci.gimlet.gotemplate import TemplateError, resolve_manifest, template_vars
from gimlet_ci.gimlet.reading import read_body
from gimlet_ci.gimlet.worker import prep_preview

__all__ = ["deploy_addresses"]


def _host(manifest: Mapping[str, Any]) -> str | None:
    values = manifest.get("values")
    ingress = values.get("ingress") if isinstance(values, Mapping) else None
    host = ingress.get("host") if isinstance(ingress, Mapping) else None
    if not isinstance(host, str):
        return None
    host = host.strip()
    if not host or "{{" in host or any(c in host for c in " /\\\t\n"):
        return None
    return host


def deploy_addresses(body: bytes) -> dict[tuple[str, str], str]:
    """``{(env, app): "https://<host>"}`` for every manifest of *body* with an ingress host, with the app and the
    host named as Gimlet's worker names them (preview renaming, then templating with the artifact's vars and
    ``APP``). A manifest Gimlet could not render is left out."""
    stored = read_body(body).stored
    if stored is None:
        return {}
    artifact = plain(dx.ARTIFACT, stored)
    found: dict[tuple[str, str], str] = {}
    for manifest in stored["environments"] or ():
        if manifest is None:
            continue
        try:
            prepared = plain(dx.MANIFEST, prep_preview(manifest))
            resolved = resolve_manifest(prepared, template_vars(artifact, app=prepared.get("app")))
        except (GoPanic, TemplateError, TypeError, ValueError):
            continue
        host = _host(resolved)
        env, app = resolved.get("env"), resolved.get("app")
        if host and isinstance(env, str) and isinstance(app, str):
            found.setdefault((env, app), f"https://{host}")
    return found
