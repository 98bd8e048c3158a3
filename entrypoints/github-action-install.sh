#!/usr/bin/env bash
# GitHub composite action, step 1: a private virtual environment in $RUNNER_TEMP with gimlet-ci installed
# from the action's own checkout (the repository root, two levels above adapters/github-action), its runtime
# dependencies at the versions pinned in adapters/github-action/constraints.txt.
# PYTHON is setup-python's python-path output; the caller's PATH and Python stay untouched.
set -euo pipefail

venv="$RUNNER_TEMP/gimlet-ci-venv"
bin="$venv/bin"
if [ "${RUNNER_OS:-}" = Windows ]; then bin="$venv/Scripts"; fi

"$PYTHON" -m venv "$venv"
"$bin/python" -m pip install --disable-pip-version-check --quiet \
  -c "$GITHUB_ACTION_PATH/constraints.txt" "$GITHUB_ACTION_PATH/../.."
