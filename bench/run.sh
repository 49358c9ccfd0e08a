#!/usr/bin/env bash
# Runs the comparison of future with the floor, the baselines and the peers,
# and writes RESULTS.md and chart.svg beside this script (raw outputs go to
# results/). Usage, from anywhere:
#
#	bench/run.sh            # 6 rounds at -benchtime=1s: about 11 minutes on 2 cores
#	COUNT=10 BENCHTIME=2s bench/run.sh
#	REPORT_ONLY=1 bench/run.sh  # no measuring: benchstat and the report, again, from results/
#	BEFORE=348ef41 bench/run.sh # also W1-W5 of an earlier commit, as lib=before
#
# BEFORE names a git revision of this repository: its own bench/ is built
# against its own code, and its future contender of W1-W5 runs in the same
# rotation as today's, so the report can say what a change cost.
#
# Run it on a quiet machine: other load shows up as noise in every ratio.
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-6} # benchstat needs 6 for a 95% confidence interval
benchtime=${BENCHTIME:-1s}
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
mkdir -p results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${REPORT_ONLY:-}" ]; then
	echo "--- $count rounds of go test -bench -benchtime=$benchtime"
	# Each library runs each workload in a fresh process, so that none inherits
	# the heap, goroutines or threads another left behind (in one process, the
	# first contender of a workload does measurably better); the contenders of a
	# workload run one after another, in an order that rotates from round to
	# round, so that a change of load on the machine hits them alike.
	go test -c -o "$tmp/bench.test" .
	workloads=(W1 W2 W3 W4 W5 Go Pool Flights Group GroupNoPool Batch BatchDistinct)
	libs=(baseline future future-request workiva mo errgroup errgroup-fork conc conc-results ants singleflight dataloadgen dataloader)
	if [ -n "${BEFORE:-}" ]; then
		mkdir "$tmp/before"
		git -C .. archive "$BEFORE" | tar -x -C "$tmp/before"
		(cd "$tmp/before/bench" && go test -c -o "$tmp/before.test" .)
		libs+=(before)
	fi
	: >results/raw.txt
	echo "before: $(uptime)" >results/load.txt
	for round in $(seq "$count"); do
		echo "round $round of $count"
		for w in "${workloads[@]}"; do
			for i in "${!libs[@]}"; do
				lib=${libs[$(((i + round) % ${#libs[@]}))]}
				if [ "$lib" = before ]; then
					case $w in W[1-5]) ;; *) continue ;; esac
					"$tmp/before.test" -test.run='^$' -test.bench="^Benchmark$w\$/^lib=future\$" \
						-test.benchtime="$benchtime" -test.timeout=1h | grep '^Benchmark' | sed 's#/lib=future#/lib=before#' >>results/raw.txt || true
					continue
				fi
				"$tmp/bench.test" -test.run='^$' -test.bench="^Benchmark$w\$/^lib=$lib\$" \
					-test.benchtime="$benchtime" -test.timeout=1h | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>results/raw.txt || true
			done
		done
		"$tmp/bench.test" -test.run='^$' -test.bench='^Benchmark(Reads|Failure)$' -test.benchtime="$benchtime" | grep '^Benchmark' >>results/raw.txt
	done
	echo "after:  $(uptime)" >>results/load.txt
	# BenchmarkHeld counts goroutines, which do not vary: a few iterations do.
	"$tmp/bench.test" -test.run='^$' -test.bench='^BenchmarkHeld' -test.benchtime=20x | grep '^Benchmark' >>results/raw.txt
	# BenchmarkMemory keeps N pending futures and reports the heap they hold
	# per future, which does not vary from round to round either: one process
	# per case and library, N set by -benchtime (a million pending futures; 500
	# futures with 10 goroutines blocked on each).
	for c in pending callback continuation waiters; do
		case $c in
		pending) n=1000000x ;;
		waiters) n=500x ;;
		*) n=100000x ;;
		esac
		for lib in baseline future workiva mo; do
			"$tmp/bench.test" -test.run='^$' -test.bench="^BenchmarkMemory\$/^$c\$/^lib=$lib\$" -test.benchtime=$n |
				grep '^Benchmark' >>results/raw.txt || true
		done
	done

	echo "--- W6: 1,000,000-link chains, one process per library"
	go build -o "$tmp/chain" ./cmd/chain
	: >results/w6.txt
	for lib in future recursive mo; do
		if out=$("$tmp/chain" -lib "$lib" 2>"$tmp/stderr"); then
			echo "$lib completed: $out" | tee -a results/w6.txt
		elif grep -q 'stack overflow' "$tmp/stderr"; then
			echo "$lib **stack overflow** ($(grep -m1 'stack exceeds' "$tmp/stderr" | sed 's/^runtime: //'))" | tee -a results/w6.txt
		else
			echo "$lib **failed**: $(head -c 300 "$tmp/stderr" | tr '\n' ' ')" | tee -a results/w6.txt
		fi
	done

	echo "--- tail at scale (fake time: the same figures on every machine; needs Go 1.25 for testing/synctest)"
	TAIL_WRITE=1 go test -run '^TestTailAtScale$' . | tail -1

	# When and where the figures were measured, so that a report regenerated
	# later from these results says so, not when and where it was regenerated.
	{
		echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "mhz: $(awk -F: '/cpu MHz/ { printf "%.0f", $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
		echo "cores: $(getconf _NPROCESSORS_ONLN)"
		echo "go: $(go env GOVERSION)"
		if [ -n "${BEFORE:-}" ]; then
			echo "before: $(git rev-parse --short "$BEFORE") $(git log -1 --format=%cs "$BEFORE")"
		fi
	} >results/machine.txt
