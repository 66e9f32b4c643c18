package storequery

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

// fakeQuerier is an httptest server playing a Mimir query-frontend and
// querier (mimir-read): /config with the two settings, and the Prometheus
// API under /prometheus. It holds samples only in [heldFrom, heldTo] (the
// long-term data of the fake cluster) and records what it is asked.
type fakeQuerier struct {
	queryStoreAfter, queryIngestersWithin string
	// queryIngestersWithinKey is where /config shows query_ingesters_within:
	// "querier" for older versions, limits otherwise.
	queryIngestersWithinKey string
	// names are the metric names held in [heldFrom, heldTo].
	names            []string
	heldFrom, heldTo time.Time
	// empty lists names whose series answer no sample in any range.
	empty map[string]bool
	// status overrides the answer of the Prometheus API (e.g. 503).
	status int
	// runtimeConfig is /runtime_config (empty: 404, as Mimir answers
	// without -runtime-config.file).
	runtimeConfig string

	mu      sync.Mutex
	asked   []request
	tenants []string
}

// request is one Prometheus API call the fake saw.
type request struct {
	path, query string
	start, end  time.Time
}

func (f *fakeQuerier) config() string {
	if f.queryIngestersWithinKey == "querier" {
		return fmt.Sprintf("querier:\n    query_ingesters_within: %s\n    query_store_after: %s\nlimits:\n    max_query_parallelism: 14\n", f.queryIngestersWithin, f.queryStoreAfter)
	}
	return fmt.Sprintf("querier:\n    query_store_after: %s\nlimits:\n    query_ingesters_within: %s\n", f.queryStoreAfter, f.queryIngestersWithin)
}

func (f *fakeQuerier) serve(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/config":
			_, _ = fmt.Fprint(w, f.config())
			return
		case "/runtime_config":
			if f.runtimeConfig == "" {
				http.Error(w, "404 page not found", http.StatusNotFound)
				return
			}
			_, _ = fmt.Fprint(w, f.runtimeConfig)
			return
		}
		start, end := parseTime(r.FormValue("start")), parseTime(r.FormValue("end"))
		f.mu.Lock()
		f.asked = append(f.asked, request{path: r.URL.Path, query: r.FormValue("query"), start: start, end: end})
		f.tenants = append(f.tenants, r.Header.Get("X-Scope-OrgID"))
		f.mu.Unlock()
		if f.status != 0 {
			w.WriteHeader(f.status)
			_, _ = fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"fake query-frontend unavailable"}`)
			return
		}
		overlaps := !f.heldFrom.IsZero() && !start.After(f.heldTo) && !end.Before(f.heldFrom)
		switch r.URL.Path {
		case "/prometheus/api/v1/label/__name__/values":
			names := []string{}
			if overlaps {
				names = f.names
			}
			writeJSON(w, map[string]any{"status": "success", "data": names})
		case "/prometheus/api/v1/query_range":
			step, _ := strconv.ParseFloat(r.FormValue("step"), 64)
			var values [][2]any
			for ts := start; !ts.After(end) && step > 0; ts = ts.Add(time.Duration(step * float64(time.Second))) {
				if !ts.Before(f.heldFrom) && !ts.After(f.heldTo) && !f.emptySeries(r.FormValue("query")) {
					values = append(values, [2]any{float64(ts.Unix()), "20"})
				}
			}
			result := []any{}
			if len(values) > 0 {
				result = append(result, map[string]any{"metric": map[string]string{}, "values": values})
			}
			writeJSON(w, map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
		case "/prometheus/api/v1/query":
			// What the old gate asked: vector(1) answers on any live querier.
			writeJSON(w, map[string]any{"status": "success", "data": map[string]any{"resultType": "vector",
				"result": []any{map[string]any{"metric": map[string]string{}, "value": []any{float64(time.Now().Unix()), "1"}}}}})
		default:
			http.Error(w, "404 page not found", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeQuerier) emptySeries(query string) bool {
	for n := range f.empty {
		if query == fmt.Sprintf("count({__name__=%q})", n) {
			return true
		}
	}
	return false
}

func (f *fakeQuerier) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.asked...)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(int64(secs), 0)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// readPod is a mimir-read pod served by srv (nil: not running).
func readPod(name string, srv *httptest.Server) gatetest.Pod {
	return gatetest.Pod{Name: name, Labels: map[string]string{"name": "mimir-read"}, Server: srv}
}
