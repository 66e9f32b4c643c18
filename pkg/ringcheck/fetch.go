package ringcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// ErrNotServed means the pod answered 404: its component does not hold the
// ring.
var ErrNotServed = errors.New("ring page not served")

// Fetch reads the ring page at path from pod t as JSON, decoding the body as
// it streams in.
func Fetch(ctx context.Context, d podaccess.Doer, t podaccess.Target, path string) (*Ring, error) {
	resp, err := d.Do(ctx, t, http.MethodGet, path, http.Header{"Accept": {mimir.AcceptJSON}}, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch ring %s from pod %s: %w", path, t, err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, fmt.Errorf("fetch ring %s from pod %s: %w (404: select pods of a component that holds this ring)", path, t, ErrNotServed)
	default:
		return nil, fmt.Errorf("fetch ring %s from pod %s: status %d: %s", path, t, resp.StatusCode, bodyExcerpt(resp.Body))
	}
	ring, err := Decode(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fetch ring %s from pod %s: %w", path, t, err)
	}
	return ring, nil
}

func bodyExcerpt(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	return strings.TrimSpace(string(b))
}

// ReadRing reads the ring page at path from the first selected pod that
// answers, trying pods in name order. The error lists why every pod failed.
func ReadRing(ctx context.Context, deps gate.Deps, sel podaccess.Selector, path string) (*Ring, podaccess.Target, error) {
	if deps.Kube == nil || deps.Pods == nil {
		return nil, podaccess.Target{}, fmt.Errorf("read ring %s: no Kubernetes client or pod access configured", path)
	}
	res, err := podaccess.Resolve(ctx, deps.Kube, deps.Namespace, sel)
	if err != nil {
		return nil, podaccess.Target{}, err
	}
	if len(res.Targets) == 0 {
		return nil, podaccess.Target{}, fmt.Errorf("read ring %s: found no running %s in namespace %s%s", path, sel, deps.Namespace, notRunning(res.NotReady))
	}
	var errs []error
	for _, t := range res.Targets {
		ring, err := Fetch(ctx, deps.Pods, t, path)
		if err == nil {
			return ring, t, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, podaccess.Target{}, errors.Join(errs...)
}

func notRunning(nr []string) string {
	if len(nr) == 0 {
		return ""
	}
	return " (not running: " + strings.Join(nr, ", ") + ")"
}
