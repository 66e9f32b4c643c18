package scenario

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/e2e/load"
	"github.com/mimirctl/mimirctl/pkg/kube"
)

// Traffic settings.
const (
	Tenant         = "e2e"
	WriteInterval  = 5 * time.Second
	SeriesPerWrite = 20
)

// Traffic is continuous writes through gateway-write and queries through
// gateway-read, as a cluster's users would load it.
type Traffic struct {
	NS      string
	HTTP    *http.Client
	Writers []*load.Writer
	c       *kube.Clients
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu                                              sync.Mutex
	queries, failedQueries, maxFailedInARow, inARow int
	lastQueryError                                  string
	failedAt                                        []time.Time
}

// QueryStats is what the query loop saw.
type QueryStats struct {
	Queries, Failed, MaxFailedInARow int
	LastError                        string
	// FailedAt are the times of the first 100 failed queries, to set
	// beside the run's steps.
	FailedAt []time.Time
}

// FailedTimes gives FailedAt as UTC times of day ("15:04:05"), space-separated.
func (q QueryStats) FailedTimes() string {
	at := make([]string, len(q.FailedAt))
	for i, ts := range q.FailedAt {
		at[i] = ts.UTC().Format(time.TimeOnly)
	}
	return strings.Join(at, " ")
}

// Check returns an error when the queries failed beyond what a scenario
// tolerates: a query may fail while a read path moves (a pod behind the read
// gateway stops), but never more than 3 in a row nor more than 5% of them.
// The error gives the counts, the tolerance and the last failure.
func (q QueryStats) Check() error {
	if q.MaxFailedInARow > 3 || q.Failed*20 > q.Queries {
		return fmt.Errorf("%d of %d queries failed, %d in a row (tolerance: 5%%, 3 in a row); last: %s", q.Failed, q.Queries, q.MaxFailedInARow, q.LastError)
	}
	return nil
}

// CheckRefusals returns an error when more than 2% of the pushes were
// refused (tolerated: a pod behind the write gateway restarting, the write
// path moving); lastErrors are the latest refusals, given in the error.
func CheckRefusals(pushes, refused int, lastErrors []string) error {
	if refused*50 > pushes {
		return fmt.Errorf("%d of %d pushes refused (tolerance: 2%%): %v", refused, pushes, lastErrors)
	}
	return nil
}

// StartTraffic waits until both gateways reach a ready pod, then starts one
// writer per name, with labels added to its series, and the query loop. The
// wait keeps start-up (a Service the API server's proxy does not know yet)
// out of the refusals a scenario counts.
func StartTraffic(c *kube.Clients, ns string, writers map[string]map[string]string) (*Traffic, error) {
	hc, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		return nil, err
	}
	hc.Timeout = 15 * time.Second
	for _, gw := range []string{GatewayWrite, GatewayRead} {
		if err := waitReady(hc, ServiceURL(c, ns, gw, "/ready"), 2*time.Minute); err != nil {
			return nil, fmt.Errorf("gateway %s/%s: %w", ns, gw, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &Traffic{NS: ns, HTTP: hc, c: c, cancel: cancel}
	for name, labels := range writers {
		w := &load.Writer{PushURL: ServiceURL(c, ns, GatewayWrite, "/api/v1/push"), Tenant: Tenant, Name: name,
			Series: SeriesPerWrite, Interval: WriteInterval, Labels: labels, Client: hc}
		tr.Writers = append(tr.Writers, w)
		tr.wg.Add(1)
		go func() { defer tr.wg.Done(); w.Run(ctx) }()
	}
	tr.wg.Add(1)
	go func() { defer tr.wg.Done(); tr.queryLoop(ctx) }()
	return tr, nil
}

// waitReady polls u until it answers 200.
func waitReady(hc *http.Client, u string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		resp, err := hc.Get(u)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %s", timeout, last)
		}
		time.Sleep(2 * time.Second)
	}
}

func (tr *Traffic) queryLoop(ctx context.Context) {
	q := url.QueryEscape(fmt.Sprintf("count(%s)", load.Metric))
	u := ServiceURL(tr.c, tr.NS, GatewayRead, "/prometheus/api/v1/query?query="+q)
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
			tr.inARow++
			tr.maxFailedInARow = max(tr.maxFailedInARow, tr.inARow)
			tr.lastQueryError = err.Error()
			if len(tr.failedAt) < 100 {
				tr.failedAt = append(tr.failedAt, time.Now())
			}
		} else {
			tr.inARow = 0
		}
		tr.mu.Unlock()
	}
}

func (tr *Traffic) query(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Scope-OrgID", Tenant)
	resp, err := tr.HTTP.Do(req)
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

// Stop ends the traffic (idempotent).
func (tr *Traffic) Stop() {
	tr.cancel()
	tr.wg.Wait()
}

// Queries returns the query loop's counts.
func (tr *Traffic) Queries() QueryStats {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return QueryStats{Queries: tr.queries, Failed: tr.failedQueries, MaxFailedInARow: tr.maxFailedInARow, LastError: tr.lastQueryError,
		FailedAt: slices.Clone(tr.failedAt)}
}

// Accepted counts the stored pushes of every writer.
func (tr *Traffic) Accepted() int {
	n := 0
	for _, w := range tr.Writers {
		n += len(w.Stats().Accepted)
	}
	return n
}

// ReadBack reads back every sample the writer named name (its "writer"
// label) had stored at the given timestamps, through gateway-read, retrying
// a few times while the newest blocks become queryable.
func (tr *Traffic) ReadBack(ctx context.Context, name string, accepted []int64) (load.Report, error) {
	var rep load.Report
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		rep, err = load.Check(ctx, tr.HTTP, ServiceURL(tr.c, tr.NS, GatewayRead, "/prometheus"), Tenant, name, SeriesPerWrite, WriteInterval, accepted)
		if err == nil && rep.LostCount == 0 {
			return rep, nil
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(10 * time.Second):
		}
	}
	return rep, err
}
