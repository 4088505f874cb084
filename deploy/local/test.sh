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
# Without arguments: the unit and e2e tiers; the fault matrix is `npm run faults`.
if (($# == 0)); then set -- --project unit --project e2e; fi
exec npx vitest run "$@"
