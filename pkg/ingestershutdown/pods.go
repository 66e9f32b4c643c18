package ingestershutdown

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// zonePods lists the zone's pods; every one must be reachable, since a pod
// that cannot be flushed must not be stopped.
func (z *Zone) zonePods(ctx context.Context) ([]podaccess.Target, error) {
	res, err := podaccess.Resolve(ctx, z.d.Kube, z.d.Namespace, z.spec.pods())
	if err != nil {
		return nil, err
	}
	if len(res.NotReady) > 0 {
		return nil, fmt.Errorf("pods of %s cannot be reached, so they cannot be flushed before stopping: %s; wait for them to run, or delete them if their data is already shipped",
			z.spec.StatefulSet, strings.Join(res.NotReady, "; "))
	}
	return res.Targets, nil
}

// post sends one POST to a pod and returns the body of a 2xx answer.
func (z *Zone) post(ctx context.Context, t podaccess.Target, path string) ([]byte, error) {
	resp, err := z.d.Pods.Do(ctx, t, http.MethodPost, path, nil, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s on pod %s answered %d: %s", path, t, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// readOnly puts every pod in read-only mode (once) and records the time.
func (z *Zone) readOnly(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	if v, _ := p.Get(keyReadOnly); v != "true" {
		return nil
	}
	for _, t := range targets {
		key := "read-only/" + t.Name
		if _, done := p.Get(key); done {
			continue
		}
		// POST keeps the first timestamp when the pod is already read-only,
		// so a repeat after an unrecorded call changes nothing.
		body, err := z.post(ctx, t, PathPrepareRingDownscale)
		if err != nil {
			return fmt.Errorf("put %s in read-only mode: %w", t.Name, err)
		}
		var ans struct {
			Timestamp int64 `json:"timestamp"`
		}
		if err := json.Unmarshal(body, &ans); err != nil || ans.Timestamp == 0 {
			return fmt.Errorf("put %s in read-only mode: unexpected answer %q", t.Name, strings.TrimSpace(string(body)))
		}
		since := time.Unix(ans.Timestamp, 0).UTC().Format(time.RFC3339)
		p.Report(fmt.Sprintf("%s is read-only since %s", t.Name, since))
		if err := p.Set(ctx, key, since); err != nil {
			return err
		}
	}
	return nil
}

// flush flushes and ships every pod: /ingester/shutdown, or /ingester/flush
// when a webhook needs the ingesters running during the scale-down. The
// upload-failure counter is recorded first, to tell afterwards whether the
// flush's own uploads failed.
func (z *Zone) flush(ctx context.Context, p plan.Progress, targets []podaccess.Target, path Path) error {
	call := PathShutdown
	if path == PathFlushThenScale {
		call = PathFlushWait
	}
	for _, t := range targets {
		key := "flushed/" + t.Name
		if v, done := p.Get(key); done && v != "retry" {
			continue
		}
		if call == PathShutdown && z.alreadyShutDown(ctx, t) {
			// A previous run shut it down but stopped before recording it.
			p.Report(fmt.Sprintf("%s: already shut down", t.Name))
			if err := p.Set(ctx, key, "found-shut-down"); err != nil {
				return err
			}
			continue
		}
		m, err := z.d.Observer.Metrics(ctx, t, MetricUploadFailures)
		if err != nil {
			return fmt.Errorf("read %s before flushing: %w", t.Name, err)
		}
		if err := p.Set(ctx, "failures/"+t.Name, strconv.FormatFloat(m[MetricUploadFailures], 'f', -1, 64)); err != nil {
			return err
		}
		start := z.d.now()
		p.Report(fmt.Sprintf("%s: POST %s (flushes the TSDB head and ships every block)", t.Name, call))
		if _, err := z.post(ctx, t, call); err != nil {
			return fmt.Errorf("flush %s: %w", t.Name, err)
		}
		p.Report(fmt.Sprintf("%s: flushed and shipped in %s", t.Name, z.d.now().Sub(start).Round(time.Millisecond)))
		if err := p.Set(ctx, key, z.d.now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return nil
}

// alreadyShutDown reports whether the pod's ingester service terminated, as
// /ingester/shutdown leaves it: /ready answers 503 naming it Terminated.
func (z *Zone) alreadyShutDown(ctx context.Context, t podaccess.Target) bool {
	status, body, err := podaccess.Get(ctx, z.d.Pods, t, PathReady, nil)
	return err == nil && status == http.StatusServiceUnavailable && strings.Contains(string(body), terminatedServiceFragment)
}

// confirmShipped checks every pod's metrics: nothing left unshipped and no
// upload failure since the flush started. A pod that fails is flushed again
// on the next run.
func (z *Zone) confirmShipped(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	var bad []string
	for _, t := range targets {
		m, err := z.d.Observer.Metrics(ctx, t, MetricOldestUnshipped, MetricUploadFailures)
		if err != nil {
			return fmt.Errorf("confirm %s shipped its blocks: %w", t.Name, err)
		}
		before, _ := p.Get("failures/" + t.Name)
		was, _ := strconv.ParseFloat(before, 64)
		var why []string
		if unshipped, ok := m[MetricOldestUnshipped]; !ok {
			why = append(why, "does not expose "+MetricOldestUnshipped)
		} else if unshipped != 0 {
			why = append(why, "still holds an unshipped block from "+time.Unix(int64(unshipped), 0).UTC().Format(time.RFC3339))
		}
		if failed := m[MetricUploadFailures] - was; failed > 0 {
			why = append(why, fmt.Sprintf("%v block uploads failed during the flush", failed))
		}
		if len(why) == 0 {
			continue
		}
		bad = append(bad, t.Name+" "+strings.Join(why, " and "))
		if err := p.Set(ctx, "flushed/"+t.Name, "retry"); err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("not every ingester of %s shipped its blocks, so nothing was stopped: %s; check the object storage, restart the pods if their ingester stopped (they ship their blocks on start), then resume",
			z.spec.StatefulSet, strings.Join(bad, "; "))
	}
	p.Report(fmt.Sprintf("all %d ingesters of %s shipped every block", len(targets), z.spec.StatefulSet))
	return nil
}
