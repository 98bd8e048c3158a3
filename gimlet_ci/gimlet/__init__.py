"""A model of Gimlet's server: how it decodes what it receives, and what its worker does with it.

Everything here reproduces Gimlet's Go code (``pkg/dx``, ``pkg/dashboard/worker/gitops.go``) and its dependencies
(Go's ``encoding/json``, gobwas/glob v0.2.3), quirks, bugs and panics included, so that gimlet-ci can say before it
sends anything what Gimlet will do. `reading.read_body` and `reading.judge` are the entry points.
"""
