//go:build e2e

package tankaenv

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/load"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

const tenant = "e2e-tanka"

// TestMimirEnvironment deploys environments/mimir (Mimir 2.9
// microservices) on the local cluster with server-side apply, checks the
// zone-aware ingester ring, writes and reads back samples, then switches to
// migration mode with one mimir-write/read/backend per zone and checks that
// both sets share the rings and that nothing written was lost.
func TestMimirEnvironment(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	e := localCluster(ctx, t)
	const ns = "mimir"
	defer e.removeNamespace(t, ns)
	root, err := Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	took := e.deploy(ctx, t, root, EnvMimir, nil)
	t.Logf("TIMING microservices mode: every pod ready %.1fs after apply", took.Seconds())
	e.logMemory(t, "microservices")

	zones := map[string]string{"ingester-zone-a-0": "zone-a", "ingester-zone-b-0": "zone-b", "ingester-zone-c-0": "zone-c"}
	e.waitRing(ctx, t, ns, "name=distributor", "/ingester/ring", 3*time.Minute, members(zones))
	e.checkTestSizedWaits(ctx, t, ns)

	writer := e.startWriter(ctx, t, ns, "name=distributor", "microservices", nil)
	defer writer.stop()
	writer.waitAccepted(ctx, t, 6)
	e.checkRead(ctx, t, ns, "name=query-frontend", writer)

	// Migration: the read-write components join the microservices' rings.
	migration := &tanka.Overlay{Config: map[string]any{
		"deployment_mode": "migration", "mimir_write_replicas": 1, "mimir_read_replicas": 1, "mimir_backend_replicas": 1,
	}}
	took = e.deploy(ctx, t, root, EnvMimir, migration)
	t.Logf("TIMING migration mode: every pod ready %.1fs after apply", took.Seconds())
	e.logMemory(t, "migration")

	for id, z := range map[string]string{"mimir-write-zone-a-0": "zone-a", "mimir-write-zone-b-0": "zone-b", "mimir-write-zone-c-0": "zone-c"} {
		zones[id] = z
	}
	e.waitRing(ctx, t, ns, "name=distributor", "/ingester/ring", 3*time.Minute, members(zones))
	e.waitRing(ctx, t, ns, "name=store-gateway-zone-a", "/store-gateway/ring", 3*time.Minute, members(map[string]string{
		"store-gateway-zone-a-0": "zone-a", "store-gateway-zone-b-0": "zone-b", "store-gateway-zone-c-0": "zone-c",
		"mimir-backend-zone-a-0": "zone-a", "mimir-backend-zone-b-0": "zone-b", "mimir-backend-zone-c-0": "zone-c",
	}))
	backends := map[string]int{"mimir-backend-zone-a-0": 1, "mimir-backend-zone-b-0": 1, "mimir-backend-zone-c-0": 1}
	for ring, own := range map[string]string{
		"/compactor/ring":       "compactor-0",
		"/ruler/ring":           "ruler-",
		"/query-scheduler/ring": "query-scheduler-",
	} {
		want := map[string]int{own: 1}
		for k, v := range backends {
			want[k] = v
		}
		e.waitRing(ctx, t, ns, "name=mimir-backend-zone-b", ring, 3*time.Minute, prefixed(want))
	}

	// The read-write path answers too: a write through mimir-write, read
	// back through mimir-read.
	rw := e.startWriter(ctx, t, ns, "name=mimir-write-zone-a", "read-write", nil)
	rw.waitAccepted(ctx, t, 4)
	rw.stop()
	e.checkRead(ctx, t, ns, "name=mimir-read", rw)

	// Nothing the distributor acknowledged since the start was lost.
	writer.waitAccepted(ctx, t, len(writer.Stats().Accepted)+2)
	writer.stop()
	e.checkRead(ctx, t, ns, "name=query-frontend", writer)
	e.checkRead(ctx, t, ns, "name=mimir-read", writer)
	st := writer.Stats()
	t.Logf("writer: %d pushes, %d accepted, %d refused %v", st.Pushes, len(st.Accepted), st.Refused, st.LastErrors)
}

