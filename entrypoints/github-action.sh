#!/usr/bin/env bash
# GitHub composite action, step 2: run the zipapp committed with the action (adapters/github-action/dist), in
# isolated mode, with the Python that step 1 found or setup-python provided (PYTHON). No venv, no pip, no PyPI.
# action.yml passes every input as INPUT_<NAME>; gimlet_ci.adapters.github maps them.
set -euo pipefail

exec "$PYTHON" -I "$GITHUB_ACTION_PATH/dist/gimlet-ci.pyz" --platform github ship "$@"
