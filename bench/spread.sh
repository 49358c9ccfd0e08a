#!/usr/bin/env bash
# Measures the Pool (W7), Group, Flights, Batch and Calls workloads (issues
# 24, 25 and 26) the way a user meets
# them: every round runs every contender in a fresh process, one after
# another, in an order that rotates from round to round, and the report
# gives each figure with the range it took over the rounds, so that a
# process that lands in a slow mode shows in the figure instead of being
# averaged away. Writes results/spread-raw.txt, results/spread-load.txt and
# SPREAD.md beside this script. Usage, from anywhere:
#
#	bench/spread.sh                 # 10 rounds: about 15 minutes on 2 cores
#	COUNT=6 bench/spread.sh
#	BEFORE=ddc256e bench/spread.sh  # also W7 of an earlier commit, as lib=before
#	WORKLOADS=Pool bench/spread.sh  # W7 alone
#	REPORT_ONLY=1 bench/spread.sh   # the report again, from results/
#
# Pool runs POOL_N tasks a process (a multiple of its batch of 1,000), the
# others BENCHTIME each. POOL_N is 3,000,000 tasks, 1.5 to 3 s a process,
# about the length of go test's default -benchtime of 1 s: at 300,000
# (0.1 to 0.3 s) a process is mostly its start, its heap growing from
# nothing, and every contender's rounds spread wider (on 2026-12-07, an
# hour apart: errgroup ±25% at 300,000 and ±5% at 3,000,000, conc's plain
# pool ±18% and ±11%, ants ±23% and ±10%; ours ±33% and ±39%, its own
# two modes). Run it on a quiet machine: results/spread-load.txt says how
# quiet it was.
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-10}
pooln=${POOL_N:-3000000x}
benchtime=${BENCHTIME:-1s}
mkdir -p results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${REPORT_ONLY:-}" ]; then
	go test -c -o "$tmp/bench.test" .
	if [ -n "${BEFORE:-}" ]; then
		mkdir "$tmp/before"
		git -C .. archive "$BEFORE" | tar -x -C "$tmp/before"
		(cd "$tmp/before/bench" && go test -c -o "$tmp/before.test" .)
	fi
	: >results/spread-raw.txt
	: >results/spread-load.txt
	{
		echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "# cpu: $(awk -F: '/model name/ { sub(/^ /, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || true), $(getconf _NPROCESSORS_ONLN) cores, $(go env GOVERSION)"
		if [ -n "${BEFORE:-}" ]; then
			echo "# before: $(git rev-parse --short "$BEFORE")"
		fi
	} >>results/spread-raw.txt
	# run BINARY WORKLOAD LIB BENCHTIME [AS]: one process, its benchmark
	# lines appended to the raw results (renamed to lib=AS if given).
	run() {
		"$1" -test.run='^$' -test.bench="^Benchmark$2\$/^lib=$3\$" -test.benchtime="$4" -test.timeout=1h |
			grep '^Benchmark' | sed "s#/lib=$3-#/lib=${5:-$3}-#" >>results/spread-raw.txt || true
	}
	for round in $(seq "$count"); do
		echo "round $round of $count: $(uptime)" | tee -a results/spread-load.txt
		echo "# round $round" >>results/spread-raw.txt
		for w in ${WORKLOADS:-Pool Group Flights Batch BatchDistinct CallsRoundtrip CallsRoundtripCtx CallsStorm}; do
			case $w in
			Pool) libs=(baseline future future-request future-bounded floor errgroup conc conc-results ants) n=$pooln ;;
			Group) libs=(future errgroup errgroup-fork conc) n=$benchtime ;;
			Flights) libs=(future singleflight) n=$benchtime ;;
			Batch | BatchDistinct) libs=(future floor floor-padded dataloadgen dataloader) n=$benchtime ;;
			CallsRoundtrip) libs=(future map) n=$benchtime ;;
			CallsRoundtripCtx | CallsStorm) libs=(future map map-watched) n=$benchtime ;;
			esac
			if [ "$w" = Pool ] && [ -n "${BEFORE:-}" ]; then
				libs+=(before before-request)
			fi
			for i in "${!libs[@]}"; do
				lib=${libs[$(((i + round) % ${#libs[@]}))]}
				case $lib in
				before) run "$tmp/before.test" "$w" future "$n" before ;;
				before-request) run "$tmp/before.test" "$w" future-request "$n" before-request ;;
				*) run "$tmp/bench.test" "$w" "$lib" "$n" ;;
				esac
			done
		done
	done
	echo "after: $(uptime)" | tee -a results/spread-load.txt
fi

go run ./cmd/spread -raw results/spread-raw.txt -load results/spread-load.txt >SPREAD.md
cat SPREAD.md
