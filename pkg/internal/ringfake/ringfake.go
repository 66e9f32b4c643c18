// Package ringfake is a podaccess.Doer for unit tests and examples that
// answers Mimir's hash-ring pages from memory, with no network: GET of a
// ring page's path with an Accept header holding application/json returns
// the page as dskit writes it ({"shards": [...], "now": ...}; ring/http.go
// in Mimir 2.x, ring/ring_http.go in 3.x), and POST forget=<id> removes the
// member and answers 302 to "#", as the page's Forget button does. Any
// other path answers 404 "404 page not found", as Mimir does for a ring its
// component does not hold. Every pod answers with the same pages.
package ringfake

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Member is one ring member as a ring page lists it (testkit's, which
// writes the page).
type Member = testkit.RingMember

// Pages holds ring pages by HTTP path (e.g. "/ingester/ring"). It is safe
// for concurrent use.
type Pages struct {
	mu sync.Mutex
	// now is the serving process's clock written on every page.
	now   time.Time
	rings map[string][]Member
	// forgotten are the instance IDs POSTed to be forgotten, in order.
	forgotten []string
	requests  []string
}

var _ podaccess.Doer = (*Pages)(nil)

// New returns pages rendered at now (the "now" field of every page) with
// no ring; add rings with Set.
func New(now time.Time) *Pages { return &Pages{now: now, rings: map[string][]Member{}} }

// Set serves members on the ring page at path (replacing what it served).
func (p *Pages) Set(path string, members ...Member) *Pages {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rings[path] = append([]Member(nil), members...)
	return p
}

// Forgotten returns the instance IDs POSTed to be forgotten so far, in
// order.
func (p *Pages) Forgotten() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.forgotten...)
}

// Requests returns the requests answered so far, in order, each as
// "METHOD namespace/pod:port path".
func (p *Pages) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Do answers one request to pod t; see the package doc. It returns an
// error only when ctx is done or the form of a POST cannot be read.
func (p *Pages) Do(ctx context.Context, t podaccess.Target, method, path string, header http.Header, body io.Reader) (*http.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, fmt.Sprintf("%s %s %s", method, t, path))
	members, ok := p.rings[path]
	if !ok {
		return answer(http.StatusNotFound, "text/plain", "404 page not found\n"), nil
	}
	switch method {
	case http.MethodPost:
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		id := form.Get("forget")
		p.forgotten = append(p.forgotten, id)
		kept := members[:0:0]
		for _, m := range members {
			if m.ID != id {
				kept = append(kept, m)
			}
		}
		p.rings[path] = kept
		resp := answer(http.StatusFound, "text/html", "")
		resp.Header.Set("Location", "#")
		return resp, nil
	case http.MethodGet:
		if !strings.Contains(header.Get("Accept"), "application/json") {
			return answer(http.StatusOK, "text/html", "<html>ring</html>"), nil
		}
		return answer(http.StatusOK, "application/json", string(testkit.RingPage(p.now, members...))), nil
	}
	return answer(http.StatusMethodNotAllowed, "text/plain", "method not allowed\n"), nil
}

func answer(status int, contentType, body string) *http.Response {
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
	}
}

// RunningPod returns a Running pod with a pod IP (10.0.0.1), the Ready
// condition and Mimir's HTTP port (podaccess.DefaultPortName,
// podaccess.DefaultPort), labelled name=<workload> as Mimir's jsonnet
// labels its pods: what podaccess.Resolve needs to reach it, for a fake
// clientset.
func RunningPod(namespace, name, workload string) *corev1.Pod {
	return testkit.Pod(name, testkit.InNamespace(namespace), testkit.Label("name", workload),
		testkit.ContainerPort(podaccess.DefaultPortName, podaccess.DefaultPort))
}
