package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

func TestPreflightNeedsAPrometheusThatAnswersWhenThePlanHasPromQLGates(t *testing.T) {
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")},
		"p/steps/a.yaml": {Data: []byte("id: a\ntitle: A\ngates:\n  - promql: {query: up, op: '>', threshold: 0}\n")}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer prom.Close()
	up := NewBinder(Deps{Kube: fake.NewClientset(), Namespace: "mimir", Prometheus: promgate.Connection{URL: prom.URL}})
	if _, err := up.Preflight(context.Background(), p, nil); err != nil {
		t.Errorf("reachable Prometheus: %v", err)
	}
	prom.Close()
	down := NewBinder(Deps{Kube: fake.NewClientset(), Namespace: "mimir", Prometheus: promgate.Connection{URL: prom.URL}})
	if _, err := down.Preflight(context.Background(), p, nil); err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("unreachable Prometheus: %v", err)
	}
	none := NewBinder(Deps{Kube: fake.NewClientset(), Namespace: "mimir"})
	if _, err := none.Preflight(context.Background(), p, nil); err == nil || !strings.Contains(err.Error(), "pass --prometheus-url") {
		t.Errorf("no Prometheus: %v", err)
	}
}
