#!/bin/sh
# Woodpecker plugin image ENTRYPOINT: settings arrive as PLUGIN_<NAME>; gimlet_ci.adapters.woodpecker maps them.
set -eu

exec gimlet-ci --platform woodpecker ship "$@"
