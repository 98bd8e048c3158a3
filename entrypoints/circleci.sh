#!/usr/bin/env bash
# CircleCI orb entry (copied verbatim to adapters/circleci-orb/src/scripts/ship.sh and inlined by the orb).
# The orb passes its parameters as PARAM_<NAME> (PARAM_COMMAND: which command); gimlet_ci.adapters.circleci maps them.
set -euo pipefail

exec gimlet-ci --platform circleci step "$@"
