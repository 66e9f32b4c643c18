package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/podmetrics"
)

// observer reads metrics and configuration of Mimir pods for the ingester
// procedures, through the podmetrics and mimirapi packages.
type observer struct{ pods podaccess.Doer }

var _ ingestershutdown.Observer = observer{}

// Metrics scrapes the pod once and sums each named metric over its series.
func (o observer) Metrics(ctx context.Context, t podaccess.Target, names ...string) (map[string]float64, error) {
	status, body, err := podaccess.Get(ctx, o.pods, t, mimir.PathMetrics, http.Header{"Accept": {"text/plain;version=0.0.4"}})
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
func (o observer) Config(ctx context.Context, t podaccess.Target, key string) (string, error) {
	return mimirapi.ConfigReader{Pods: o.pods}.Config(ctx, t, key)
}
