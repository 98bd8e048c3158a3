#!/usr/bin/env bash
# Runs the committed zipapp the way the GitHub action does (python3 -I gimlet-ci.pyz), with every CPython this
# machine has (python3.N on PATH, /usr/bin, and pyenv's versions), from a fresh git checkout of the examples:
# `--version` and `ship --dry-run` must work on 3.10 and newer; older ones must refuse in one line, exit 1.
# -S as well: nothing from any site-packages, so the zipapp must be self-contained.
#   bash .ci/zipapp-pythons.sh [ZIPAPP]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pyz="$(cd "$(dirname "${1:-$root/adapters/github-action/dist/gimlet-ci.pyz}")" && pwd)/$(basename "${1:-gimlet-ci.pyz}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/checkout"
cp -r "$root/examples/.gimlet" "$work/checkout/.gimlet"
git -C "$work/checkout" init -q -b main
git -C "$work/checkout" add -A
git -C "$work/checkout" -c user.name=CI -c user.email=ci@example.com commit -q -m "zipapp smoke"

candidates=()
for minor in 8 9 10 11 12 13 14 15; do
  for dir in /usr/bin /usr/local/bin; do candidates+=("$dir/python3.$minor"); done
  found="$(command -v "python3.$minor" 2>/dev/null || true)"
  if [ -n "$found" ]; then candidates+=("$found"); fi
done
if pyenv_root="$(pyenv root 2>/dev/null)"; then
  for path in "$pyenv_root"/versions/3.*/bin/python3; do candidates+=("$path"); done
fi

declare -A seen=()
ran=0
failed=0
for candidate in "${candidates[@]}"; do
  [ -x "$candidate" ] || continue
  probe='import os, sys; print("%d.%d.%d" % sys.version_info[:3], os.path.realpath(sys.executable))'
  read -r version real < <("$candidate" -I -S -c "$probe" 2>/dev/null) || continue
  [ -z "${seen[$real]:-}" ] || continue
  seen[$real]=1
  env=(env -i "PATH=/usr/bin:/bin" "HOME=$work" GIMLET_SERVER=http://127.0.0.1:9 GIMLET_TOKEN=zipapp-smoke-token)
  if "$candidate" -I -S -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    if out="$(cd "$work/checkout" && "${env[@]}" "$candidate" -I -S "$pyz" --version 2>&1)" &&
      (cd "$work/checkout" && "${env[@]}" "$candidate" -I -S "$pyz" --platform local ship --dry-run --output json) \
        >"$work/body.json" 2>"$work/err" &&
      grep -q '"repositoryName": "local/checkout"' "$work/body.json"; then
      echo "OK   Python $version ($candidate): $out, ship --dry-run"
    else
      echo "FAIL Python $version ($candidate)"
      sed 's/^/     /' "$work/err"
      failed=1
    fi
  else
    if ! out="$("${env[@]}" "$candidate" -I -S "$pyz" --version 2>&1)" && [[ "$out" == *"needs Python 3.10 or newer"* ]]; then
      echo "OK   Python $version ($candidate) refuses: $out"
    else
      echo "FAIL Python $version ($candidate) did not refuse clearly: $out"
      failed=1
    fi
  fi
  ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
  echo "FAIL no Python found to run the zipapp with"
  exit 1
fi
exit "$failed"
