package ringcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// BenchmarkRingCheck1500 judges a synthetic 1,500-member ring with 512
// tokens per member (about 8.6 MB of JSON) end to end: pod selection, an HTTP
// GET on loopback streaming the page from disk, decoding and three
// expectations. Set RINGCHECK_BENCH_FILE to keep the page (e.g. to time jq
// on the same file).
func BenchmarkRingCheck1500(b *testing.B) {
	path := os.Getenv("RINGCHECK_BENCH_FILE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "ring-1500x512.json")
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeSyntheticRing(f, 1500, 512, fixedNow); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	}))
	defer srv.Close()
	deps := gatetest.FakeCluster(b, fixedNow, gatetest.Pod{Name: "distributor-0", Labels: map[string]string{"name": "distributor"}, Server: srv})
	g, err := New(Spec{Ring: "ingester", Pods: podaccess.Selector{Labels: "name=distributor"}, Expect: []Expectation{
		{Members: "ingester-zone-.*", Count: intp(1500), State: StateActive, Healthy: true},
		{NotIn: []string{StateLeaving, StateJoining, StatePending}},
		{PerZone: &ZoneBounds{Zones: []string{"zone-a", "zone-b", "zone-c"}, Count: intp(500)}},
	}}, deps)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	peak := sampleHeap()
	for b.Loop() {
		if obs := g.Evaluate(context.Background()); obs.Verdict != verdict.Pass {
			b.Fatalf("ring check: %s", obs)
		}
	}
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// sampleHeap samples the bytes of live and not yet collected heap objects
// every millisecond until the returned function is called, which reports the
// highest sample. It covers the whole process (the test's HTTP server too).
func sampleHeap() func() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var mu sync.Mutex
	var highest uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			highest = max(highest, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return highest
	}
}
