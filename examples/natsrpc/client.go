package main

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/gofutures/future"
	"github.com/nats-io/nats.go"
)

// Client makes request/reply calls over NATS core on one connection, with
// its calls in flight in a future.Calls table: one wildcard subscription
// receives every reply, and the reply subject carries the call's
// correlation id (inbox.<id>), which the subscription's goroutine, the
// connection's reader for replies, hands to Complete.
//
// A Client is for one connection: when that connection is lost, every call
// in flight fails at once with future.ErrClosed and the connection's error,
// and later calls are not sent (future.ErrNotRun); make a new Client on a
// new connection.
type Client struct {
	nc    *nats.Conn
	inbox string // the reply subjects' prefix, "_INBOX.<unique>."
	sub   *nats.Subscription
	calls future.Calls[uint64, *nats.Msg]
	next  atomic.Uint64
	late  atomic.Int64
}

// Dial connects to url and returns a Client on that connection. The
// connection's disconnect and close handlers close the client's table.
func Dial(url string, opts ...nats.Option) (*Client, error) {
	c := new(Client)
	lost := func(_ *nats.Conn, err error) {
		if err == nil {
			err = nats.ErrConnectionClosed
		}
		c.calls.Close(err)
	}
	opts = append(opts, nats.DisconnectErrHandler(lost), nats.ClosedHandler(func(nc *nats.Conn) { lost(nc, nc.LastError()) }))
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, err
	}
	c.nc = nc
	c.inbox = nats.NewInbox() + "."
	c.sub, err = nc.Subscribe(c.inbox+"*", c.reply)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if err := c.sub.SetPendingLimits(-1, -1); err != nil { // the table bounds what is in flight
		nc.Close()
		return nil, err
	}
	return c, nil
}

// reply completes the call whose id ends m's subject. It runs on the
// subscription's goroutine, and so do the callbacks of the call's future.
func (c *Client) reply(m *nats.Msg) {
	id, err := strconv.ParseUint(m.Subject[len(c.inbox):], 10, 64)
	if err != nil {
		return
	}
	var ok bool
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		ok = c.calls.Fail(id, nats.ErrNoResponders)
	} else {
		ok = c.calls.Complete(id, m)
	}
	if !ok {
		c.late.Add(1) // its call ended first: its ctx, or Cancel
	}
}

// Request publishes data to subject and returns a future of the reply. The
// call fails with ctx's cause when ctx ends first; with an error wrapping
// future.ErrNotRun if the request was not published (safe to retry).
// Request blocks only while it publishes, and, under a limit
// (SetLimit), until the call has room.
func (c *Client) Request(ctx context.Context, subject string, data []byte) *future.Future[*nats.Msg] {
	id := c.next.Add(1)
	var buf [64]byte // the reply subject is built here, and copied once
	reply := string(strconv.AppendUint(append(buf[:0], c.inbox...), id, 10))
	return c.calls.Start(ctx, id, func() error {
		return c.nc.PublishRequest(subject, reply, data)
	})
}

// SetLimit bounds the calls in flight (see future.Calls.SetLimit).
func (c *Client) SetLimit(n int) { c.calls.SetLimit(n) }

// InFlight returns the calls in flight.
func (c *Client) InFlight() int { return c.calls.Len() }

// Late returns how many replies came after their call had ended.
func (c *Client) Late() int64 { return c.late.Load() }

// Close closes the connection; calls in flight fail with future.ErrClosed.
func (c *Client) Close() {
	c.nc.Close()
	c.calls.Close(nats.ErrConnectionClosed) // the handlers run later, on nats.go's goroutine
}
