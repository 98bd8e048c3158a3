#!/usr/bin/env bash
# GitHub composite action, step 2: run the gimlet-ci that github-action-install.sh put in $RUNNER_TEMP.
# action.yml passes every input as INPUT_<NAME>; gimlet_ci.adapters.github maps them.
set -euo pipefail

bin="$RUNNER_TEMP/gimlet-ci-venv/bin"
if [ "${RUNNER_OS:-}" = Windows ]; then bin="$RUNNER_TEMP/gimlet-ci-venv/Scripts"; fi

exec "$bin/gimlet-ci" --platform github ship "$@"
