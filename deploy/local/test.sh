#!/usr/bin/env bash
# `npm test`: unit tests, then integration and end-to-end tests against the real local stack,
# which the e2e tier's global setup starts (and stops again if it was not already running).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
source "$here/ensure-deps.sh"
cd "$REPO_DIR"
# Some tests run the built CLI and service as real processes.
npm run --silent build
exec npx vitest run "$@"
