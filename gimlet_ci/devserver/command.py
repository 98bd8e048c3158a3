"""``gimlet-ci dev-server``: serve on loopback until interrupted."""

from __future__ import annotations

import argparse
import secrets
import time
from typing import TextIO

from gimlet_ci.devserver.arguments import fault_knobs
from gimlet_ci.devserver.server import DevServer
from gimlet_ci.exceptions import ConfigError

__all__ = ["run"]


def run(args: argparse.Namespace, *, out: TextIO) -> int:
    """Serve until interrupted (Ctrl-C); print the URL and token to *out* first."""
    token = args.token or secrets.token_urlsafe(24)
    environments = tuple(e.strip() for e in args.environments.split(",") if e.strip())
    server = DevServer(
        token=token,
        processing_delay=args.processing_delay,
        reconcile_delay=args.reconcile_delay,
        environments=environments,
        host=args.host,
        port=args.port,
        **fault_knobs(args),
    )
    try:
        server.start()
    except OverflowError as e:  # the socket module's answer to a port beyond 65535
        msg = f"--port {args.port!r} is not a port number"
        raise ConfigError(msg, tip="use --port 1-65535, or 0 to pick a free one") from e
    except OSError as e:
        msg = f"cannot listen on {args.host}:{args.port}: {e.strerror or e}"
        raise ConfigError(msg, tip="pick another --port (0 chooses a free one)") from e
    out.write(f"Gimlet dev server listening on {server.url}\n")
    out.write(f"GIMLET_SERVER={server.url}\nGIMLET_TOKEN={token}\n")
    out.write(f"environments: {', '.join(environments)}; press Ctrl-C to stop\n")
    out.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.write("stopped\n")
    finally:
        server.stop()
    return 0
