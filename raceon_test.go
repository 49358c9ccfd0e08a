//go:build race

package future_test

// raceEnabled: the race detector makes each call ~10x slower, so the
// million-call tests make fewer calls under it.
const raceEnabled = true
