package podmetrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// ingesterSet is a StatefulSet whose update revision is "ingester-new".
func ingesterSet() runtime.Object {
	return testkit.StatefulSet("ingester", testkit.Revisions("ingester-old", "ingester-new"))
}

func ingesterPod(name, revision string, srv gatetest.Pod) gatetest.Pod {
	owner := testkit.ControllerRef("StatefulSet", "ingester")
	srv.Name = name
	srv.Labels = map[string]string{"name": "ingester", kube.LabelControllerRevisionHash: "ingester-" + revision}
	srv.Owner = &owner
	return srv
}

// The "multi KV gone" shape: a pod that exposes nothing yet but runs the old
// revision, or is not Ready, or is Pending, keeps the gate from passing.
func TestRolledOutGate(t *testing.T) {
	zero := 0.0
	spec := Spec{Pods: podaccess.Selector{PortName: podaccess.DefaultPortName}, Series: "cortex_multikv_primary_store", RolledOut: true,
		Condition: gate.Condition{Of: gate.OfCount, Op: gate.OpEQ, Threshold: &zero, OnEmpty: gate.OutcomePass}}
	noMultiKV := func(t *testing.T) gatetest.Pod {
		return gatetest.Pod{Server: metricsServer(t, "2.9.0", "metrics-write.txt")}
	}
	tests := []struct {
		name       string
		pods       func(t *testing.T) []gatetest.Pod
		want       verdict.Verdict
		wantDetail string
	}{
		{"every pod new, Ready and without the multi KV store", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{ingesterPod("ingester-0", "new", noMultiKV(t)), ingesterPod("ingester-1", "new", noMultiKV(t))}
		}, verdict.Pass, ""},
		{"an old pod without the series is not gone yet", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{ingesterPod("ingester-0", "new", noMultiKV(t)), ingesterPod("ingester-1", "old", noMultiKV(t))}
		}, verdict.Inconclusive, "ingester-1: old revision (StatefulSet ingester): not rolled out yet"},
		{"a new pod that is not Ready", func(t *testing.T) []gatetest.Pod {
			p := noMultiKV(t)
			p.NotReady = true
			return []gatetest.Pod{ingesterPod("ingester-0", "new", p)}
		}, verdict.Inconclusive, "ingester-0: not ready (StatefulSet ingester)"},
		{"a pending pod", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{ingesterPod("ingester-0", "new", noMultiKV(t)), ingesterPod("ingester-1", "new", gatetest.Pod{})}
		}, verdict.Inconclusive, "ingester-1: pending (StatefulSet ingester)"},
		{"an old pod still on the multi KV store fails", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{ingesterPod("ingester-0", "old", gatetest.Pod{Server: metricsServer(t, "3.0.5", "metrics-multikv-switched.txt")})}
		}, verdict.Fail, "ingester-0: old revision (StatefulSet ingester)"},
		// The mimir-distributed chart's nginx gateway names its port
		// http-metrics too, and has no /metrics page.
		{"a pod without a /metrics page is not a Mimir pod", func(t *testing.T) []gatetest.Pod {
			gateway := gatetest.Pod{Name: "mimir-gateway-5d8f7", Labels: map[string]string{"app.kubernetes.io/component": "gateway"}, Server: gatetest.FakeMimir(t, nil)}
			return []gatetest.Pod{ingesterPod("ingester-0", "new", noMultiKV(t)), gateway}
		}, verdict.Pass, "mimir-gateway-5d8f7 left out: it has a port named http-metrics but no /metrics page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(spec, gatetest.FakeClusterWith(t, time.Now(), []runtime.Object{ingesterSet()}, tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			obs := g.Evaluate(context.Background())
			if obs.Verdict != tt.want || !strings.Contains(obs.String(), tt.wantDetail) {
				t.Fatalf("got %s, want %s with %q", obs, tt.want, tt.wantDetail)
			}
		})
	}
}

// Pods selected by labels are the plan's claim: one without a /metrics
// page cannot be judged, whatever it is.
func TestRolledOutGateLabelledPodWithoutMetrics(t *testing.T) {
	zero := 0.0
	spec := Spec{Pods: podaccess.Selector{Labels: "name=ingester"}, Series: "cortex_multikv_primary_store", RolledOut: true,
		Condition: gate.Condition{Of: gate.OfCount, Op: gate.OpEQ, Threshold: &zero, OnEmpty: gate.OutcomePass}}
	pod := ingesterPod("ingester-0", "new", gatetest.Pod{Server: gatetest.FakeMimir(t, nil)})
	g, err := New(spec, gatetest.FakeClusterWith(t, time.Now(), []runtime.Object{ingesterSet()}, pod))
	if err != nil {
		t.Fatal(err)
	}
	if obs := g.Evaluate(context.Background()); obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.String(), "no /metrics page (404)") {
		t.Fatalf("got %s, want inconclusive naming the missing page", obs)
	}
}
