package kvmigrate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// captured is where pages captured from Mimir 2.9.0 and 3.0.5 processes
// are kept (see its README.md).
var captured = filepath.Join("..", "mimirapi", "testdata")

// route is a canned answer of a fake Mimir.
type route struct {
	status int
	file   string // relative to this package, e.g. captured + "/mimir-3.0.5/memberlist.json"
	body   string // used when file is empty
}

// capturedPage is the route answering a captured page, e.g.
// "mimir-3.0.5/memberlist.json".
func capturedPage(name string) route { return route{file: filepath.Join(captured, name)} }

// fakeMimir answers only the routes it is given (404 otherwise), as Mimir
// answers paths it does not serve.
func fakeMimir(t *testing.T, routes map[string]route) *httptest.Server {
	t.Helper()
	bodies := map[string][]byte{}
	for path, r := range routes {
		b := []byte(r.body)
		if r.file != "" {
			var err error
			if b, err = os.ReadFile(r.file); err != nil {
				t.Fatal(err)
			}
		}
		bodies[path] = b
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r, ok := routes[req.URL.Path]
		if !ok {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		if r.status == 0 {
			r.status = http.StatusOK
		}
		w.WriteHeader(r.status)
		_, _ = w.Write(bodies[req.URL.Path])
	}))
	t.Cleanup(s.Close)
	return s
}

type podsFn func(t *testing.T) []gatetest.Pod

func pods(ps ...func(t *testing.T) gatetest.Pod) podsFn {
	return func(t *testing.T) []gatetest.Pod {
		out := make([]gatetest.Pod, 0, len(ps))
		for _, p := range ps {
			out = append(out, p(t))
		}
		return out
	}
}

// pod is a distributor pod answering routes.
func pod(name string, routes map[string]route) func(t *testing.T) gatetest.Pod {
	return func(t *testing.T) gatetest.Pod {
		return gatetest.Pod{Name: name, Labels: map[string]string{"name": "distributor"}, Server: fakeMimir(t, routes)}
	}
}

// pending is a distributor pod that is not running.
func pending(name string) func(t *testing.T) gatetest.Pod {
	return func(*testing.T) gatetest.Pod {
		return gatetest.Pod{Name: name, Labels: map[string]string{"name": "distributor"}}
	}
}

var distributors = mimirapi.PodsSpec{Pods: podaccess.Selector{Labels: "name=distributor"}}

func evaluate(t *testing.T, g interface {
	Evaluate(context.Context) verdict.Observation
}) verdict.Observation {
	t.Helper()
	return g.Evaluate(context.Background())
}

func assertObs(t *testing.T, obs verdict.Observation, want verdict.Verdict, summary, detail string) {
	t.Helper()
	if obs.Verdict != want || !strings.Contains(obs.Summary, summary) {
		t.Fatalf("got %s, want %s with %q", obs, want, summary)
	}
	if !strings.Contains(strings.Join(obs.Details, "\n"), detail) {
		t.Errorf("details lack %q:\n%s", detail, strings.Join(obs.Details, "\n"))
	}
}

func intp(n int) *int { return &n }
