// Package bench compares github.com/gofutures/future with a raw one-shot
// channel (the floor), hand-rolled baselines and other Go libraries. It is a
// module of its own so that the peers never enter the library's go.sum.
//
// The workloads and baselines for future itself are defined once, in the
// library's internal/workloads package, which its own benchmarks use too;
// this package adds the peers. Each workload is one _test.go file with one
// Benchmark function whose sub-benchmarks are named lib=NAME: baseline (the
// floor, or the hand-rolled code the workload replaces), future, errgroup,
// conc, mo, workiva and singleflight, each where it has the operation
// (Flights is measured against singleflight, the code it replaces;
// Batch and BatchDistinct against vikstrous/dataloadgen and
// graph-gophers/dataloader, the DataLoaders Go servers use), and
// errgroup-fork in the group workloads: errgroup doing what Fork does
// beyond it, a Future and a context of its own for each function; the Pool
// workload (W7) adds conc-results (conc's result pool) and ants. Adding a
// workload is adding a file; run.sh runs them all, summarises them with
// benchstat -col /lib, and cmd/report writes RESULTS.md and chart.svg. The
// tail-at-scale simulation (tail_test.go, on fake time) writes
// results/tail.md, which RESULTS.md embeds. spread.sh measures Pool, Group
// and Flights in rounds of fresh processes, and cmd/spread writes
// SPREAD.md: each figure with the range of its rounds, each ratio round by
// round, so that the spread between processes shows.
package bench
