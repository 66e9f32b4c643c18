//go:build e2e

package suite

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/e2e/load"
)

const (
	tenant         = "e2e"
	writeInterval  = 5 * time.Second
	seriesPerWrite = 20
)

// traffic is a continuous writer through gateway-write and a query loop
// through gateway-read, as a cluster's users would load it.
type traffic struct {
	ns      string
	hc      *http.Client
	writers []*load.Writer
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu                      sync.Mutex
	queries, failedQueries  int
	lastQueryError          string
	maxConsecutiveFailures  int
	consecutiveQueryFailure int
}

// startTraffic starts one writer per name (labels added to its series) and
// the query loop. Stop it with stop.
func startTraffic(t *testing.T, ns string, writers map[string]map[string]string) *traffic {
	t.Helper()
	hc, err := rest.HTTPClientFor(harness.clients.Config)
	if err != nil {
		t.Fatal(err)
	}
	hc.Timeout = 15 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	tr := &traffic{ns: ns, hc: hc, cancel: cancel}
	for name, labels := range writers {
		w := &load.Writer{PushURL: serviceURL(ns, "gateway-write", "/api/v1/push"), Tenant: tenant, Name: name,
			Series: seriesPerWrite, Interval: writeInterval, Labels: labels, Client: hc}
		tr.writers = append(tr.writers, w)
		tr.wg.Add(1)
		go func() { defer tr.wg.Done(); w.Run(ctx) }()
	}
	tr.wg.Add(1)
	go func() { defer tr.wg.Done(); tr.queryLoop(ctx) }()
	t.Cleanup(tr.stop)
	return tr
}

func (tr *traffic) queryLoop(ctx context.Context) {
	q := url.QueryEscape(fmt.Sprintf("count(%s)", load.Metric))
	u := serviceURL(tr.ns, "gateway-read", "/prometheus/api/v1/query?query="+q)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := tr.query(ctx, u)
		if ctx.Err() != nil {
			return
		}
		tr.mu.Lock()
		tr.queries++
		if err != nil {
			tr.failedQueries++
			tr.consecutiveQueryFailure++
			tr.maxConsecutiveFailures = max(tr.maxConsecutiveFailures, tr.consecutiveQueryFailure)
			tr.lastQueryError = err.Error()
		} else {
			tr.consecutiveQueryFailure = 0
		}
		tr.mu.Unlock()
	}
}

func (tr *traffic) query(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Scope-OrgID", tenant)
	resp, err := tr.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%d %s", resp.StatusCode, body)
	}
	return nil
}

func (tr *traffic) stop() {
	tr.cancel()
	tr.wg.Wait()
}

// report is what the traffic saw, for the test log and the notes.
func (tr *traffic) report(t *testing.T) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, w := range tr.writers {
		st := w.Stats()
		t.Logf("writer %s: %d pushes, %d accepted, %d refused %v", w.Name, st.Pushes, len(st.Accepted), st.Refused, st.LastErrors)
	}
	t.Logf("queries: %d, %d failed (at most %d in a row) %s", tr.queries, tr.failedQueries, tr.maxConsecutiveFailures, tr.lastQueryError)
}

// checkNoLoss reads back every sample each writer had acknowledged, through
// gateway-read, and fails on any missing one.
func (tr *traffic) checkNoLoss(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, w := range tr.writers {
		st := w.Stats()
		var rep load.Report
		var err error
		for attempt := 0; attempt < 6; attempt++ {
			rep, err = load.Check(ctx, tr.hc, serviceURL(tr.ns, "gateway-read", "/prometheus"), tenant, w.Name, w.Series, w.Interval, st.Accepted)
			if err == nil && rep.LostCount == 0 {
				break
			}
			time.Sleep(10 * time.Second)
		}
		if err != nil {
			t.Fatalf("read back writer %s: %v", w.Name, err)
		}
		t.Logf("writer %s: %d samples acknowledged, %d read back, %d lost", w.Name, rep.Expected, rep.Found, rep.LostCount)
		if rep.LostCount > 0 {
			t.Errorf("writer %s lost %d samples: %v", w.Name, rep.LostCount, rep.Lost)
		}
	}
}
