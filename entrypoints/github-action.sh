#!/usr/bin/env bash
# GitHub composite action, step 2: run the zipapp committed with the action (adapters/github-action/dist) with the
# Python that step 1 found or setup-python provided (PYTHON). No venv, no pip, no PyPI. Isolated (-I): no PYTHON*
# variable, user site or working directory of the job reaches it; UTF-8 mode (-X utf8): what it prints is UTF-8 on
# every runner, Windows included. action.yml passes every input as INPUT_<NAME>;
# `step` runs the command the `command` input names (ship by default).
set -euo pipefail

exec "$PYTHON" -I -X utf8 "$GITHUB_ACTION_PATH/dist/gimlet-ci.pyz" --platform github step "$@"
