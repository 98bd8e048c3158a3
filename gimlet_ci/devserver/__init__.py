"""The local Gimlet-compatible server behind ``gimlet-ci dev-server``, ``gimlet-ci demo`` and
``gimlet_ci.testing.GimletServer`` (its public face).

It reproduces what a client of Gimlet's CI endpoints can observe: the routes, auth, status codes and bodies
(``text/plain`` JSON, ``http.Error`` errors, the 404-plus-JSON quirk), the artifact echo in Go key order with
``omitempty``, deploy policies and templates as Gimlet's decoder and worker apply them, the event and gitops-status
lifecycle over time, and the push channel. It does not clone, render Helm charts or push: every deploy is a fresh
fake gitops commit. It binds loopback addresses only.

Modules, each importing only those above it:

- `faults`: the fault knobs, declared once as the fields of `Faults`;
- `arguments`: the ``dev-server`` options, the knobs' built from those fields (cheap to import: the CLI parser);
- `state`: stored artifacts, events and deploy history, and their processing over time (the worker);
- `wire`: requests, responses, and the Go-shaped bodies Gimlet answers with;
- `api`: Gimlet's ``/api/`` endpoints, request to response;
- `ws`: the push channel ``/ws/`` (RFC 6455, server side) and the clock that broadcasts each change at its moment;
- `http`: the HTTP transport, framed as Go's ``net/http``;
- `server`: `DevServer`, all of it put together, with its typed keyword arguments;
- `command`: the ``dev-server`` command.

Importing this package imports none of them.
"""
