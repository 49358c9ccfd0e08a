module github.com/gofutures/future/bench

go 1.25.0

replace github.com/gofutures/future => ../

require (
	github.com/Workiva/go-datastructures v1.1.7
	github.com/gofutures/future v0.0.0-00010101000000-000000000000
	github.com/graph-gophers/dataloader/v7 v7.1.0
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/samber/mo v1.16.0
	github.com/sourcegraph/conc v0.3.0
	github.com/vikstrous/dataloadgen v0.0.10
	golang.org/x/sync v0.22.0
)

require (
	go.opentelemetry.io/otel v1.11.1 // indirect
	go.opentelemetry.io/otel/trace v1.11.1 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.9.0 // indirect
)
