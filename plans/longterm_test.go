package plans_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
	"github.com/mimirctl/mimirctl/plans"
)

// youngMimirRead is an httptest server playing a mimir-read pod of a
// cluster that holds no long-term data yet: its query-frontend answers any
// instant query (vector(1) included) and every range query, but no metric
// name and no sample exists older than the last hour. With long it holds
// the series up from 20h to 14h ago too.
func youngMimirRead(t *testing.T, long bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/config":
			fmt.Fprint(w, "querier:\n    query_store_after: 12h0m0s\nlimits:\n    query_ingesters_within: 13h\n")
		case "/prometheus/api/v1/query":
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[%d,"1"]}]}}`, time.Now().Unix())
		case "/prometheus/api/v1/label/__name__/values":
			if long {
				fmt.Fprint(w, `{"status":"success","data":["up"]}`)
				return
			}
			fmt.Fprint(w, `{"status":"success","data":[]}`)
		case "/prometheus/api/v1/query_range":
			result := []any{}
			if long {
				result = append(result, map[string]any{"metric": map[string]string{}, "values": [][2]any{{float64(time.Now().Add(-14*time.Hour - 5*time.Minute).Unix()), "1"}}})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
		default:
			http.Error(w, "404 page not found", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// builtinGate binds the named gate of a built-in plan's step.
func builtinGate(t *testing.T, planName, stepID, gateName string, d engine.Deps) plan.Gate {
	t.Helper()
	p, err := plan.Load(plans.FS, planName, plan.LoadOptions{Registry: engine.Registry(), Params: map[string]string{"tenant": "team-a"}})
	if err != nil {
		t.Fatal(err)
	}
	step := p.Step(stepID)
	if step == nil {
		t.Fatalf("plan %s has no step %s", planName, stepID)
	}
	for _, cfg := range step.Gates {
		if cfg.Name == gateName {
			g, err := engine.NewBinder(d).BindGate(context.Background(), p, step, cfg)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
	}
	t.Fatalf("step %s has no gate %s", stepID, gateName)
	return nil
}

// TestLongTermQueryGateNeedsLongTermData: step 4.2's "long-term-query" gate
// of microservices-to-read-write must see samples older than what the
// ingesters answer. The former gate (vector(1) through mimir-read) passed
// on any live querier, long-term data or not.
func TestLongTermQueryGateNeedsLongTermData(t *testing.T) {
	for _, tc := range []struct {
		long bool
		want verdict.Verdict
	}{{false, verdict.Inconclusive}, {true, verdict.Pass}} {
		t.Run(fmt.Sprintf("long-term data %v", tc.long), func(t *testing.T) {
			gd := gatetest.FakeCluster(t, time.Time{},
				gatetest.Pod{Name: "mimir-read-0", Labels: map[string]string{"name": "mimir-read"}, Server: youngMimirRead(t, tc.long)})
			g := builtinGate(t, "microservices-to-read-write", "4.2-check-backend", "long-term-query",
				engine.Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods})
			obs := g.Evaluate(context.Background())
			if obs.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s: %s", obs.Verdict, tc.want, obs)
			}
			if !tc.long && !strings.Contains(obs.String(), "no long-term data yet") {
				t.Errorf("observation does not say the cluster holds no long-term data: %s", obs)
			}
		})
	}
}
