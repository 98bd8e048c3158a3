#!/usr/bin/env bash
# GitHub composite action, step 1: find the runner's own Python 3.10 or newer for the zipapp, so that most runs
# need no setup-python. Writes python=<interpreter> to $GITHUB_OUTPUT; writes nothing when there is none, and
# action.yml then sets one up with actions/setup-python. The caller's PATH and Python are left untouched.
set -euo pipefail

probe='import sys; sys.stdout.write(sys.executable if sys.version_info >= (3, 10) else "")'
for candidate in python3 python; do
  if found="$("$candidate" -I -c "$probe" 2>/dev/null)" && [ -n "$found" ]; then
    echo "gimlet-ci runs with the runner's $found"
    echo "python=$found" >>"$GITHUB_OUTPUT"
    exit 0
  fi
done
echo "No Python 3.10 or newer on this runner's PATH: actions/setup-python provides one"
