package clusterdns

import (
	"context"
	"log/slog"
	"net"
	"sort"
	"testing"
	"time"
)

// The Go resolver (what Mimir uses inside pods for dns+ and dnssrvnoa+
// addresses) gets real answers from the server over UDP and TCP.
func TestServerAnswersTheGoResolver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &Server{Resolver: fixture(), Log: slog.New(slog.DiscardHandler)}
	addr, err := srv.ListenAndServe(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			ips, err := r.LookupHost(ctx, "gossip-ring.mimir.svc.cluster.local")
			sort.Strings(ips)
			if err != nil || len(ips) != 2 || ips[0] != "10.244.0.5" {
				t.Errorf("LookupHost = %v, %v", ips, err)
			}
			_, srvs, err := r.LookupSRV(ctx, "grpc", "tcp", "ingester.mimir.svc.cluster.local")
			if err != nil || len(srvs) != 2 || srvs[0].Port != 9095 {
				t.Errorf("LookupSRV = %v, %v", srvs, err)
			}
			if _, err := r.LookupHost(ctx, "nothing.mimir.svc.cluster.local"); err == nil {
				t.Error("an unknown service resolved")
			}
		})
	}
}
