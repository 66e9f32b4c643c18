package clusterdns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// The Go resolver (what Mimir uses inside pods for dns+ and dnssrvnoa+
// addresses) gets real answers from the server over UDP and TCP.
func TestServerAnswersTheGoResolver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := fixture()
	var many []ep
	for i := range 100 {
		many = append(many, ep{ip: fmt.Sprintf("10.244.1.%d", i+1), ready: true})
	}
	objs := r.Objects.(*fakeObjects)
	objs.services["mimir/big"] = service("mimir", "big", withPort("grpc", 9095))
	objs.slices["mimir/big"] = []*discoveryv1.EndpointSlice{slice(map[string]int32{"grpc": 9095}, many...)}
	srv := &Server{Resolver: r, Log: slog.New(slog.DiscardHandler)}
	addr, err := srv.ListenAndServe(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, asked, _ string) (net.Conn, error) {
				if network == "tcp" {
					asked = "tcp" // the resolver starts with UDP; this run forces TCP
				}
				var d net.Dialer
				return d.DialContext(ctx, asked, addr)
			}}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			ips, err := res.LookupHost(ctx, "gossip-ring.mimir.svc.cluster.local")
			sort.Strings(ips)
			if err != nil || len(ips) != 2 || ips[0] != "10.244.0.5" {
				t.Errorf("LookupHost = %v, %v", ips, err)
			}
			_, srvs, err := res.LookupSRV(ctx, "grpc", "tcp", "ingester.mimir.svc.cluster.local")
			if err != nil || len(srvs) != 2 || srvs[0].Port != 9095 {
				t.Errorf("LookupSRV = %v, %v", srvs, err)
			}
			if _, err := res.LookupHost(ctx, "nothing.mimir.svc.cluster.local"); err == nil {
				t.Error("an unknown service resolved")
			}
			if ips, err := res.LookupHost(ctx, "big.mimir.svc.cluster.local"); err != nil || len(ips) != 100 {
				t.Errorf("a service with 100 endpoints (truncated over UDP, retried over TCP): %d addresses, %v", len(ips), err)
			}
		})
	}
}
