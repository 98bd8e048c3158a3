#!/usr/bin/env bash
# The orb's install command: pip install gimlet-ci (PARAM_VERSION, empty for the newest) with PARAM_PYTHON, for the
# user only, and put pip's script folder on PATH for the later steps (through BASH_ENV).
set -euo pipefail

python="${PARAM_PYTHON:-python3}"
spec="gimlet-ci${PARAM_VERSION:+==$PARAM_VERSION}"
"$python" -m pip install --user --disable-pip-version-check --no-input "$spec"
scripts="$("$python" -c 'import sysconfig; print(sysconfig.get_path("scripts", "posix_user"))')"
echo "export PATH=\"$scripts:\$PATH\"" >>"$BASH_ENV"
"$scripts/gimlet-ci" --version
