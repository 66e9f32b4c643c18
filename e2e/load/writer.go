package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Metric is the name of the series the writer pushes.
const Metric = "mimirctl_e2e_sample"

// Writer pushes Series series for one writer name every Interval, each push
// at one timestamp aligned to the interval. Labels may override the
// "writer" label: the two replicas of an HA pair write the same series.
type Writer struct {
	// PushURL is Mimir's remote-write endpoint, e.g. http://10.244.0.5:8080/api/v1/push.
	PushURL  string
	Tenant   string
	Name     string
	Series   int
	Interval time.Duration
	// Labels are added to every series (e.g. cluster and __replica__ for HA).
	Labels map[string]string
	Client *http.Client

	mu    sync.Mutex
	stats Stats
}

// Stats is what a writer did.
type Stats struct {
	Pushes  int
	Refused int
	// Accepted lists the timestamps (ms) whose push was stored (2xx but 202).
	Accepted []int64
	// Deduplicated lists the timestamps (ms) answered 202: the HA tracker
	// dropped them because another replica of the cluster is elected.
	Deduplicated []int64
	// LastErrors holds the latest refusal messages.
	LastErrors []string
}

// Value is the value series s holds at timestamp ts (ms) for interval.
func Value(ts int64, interval time.Duration, s int) float64 {
	return float64(ts/interval.Milliseconds() + int64(s))
}

// Run pushes until ctx is done.
func (w *Writer) Run(ctx context.Context) {
	hc := w.Client
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		w.pushOnce(ctx, hc, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Writer) pushOnce(ctx context.Context, hc *http.Client, now time.Time) {
	ts := now.Truncate(w.Interval).UnixMilli()
	series := make([]Series, w.Series)
	for s := range series {
		labels := map[string]string{"__name__": Metric, "writer": w.Name, "series": strconv.Itoa(s)}
		for k, v := range w.Labels {
			labels[k] = v
		}
		series[s] = Series{Labels: labels, Samples: []Sample{{TimestampMs: ts, Value: Value(ts, w.Interval, s)}}}
	}
	status, err := Push(ctx, hc, w.PushURL, w.Tenant, series)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Pushes++
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		w.stats.Refused++
		w.stats.LastErrors = append(w.stats.LastErrors, fmt.Sprintf("%s: %v", time.UnixMilli(ts).UTC().Format(time.TimeOnly), err))
		if len(w.stats.LastErrors) > 10 {
			w.stats.LastErrors = w.stats.LastErrors[1:]
		}
		return
	}
	if status == http.StatusAccepted {
		w.stats.Deduplicated = append(w.stats.Deduplicated, ts)
		return
	}
	w.stats.Accepted = append(w.stats.Accepted, ts)
}

// Stats returns a copy of what the writer did so far.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Accepted = append([]int64(nil), w.stats.Accepted...)
	s.Deduplicated = append([]int64(nil), w.stats.Deduplicated...)
	s.LastErrors = append([]string(nil), w.stats.LastErrors...)
	return s
}
