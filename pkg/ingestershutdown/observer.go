package ingestershutdown

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/podmetrics"
)

// PodObserver is the Observer of a run: it reads the metrics (the Prometheus
// text format of /metrics) and /config of Mimir pods through Pods, with the
// podmetrics and mimirapi packages.
type PodObserver struct{ Pods podaccess.Doer }

var _ Observer = PodObserver{}

// Metrics scrapes the pod once and sums each named metric over its series.
func (o PodObserver) Metrics(ctx context.Context, t podaccess.Target, names ...string) (map[string]float64, error) {
	status, body, err := podaccess.Get(ctx, o.Pods, t, mimir.PathMetrics, http.Header{"Accept": {"text/plain;version=0.0.4"}})
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("scrape pod %s: status %d", t, status)
	}
	out := map[string]float64{}
	for _, n := range names {
		sel, err := podmetrics.ParseSelector(n)
		if err != nil {
			return nil, err
		}
		samples, err := podmetrics.Parse(bytes.NewReader(body), sel)
		if err != nil {
			return nil, fmt.Errorf("scrape pod %s: %w", t, err)
		}
		if len(samples) == 0 {
			continue
		}
		var sum float64
		for _, s := range samples {
			sum += s.Value
		}
		out[n] = sum
	}
	return out, nil
}

// Config returns a key of the pod's /config (see mimirapi.ConfigReader).
func (o PodObserver) Config(ctx context.Context, t podaccess.Target, key string) (string, error) {
	return mimirapi.ConfigReader{Pods: o.Pods}.Config(ctx, t, key)
}
