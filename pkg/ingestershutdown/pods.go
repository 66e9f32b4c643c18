package ingestershutdown

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// zonePods lists the zone's pods; every one must be reachable, since a pod
// that cannot be flushed must not be stopped, and there must be as many as
// the StatefulSet's replicas (a selector that misses pods would leave them
// unflushed).
func (z *Zone) zonePods(ctx context.Context, sts *appsv1.StatefulSet) ([]podaccess.Target, error) {
	res, err := podaccess.Resolve(ctx, z.d.Kube, z.d.Namespace, z.spec.pods())
	if err != nil {
		return nil, err
	}
	if len(res.NotReady) > 0 {
		return nil, fmt.Errorf("pods of %s cannot be reached, so they cannot be flushed before stopping: %s; wait for them to run, or delete them if their data is already shipped",
			z.spec.StatefulSet, strings.Join(res.NotReady, "; "))
	}
	if sts != nil {
		if want := ptrOr(sts.Spec.Replicas, 1); int32(len(res.Targets)) != want {
			return nil, fmt.Errorf("%s selects %d pods but StatefulSet %s has %d replicas: every pod must be flushed before the zone stops; "+
				"wait for the pods, or set the step's pods selector to the zone's pods", z.spec.pods(), len(res.Targets), z.spec.StatefulSet, want)
		}
	}
	return res.Targets, nil
}

// post sends one POST to a pod and returns the body of a 2xx answer. It is
// bounded by the client's request timeout.
func (z *Zone) post(ctx context.Context, t podaccess.Target, path string) ([]byte, error) {
	return postWith(ctx, z.d.Pods, t, path)
}

// postLong sends a POST that may take as long as timeout (a flush, a
// shutdown), through the client without a request timeout.
func postLong(ctx context.Context, d Deps, t podaccess.Target, path string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return postWith(ctx, podaccess.LongCalls(d.Pods), t, path)
}

func postWith(ctx context.Context, doer podaccess.Doer, t podaccess.Target, path string) ([]byte, error) {
	resp, err := doer.Do(ctx, t, http.MethodPost, path, nil, nil)
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
		if v, _ := p.Get(key); v != "" {
			continue
		}
		// POST keeps the first timestamp when the pod is already read-only,
		// so a repeat after an unrecorded call changes nothing.
		body, err := z.post(ctx, t, mimir.PathPrepareRingDownscale)
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
