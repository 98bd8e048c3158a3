#!/bin/sh
# Woodpecker plugin image ENTRYPOINT: settings arrive as PLUGIN_<NAME> (`command`: which command, ship by default);
# gimlet_ci.adapters.woodpecker maps them.
set -eu

exec gimlet-ci --platform woodpecker step "$@"
