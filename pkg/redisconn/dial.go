package redisconn

import (
	"context"
	"net"
)

// dialer dials with the context's deadline, so a cancelled health check
// stops dialling at once.
func dialer(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	d.Timeout = Timeout
	return d.DialContext(ctx, network, addr)
}
