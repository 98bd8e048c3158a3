#!/usr/bin/env bash
# The orb's install command: gimlet-ci (PARAM_VERSION, empty for the newest) into a virtual environment of its own,
# made with PARAM_PYTHON, so that it works where pip --user does not (PEP 668 system Pythons), and that folder's
# bin on PATH for the later steps (through BASH_ENV).
set -euo pipefail

python="${PARAM_PYTHON:-python3}"
spec="gimlet-ci${PARAM_VERSION:+==$PARAM_VERSION}"
venv="${HOME:?}/.gimlet-ci/venv"
if ! "$python" -m venv "$venv"; then
  echo "ERROR the install command could not make a virtual environment with '$python' (python3 -m venv)" >&2
  echo "TIP use an image with Python 3.10 or newer and its venv module (cimg/python), or set the orb parameter python" >&2
  exit 2
fi
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input "$spec"
echo "export PATH=\"$venv/bin:\$PATH\"" >>"$BASH_ENV"
"$venv/bin/gimlet-ci" --version
