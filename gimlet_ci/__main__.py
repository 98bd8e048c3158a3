"""``python -m gimlet_ci``."""

from __future__ import annotations

from gimlet_ci.cli import entrypoint

if __name__ == "__main__":
    entrypoint()
