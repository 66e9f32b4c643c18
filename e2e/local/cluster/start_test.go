package cluster

import (
	"net"
	"strings"
	"testing"
)

// A port another process listens on (a second local cluster's Prometheus)
// is refused before this cluster's Prometheus starts, naming the address.
func TestPortFreeRefusesATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := portFree(addr); err == nil || !strings.Contains(err.Error(), addr+" is taken") {
		t.Fatalf("portFree(%s) with a listener on it = %v, want it taken", addr, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := portFree(addr); err != nil {
		t.Fatalf("portFree(%s) after the listener closed: %v", addr, err)
	}
}
