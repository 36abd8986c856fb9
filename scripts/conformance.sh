#!/usr/bin/env bash
# `pnpm conformance [options]`: builds the conformance CLI and the local World, then checks the
# local World in a fresh data directory. The build's log is shown only when the build fails, so
# the first thing printed is the suite's own output. Options go to worldkit-conformance.
# Run through pnpm, which puts the workspace's turbo on PATH.
set -uo pipefail
cd "$(dirname "$0")/.."

build_log=$(mktemp)
data_dir=$(mktemp -d)
trap 'rm -rf "$build_log" "$data_dir"' EXIT

if ! turbo run build --filter=@worldkit/world-testing... --filter=@worldkit/world-local... \
  --output-logs=errors-only >"$build_log" 2>&1; then
  cat "$build_log" >&2
  echo "pnpm conformance: the build failed (its log is above)" >&2
  exit 1
fi

WORKFLOW_LOCAL_DATA_DIR=$data_dir node packages/world-testing/dist/cli.js "$@"
