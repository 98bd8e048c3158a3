"""The version, in one place: hatchling reads it for the package metadata, the CLI prints it without importlib."""

from __future__ import annotations

__version__ = "0.1.0"
