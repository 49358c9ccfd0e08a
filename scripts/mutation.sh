#!/usr/bin/env bash
# Mutation testing of the package with gremlins (pinned): it changes the code
# one small mutation at a time (a flipped condition, a dropped assignment,
# ...) and reruns the tests, which must fail. Efficacy is the share of
# mutants the tests kill; below 90% the script fails. It takes minutes, so
# it is not part of .ci/run. Extra arguments go to `gremlins unleash`
# (e.g. --workers 1, --dry-run).
#
# The tests run with -short (GOFLAGS), which skips only the heavy stress
# test; CI runs everything at full size.
set -euo pipefail
cd "$(dirname "$0")/.."

gremlins=github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-short"

# Every mutator gremlins has, not only its defaults. The timeout coefficient
# leaves room for tests that wait up to their patience (10s) before failing.
exec go run "$gremlins" unleash \
	--exclude-files '^examples/' \
	--invert-assignments --invert-bitwise --invert-bwassign \
	--invert-logical --invert-loopctrl --remove-self-assignments \
	--timeout-coefficient 10 \
	--threshold-efficacy 90 \
	"$@" .