// checkTestSizedWaits reads the waits mimirctl computes its scale-down
// delays from back from the pods' /config.
func (e *env) checkTestSizedWaits(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	want := map[string]map[string]string{
		"name=querier": {
			"querier.query_store_after":                                   "1m0s",
			"blocks_storage.bucket_store.sync_interval":                   "15s",
			"blocks_storage.bucket_store.metadata_cache.tenants_list_ttl": "1m0s",
		},
		"name=store-gateway-zone-a": {
			"blocks_storage.bucket_store.sync_interval":              "15s",
			"blocks_storage.bucket_store.ignore_blocks_within":       "0s",
			"store_gateway.sharding_ring.instance_availability_zone": "zone-a",
		},
		"name=compactor": {"compactor.cleanup_interval": "15s"},
		"name=ingester-zone-b": {
			"blocks_storage.tsdb.ship_interval":        "15s",
			"ingester.ring.min_ready_duration":         "5s",
			"ingester.ring.instance_availability_zone": "zone-b",
			"ingester.ring.kvstore.store":              "memberlist",
		},
	}
	for labels, keys := range want {
		target := e.pod(ctx, t, ns, labels)
		doc, err := mimirapi.FetchConfig(ctx, e.pods, target, "")
		if err != nil {
			t.Errorf("/config of %s: %v", target, err)
			continue
		}
		for key, v := range keys {
			n, ok := doc.Lookup(key)
			got := mimirapi.Render(n)
			if !ok || got != v {
				t.Errorf("%s /config %s = %s, want %s", target.Name, key, got, v)
			} else {
				t.Logf("CONFIG %s %s: %s", target.Name, key, got)
			}
		}
	}
}

// writer is a load.Writer pushing to one pod, stopped once.
type writer struct {
	*load.Writer
	cancel context.CancelFunc
	done   chan struct{}
}

// startWriter pushes series labelled extra (may be nil) to the first pod
// matching labels until stopped.
func (e *env) startWriter(ctx context.Context, t *testing.T, ns, labels, name string, extra map[string]string) *writer {
	t.Helper()
	target := e.pod(ctx, t, ns, labels)
	w := &writer{
		Writer: &load.Writer{
			PushURL:  fmt.Sprintf("http://%s:%d/api/v1/push", target.IP, target.Port),
			Tenant:   tenant,
			Name:     name,
			Series:   10,
			Interval: 5 * time.Second,
			Labels:   extra,
			Client:   &http.Client{Timeout: 10 * time.Second},
		},
		done: make(chan struct{}),
	}
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	go func() {
		defer close(w.done)
		w.Run(wctx)
	}()
	t.Logf("writer %s pushes to %s", name, w.PushURL)
	return w
}

func (w *writer) stop() {
	w.cancel()
	<-w.done
}

// waitAccepted waits until the writer has n acknowledged pushes.
func (w *writer) waitAccepted(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for len(w.Stats().Accepted) < n {
		select {
		case <-ctx.Done():
			st := w.Stats()
			t.Fatalf("writer %s: %d of %d pushes accepted; refusals: %v", w.Name, len(st.Accepted), n, st.LastErrors)
		case <-time.After(time.Second):
		}
	}
}

// checkRead reads back every sample the writer had acknowledged through
// the Prometheus API of a pod (query-frontend or mimir-read).
func (e *env) checkRead(ctx context.Context, t *testing.T, ns, labels string, w *writer) {
	t.Helper()
	target := e.pod(ctx, t, ns, labels)
	base := fmt.Sprintf("http://%s:%d/prometheus", target.IP, target.Port)
	accepted := w.Stats().Accepted
	var rep load.Report
	var err error
	// Queries may fail while a just-rolled pod finds its schedulers.
	for i := 0; i < 20; i++ {
		rep, err = load.Check(ctx, &http.Client{Timeout: 30 * time.Second}, base, tenant, w.Name, w.Series, w.Interval, accepted)
		if err == nil && rep.LostCount == 0 {
			break
		}
		time.Sleep(3 * time.Second)
	}
	if err != nil {
		t.Fatalf("read back through %s: %v", target.Name, err)
	}
	if rep.LostCount > 0 || rep.Found != rep.Expected {
		t.Fatalf("read back through %s: %d of %d samples, lost %d: %v", target.Name, rep.Found, rep.Expected, rep.LostCount, rep.Lost)
	}
	t.Logf("read back all %d samples of writer %s through %s", rep.Found, w.Name, target.Name)
}
