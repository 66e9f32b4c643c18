package gatetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Route is a canned answer of a fake Mimir process on one path.
type Route struct {
	// Status is the HTTP status; 0 is 200.
	Status int
	// File holds the body, relative to the test's package, e.g.
	// "testdata/mimir-3.0.5/memberlist.json" (pages captured from Mimir
	// 2.9.0 and 3.0.5 are under pkg/mimirapi/testdata).
	File string
	// Body is the body when File is empty.
	Body string
}

// FakeMimir starts an HTTP server that answers only the paths of routes,
// and 404 "404 page not found" for any other path, as Mimir answers paths it
// does not serve. The files of routes are read at once (the test fails if
// one cannot be); the server is closed when the test ends.
func FakeMimir(t testing.TB, routes map[string]Route) *httptest.Server {
	t.Helper()
	bodies := map[string][]byte{}
	for path, r := range routes {
		b := []byte(r.Body)
		if r.File != "" {
			var err error
			if b, err = os.ReadFile(r.File); err != nil {
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
		if r.Status == 0 {
			r.Status = http.StatusOK
		}
		w.WriteHeader(r.Status)
		_, _ = w.Write(bodies[req.URL.Path])
	}))
	t.Cleanup(s.Close)
	return s
}

// PodsFn builds the fake pods of one test case; it runs inside the case,
// so the pods' servers live as long as the case.
type PodsFn func(t *testing.T) []Pod

// Pods builds the pods ps, in order.
func Pods(ps ...func(t *testing.T) Pod) PodsFn {
	return func(t *testing.T) []Pod {
		out := make([]Pod, 0, len(ps))
		for _, p := range ps {
			out = append(out, p(t))
		}
		return out
	}
}

// Distributor is a running pod labelled name=distributor whose Mimir
// answers routes (see FakeMimir).
func Distributor(name string, routes map[string]Route) func(t *testing.T) Pod {
	return func(t *testing.T) Pod {
		return Pod{Name: name, Labels: map[string]string{"name": "distributor"}, Server: FakeMimir(t, routes)}
	}
}

// PendingDistributor is a pod labelled name=distributor that is not
// running (phase Pending).
func PendingDistributor(name string) func(t *testing.T) Pod {
	return func(*testing.T) Pod {
		return Pod{Name: name, Labels: map[string]string{"name": "distributor"}}
	}
}

// Evaluate evaluates g once, with a background context.
func Evaluate(t testing.TB, g interface {
	Evaluate(context.Context) verdict.Observation
}) verdict.Observation {
	t.Helper()
	return g.Evaluate(context.Background())
}

// AssertObservation fails the test unless obs has the verdict want, a
// summary containing summary, and details (joined by newlines) containing
// detail; an empty summary or detail matches any.
func AssertObservation(t testing.TB, obs verdict.Observation, want verdict.Verdict, summary, detail string) {
	t.Helper()
	if obs.Verdict != want || !strings.Contains(obs.Summary, summary) {
		t.Fatalf("got %s, want %s with %q", obs, want, summary)
	}
	if !strings.Contains(strings.Join(obs.Details, "\n"), detail) {
		t.Errorf("details lack %q:\n%s", detail, strings.Join(obs.Details, "\n"))
	}
}
