package future_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofutures/future"
)

// client is a line-protocol client over one connection: each request is
// "id word", each response "id answer", and responses come in any order.
// Its calls in flight are a Calls table, which one reader goroutine
// answers.
type client struct {
	conn   net.Conn
	wmu    sync.Mutex // one request written at a time
	next   uint64
	calls  future.Calls[uint64, string]
	reader sync.WaitGroup
}

func dial(conn net.Conn) *client {
	c := &client{conn: conn}
	c.reader.Go(c.read)
	return c
}

// read is the connection's reader: it completes each call as its response
// arrives, and fails every call still in flight when the connection ends.
func (c *client) read() {
	lines := bufio.NewScanner(c.conn)
	for lines.Scan() {
		var id uint64
		var answer string
		if _, err := fmt.Sscan(lines.Text(), &id, &answer); err == nil {
			c.calls.Complete(id, answer) // false for a late answer
		}
	}
	err := lines.Err()
	if err == nil {
		err = io.EOF
	}
	c.calls.Close(err)
}

// Upper asks the server for word in upper case.
func (c *client) Upper(ctx context.Context, word string) *future.Future[string] {
	c.wmu.Lock()
	c.next++
	id := c.next
	c.wmu.Unlock()
	return c.calls.Start(ctx, id, func() error {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		_, err := fmt.Fprintf(c.conn, "%d %s\n", id, word)
		return err
	})
}

// serve answers two requests at a time, the second first; it never
// answers "slow", and hangs up on "quit".
func serve(conn net.Conn) {
	defer conn.Close()
	lines := bufio.NewScanner(conn)
	var held []string
	for lines.Scan() {
		var id, word string
		fmt.Sscan(lines.Text(), &id, &word)
		switch word {
		case "slow":
			continue
		case "quit":
			return
		}
		held = append(held, fmt.Sprintf("%s %s\n", id, strings.ToUpper(word)))
		if len(held) == 2 {
			fmt.Fprint(conn, held[1]+held[0])
			held = held[:0]
		}
	}
}

// A client whose reader goroutine completes each call when its response
// comes, in whatever order: one call times out, and when the server hangs
// up the call still in flight fails at once, with the connection's error.
// A call started after that is not sent, which errors.Is(err,
// future.ErrNotRun) tells: it is safe to retry on a new connection.
func ExampleCalls() {
	clientEnd, serverEnd := net.Pipe()
	go serve(serverEnd)
	c := dial(clientEnd)

	hello := c.Upper(context.Background(), "hello")
	world := c.Upper(context.Background(), "world")
	for _, f := range []*future.Future[string]{hello, world} {
		fmt.Println(f.Result())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := c.Upper(ctx, "slow").Result() // never answered
	fmt.Println(err)

	pending := c.Upper(context.Background(), "quit") // in flight when the server hangs up
	_, err = pending.Result()
	fmt.Println(err, errors.Is(err, future.ErrClosed), errors.Is(err, io.EOF))

	_, err = c.Upper(context.Background(), "retry").Result()
	fmt.Println(errors.Is(err, future.ErrNotRun), c.calls.Len())
	c.reader.Wait()
	// Output:
	// HELLO <nil>
	// WORLD <nil>
	// context deadline exceeded
	// future: calls closed: EOF true true
	// true 0
}
