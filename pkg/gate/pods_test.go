package gate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func server(t *testing.T, status int) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(s.Close)
	return s
}

// judgeStatus passes a pod that answers 200.
func judgeStatus(d gate.Deps) func(context.Context, podaccess.Target) verdict.Observation {
	return func(ctx context.Context, tg podaccess.Target) verdict.Observation {
		code, _, err := podaccess.Get(ctx, d.Pods, tg, "/", nil)
		switch {
		case err != nil:
			return verdict.Inconclusivef("%v", err)
		case code != 200:
			return verdict.Failf("status %d", code)
		}
		return verdict.Passf("ok")
	}
}

func TestJudgePods(t *testing.T) {
	sel := podaccess.Selector{Labels: "app=x"}
	lbl := map[string]string{"app": "x"}
	tests := []struct {
		name        string
		pods        func(t *testing.T) []gatetest.Pod
		opts        gate.PodOptions
		want        verdict.Verdict
		wantSummary string
		wantDetail  string
	}{
		{"passes when every pod passes", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{{Name: "x-0", Labels: lbl, Server: server(t, 200)}, {Name: "x-1", Labels: lbl, Server: server(t, 200)}}
		}, gate.PodOptions{}, verdict.Pass, "2/2 pods answer", ""},
		{"fails when one pod fails and names it", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{{Name: "x-0", Labels: lbl, Server: server(t, 200)}, {Name: "x-1", Labels: lbl, Server: server(t, 503)}}
		}, gate.PodOptions{}, verdict.Fail, "1/2 pods answer", "x-1: status 503"},
		{"is inconclusive when no pod matches", func(t *testing.T) []gatetest.Pod { return nil }, gate.PodOptions{}, verdict.Inconclusive, "found no pods matching", ""},
		{"a pod that is not running is inconclusive by default", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{{Name: "x-0", Labels: lbl, Server: server(t, 200)}, {Name: "x-1", Labels: lbl}}
		}, gate.PodOptions{}, verdict.Inconclusive, "1/2 pods answer", "x-1: not running: phase Pending"},
		{"a pod that is not running fails when the gate says so", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{{Name: "x-0", Labels: lbl, Server: server(t, 200)}, {Name: "x-1", Labels: lbl}}
		}, gate.PodOptions{NotRunning: verdict.Fail}, verdict.Fail, "", "x-1: not running"},
		{"fewer pods than minPods fail", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{{Name: "x-0", Labels: lbl, Server: server(t, 200)}}
		}, gate.PodOptions{MinPods: 3}, verdict.Fail, "1 pods selected, want at least 3", ""},
		{"pods of other workloads are not judged", func(t *testing.T) []gatetest.Pod {
			return []gatetest.Pod{{Name: "x-0", Labels: lbl, Server: server(t, 200)}, {Name: "y-0", Labels: map[string]string{"app": "y"}, Server: server(t, 500)}}
		}, gate.PodOptions{}, verdict.Pass, "1/1 pods answer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := gatetest.FakeCluster(t, time.Now(), tt.pods(t)...)
			obs := gate.JudgePods(context.Background(), d, sel, tt.opts, "answer", judgeStatus(d))
			if obs.Verdict != tt.want || !strings.Contains(obs.Summary, tt.wantSummary) {
				t.Fatalf("got %s, want %s with %q", obs, tt.want, tt.wantSummary)
			}
			if tt.wantDetail != "" && !strings.Contains(strings.Join(obs.Details, "\n"), tt.wantDetail) {
				t.Errorf("details %q lack %q", obs.Details, tt.wantDetail)
			}
		})
	}
}

func TestFetchPodsRefusesMissingDependencies(t *testing.T) {
	_, err := gate.FetchPods(context.Background(), gate.Deps{}, podaccess.Selector{Labels: "a=b"},
		func(context.Context, podaccess.Target) (int, error) { return 0, nil })
	if err == nil || !strings.Contains(err.Error(), "without a Kubernetes client") {
		t.Fatalf("err = %v", err)
	}
}
