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
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Member is one ring member as a ring page lists it.
type Member struct {
	ID string
	// State is the member's state as the page shows it: ACTIVE, LEAVING,
	// PENDING, JOINING, LEFT or UNHEALTHY.
	State   string
	Address string
	Zone    string
	// Heartbeat is the member's last heartbeat (the page's "timestamp").
	Heartbeat time.Time
	// Registered is when the member joined (the page's
	// "registered_timestamp").
	Registered time.Time
	// Tokens is how many tokens the page lists for the member (the values
	// are 1..Tokens).
	Tokens int
}

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
		b, err := json.Marshal(page(p.now, members))
		if err != nil {
			return nil, err
		}
		return answer(http.StatusOK, "application/json", string(b)), nil
	}
	return answer(http.StatusMethodNotAllowed, "text/plain", "method not allowed\n"), nil
}

// shard is a member as dskit's ring page writes it.
type shard struct {
	ID         string    `json:"id"`
	State      string    `json:"state"`
	Address    string    `json:"address"`
	Timestamp  time.Time `json:"timestamp"`
	Registered time.Time `json:"registered_timestamp"`
	Zone       string    `json:"zone"`
	Tokens     []uint32  `json:"tokens"`
}

func page(now time.Time, members []Member) map[string]any {
	shards := make([]shard, len(members))
	for i, m := range members {
		tokens := make([]uint32, m.Tokens)
		for j := range tokens {
			tokens[j] = uint32(j + 1)
		}
		shards[i] = shard{ID: m.ID, State: m.State, Address: m.Address, Timestamp: m.Heartbeat, Registered: m.Registered, Zone: m.Zone, Tokens: tokens}
	}
	return map[string]any{"shards": shards, "now": now}
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
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"name": workload}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "mimir", Ports: []corev1.ContainerPort{{Name: podaccess.DefaultPortName, ContainerPort: podaccess.DefaultPort}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}
