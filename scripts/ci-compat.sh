#!/usr/bin/env bash
# CI gate: schema compatibility of the working tree with the previous commit.
# Exit 0: no undeclared breaking change (also on a repo whose HEAD is the first commit, where
# every event is reported as added). Exit 1: an undeclared breaking change. Exit 2: usage/git error.
# Usage: scripts/ci-compat.sh [<git-ref>]   (default HEAD~1)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD~1}
# A shallow clone (fetch-depth 1) lacks the parent commit: fetch one more level of history.
if [ "$(git rev-parse --is-shallow-repository)" = "true" ]; then
  git fetch --quiet --deepen=1 || echo "ci-compat: could not deepen the shallow clone" >&2
fi
exec pnpm schemas:compat --base "$base"
