package bench

// Sinks keep the compiler from optimising the measured work away.
var (
	sinkInt  int
	sinkInts []int
	sinkErr  error
	sinkAny  any
)