fi

echo "--- benchstat"
# Each workload's contenders against ours, then against the workload's
# baseline (the chart's ratios: Flights' is singleflight, the code it
# replaces, the groups' errgroup, and the batches' dataloadgen); the failure path against
# SetException; the reads, for their intervals; with BEFORE, W1-W5 of the
# earlier commit against today's. As text for people
# (results/benchstat.txt) and as CSV for cmd/report (results/benchstat.csv).
timed='W1 OR W2 OR W3 OR W4 OR W5 OR Go OR Pool OR Flights OR Group OR GroupNoPool OR Batch OR BatchDistinct'
comparisons=(
	".name:($timed)" '/lib@(future baseline future-request workiva mo errgroup errgroup-fork conc conc-results ants singleflight dataloadgen dataloader)'
	'.name:(W1 OR W2 OR W3 OR W4 OR W5 OR Go OR Pool)' '/lib@(baseline future future-request workiva mo errgroup conc conc-results ants)'
	'.name:Flights' '/lib@(singleflight future)'
	'.name:(Group OR GroupNoPool)' '/lib@(errgroup future errgroup-fork conc)'
	'.name:(Batch OR BatchDistinct)' '/lib@(dataloadgen future dataloader)'
	'.name:Failure' '/op@(SetException SetResult errors.New CaptureTraceback CaptureTraceback-deep workiva-SetError)'
	'.name:Reads' '/lib'
)
if grep -q '/lib=before' results/raw.txt; then
	comparisons+=('.name:(W1 OR W2 OR W3 OR W4 OR W5)' '/lib@(before future)')
fi
: >results/benchstat.txt
: >results/benchstat.csv
for ((i = 0; i < ${#comparisons[@]}; i += 2)); do
	go run "$benchstat" -filter "${comparisons[i]}" -col "${comparisons[i + 1]}" results/raw.txt >>results/benchstat.txt
	echo >>results/benchstat.txt
	go run "$benchstat" -format csv -filter "${comparisons[i]}" -col "${comparisons[i + 1]}" results/raw.txt >>results/benchstat.csv 2>/dev/null
	echo >>results/benchstat.csv
done
cat results/benchstat.txt

echo "--- report"
go run ./cmd/report -raw results/raw.txt -w6 results/w6.txt -benchstat results/benchstat.csv -load results/load.txt \
	-tail results/tail.md -machine results/machine.txt -out RESULTS.md -svg chart.svg
echo "wrote $(pwd)/RESULTS.md and $(pwd)/chart.svg"
