package main

import (
	"errors"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startServer runs an embedded NATS server on a loopback port (port 0
// picks a free one) and returns it once it accepts connections.
func startServer(port int) (*server.Server, error) {
	if port == 0 {
		port = server.RANDOM_PORT
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		return nil, err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("nats server not ready in time")
	}
	return s, nil
}
