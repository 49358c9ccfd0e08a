#!/usr/bin/env bash
# Mutation testing of the package with gremlins (pinned): it changes the code
# one small mutation at a time (a flipped condition, an inverted operator,
# ...) and reruns the tests, which must then fail. The whole package is about
# 450 mutants, more than an hour on two cores, so it is not part of .ci/run;
# --diff REV mutates only the lines changed since REV (about 240 mutants and
# 20 minutes for the changes since 348ef41). Extra arguments go to
# `gremlins unleash` (e.g. --diff 348ef41, --workers 1, --dry-run).
#
# Every mutant that survives must be listed, with the reason no test can
# kill it, in scripts/mutation-equivalent.txt, and the efficacy over the
# other mutants must be at least 95%; scripts/mutation_check.go checks both.
#
# The tests run with -short (via GOFLAGS): at their default sizes even if
# FUTURE_FULL=1 is set; CI runs them at full size too.
set -euo pipefail
cd "$(dirname "$0")/.."

gremlins=github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
report=$(mktemp -t gremlins.XXXXXX.json)
trap 'rm -f "$report"' EXIT

# Every mutator gremlins has, not only its defaults. A mutant that makes a
# test hang fails the run after 15s (the watchdog in helpers_test.go), so it
# counts as killed; gremlins' own timeout (20 times the unmutated run, which
# takes about 2s) is only a backstop. 15s leaves room for tests that fail
# after their 10s patience.
FUTURE_TEST_WATCHDOG=15s GOFLAGS="${GOFLAGS:+$GOFLAGS }-short" go run "$gremlins" unleash \
	--exclude-files '^examples/' --exclude-files '^scripts/' --exclude-files '^internal/workloads/' --exclude-files '^bench/' \
	--invert-assignments --invert-bitwise --invert-bwassign \
	--invert-logical --invert-loopctrl --remove-self-assignments \
	--timeout-coefficient 20 \
	--output "$report" \
	"$@" .

case " $* " in *" --dry-run "* | *" -d "*) exit 0 ;; esac
go run scripts/mutation_check.go "$report" scripts/mutation-equivalent.txt
