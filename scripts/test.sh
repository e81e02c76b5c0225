#!/usr/bin/env bash
# The whole test suite: unit, integration, end-to-end and fault injection.
# Installs what is missing first, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --with-test-browser
bash scripts/ensure-dovecot.sh
npx eslint packages apps test
npx tsc -p test/tsconfig.json
# Each workspace with its own tests (vitest runs them without type checking).
npx turbo run typecheck --output-logs=errors-only
mkdir -p .test-output
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-output/results.json "$@" || status=$?
node scripts/summarize-tests.mjs .test-output/results.json || status=1
exit $status
