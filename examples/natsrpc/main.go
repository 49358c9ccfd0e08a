// Command natsrpc shows future.Calls as the table of calls in flight of a
// request/reply client over NATS core, against an embedded NATS server on a
// loopback port: calls answered out of order, a burst of deadlines whose
// answers come late, the server killed with calls in flight (all of them
// fail at once, with the connection's error), and a new connection with a
// new table.
//
//	go run .
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"github.com/gofutures/future"
	"github.com/nats-io/nats.go"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	srv, err := startServer(0)
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	url := srv.ClientURL()
	port := srv.Addr().(*net.TCPAddr).Port
	fmt.Println("server on", srv.Addr())

	stopResponder, err := respond(url)
	if err != nil {
		return err
	}
	defer stopResponder()

	client, err := Dial(url, nats.MaxReconnects(0))
	if err != nil {
		return err
	}
	defer client.Close()

	// Calls, answered out of order: each caller gets its own answer.
	words := []string{"ada", "grace", "barbara", "frances"}
	var calls []*future.Future[*nats.Msg]
	for i, w := range words {
		delay := time.Duration(len(words)-i) * 5 * time.Millisecond // the first asked is answered last
		calls = append(calls, client.Request(context.Background(), "upper", fmt.Appendf(nil, "%s %s", delay, w)))
	}
	for i, f := range calls {
		m, err := f.Result()
		if err != nil {
			return err
		}
		fmt.Printf("call %d: %s -> %s\n", i, words[i], m.Data)
	}

	// A burst of deadlines: 200 calls with 20ms each, answered after 100ms.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	var burst []*future.Future[*nats.Msg]
	for range 200 {
		burst = append(burst, client.Request(ctx, "upper", []byte("100ms late")))
	}
	expired := 0
	for _, f := range burst {
		if _, err := f.Result(); errors.Is(err, context.DeadlineExceeded) {
			expired++
		}
	}
	cancel()
	fmt.Printf("deadlines: %d of %d calls failed with %v; in flight: %d\n", expired, len(burst), context.DeadlineExceeded, client.InFlight())
	for deadline := time.Now().Add(5 * time.Second); client.Late() < int64(len(burst)) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the answers are on their way: a demo may wait for them
	}
	fmt.Printf("late answers counted, not delivered: %d\n", client.Late())

	// The server killed with calls in flight: each has a minute to run, and
	// every one fails at once with the connection's error.
	var pending []*future.Future[*nats.Msg]
	long, cancelLong := context.WithTimeout(context.Background(), time.Minute)
	defer cancelLong()
	for range 1000 {
		pending = append(pending, client.Request(long, "never", nil))
	}
	fmt.Printf("in flight: %d; killing the server\n", client.InFlight())
	killed := time.Now()
	srv.Shutdown()
	var lastErr error
	for _, f := range pending {
		_, lastErr = f.Result()
	}
	fmt.Printf("all %d calls failed within %v (their deadline was a minute away), with: %v (ErrClosed: %v)\n",
		len(pending), time.Since(killed).Round(time.Millisecond), lastErr, errors.Is(lastErr, future.ErrClosed))
	_, err = client.Request(context.Background(), "upper", []byte("0s again")).Result()
	fmt.Printf("a call on the dead connection: not sent (ErrNotRun: %v)\n", errors.Is(err, future.ErrNotRun))

	// A new server on the same port, a new connection, a new table.
	srv, err = startServer(port)
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	stopResponder2, err := respond(url)
	if err != nil {
		return err
	}
	defer stopResponder2()
	client2, err := Dial(url, nats.MaxReconnects(0))
	if err != nil {
		return err
	}
	defer client2.Close()
	m, err := client2.Request(context.Background(), "upper", []byte("0s back again")).Result()
	if err != nil {
		return err
	}
	fmt.Printf("new connection, new table: %s (in flight: %d)\n", m.Data, client2.InFlight())
	return nil
}

// respond answers requests on "upper" with their text in upper case, after
// the delay their first word says, on a connection of its own; "never" is
// never answered.
func respond(url string) (stop func(), err error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	_, err = nc.Subscribe("upper", func(m *nats.Msg) {
		delay, text, _ := strings.Cut(string(m.Data), " ")
		d, _ := time.ParseDuration(delay)
		time.AfterFunc(d, func() { _ = m.Respond([]byte(strings.ToUpper(text))) })
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	if _, err = nc.Subscribe("never", func(*nats.Msg) {}); err != nil {
		nc.Close()
		return nil, err
	}
	return nc.Close, nc.Flush()
}
