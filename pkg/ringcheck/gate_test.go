package ringcheck

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

var distributors = podaccess.Selector{Labels: "name=distributor"}

func pod(name string, srv *httptest.Server) gatetest.Pod {
	return gatetest.Pod{Name: name, Labels: map[string]string{"name": "distributor"}, Server: srv}
}

func emptyRing(t *testing.T) *httptest.Server {
	return brokenServer(t, 200, string(testkit.RingPage(fixedNow)))
}

func TestGateEvaluate(t *testing.T) {
	leaving := map[string]string{"/ingester/ring": "mimir-2.9.0/ring-ingester-leaving.json"}
	active := map[string]string{"/ingester/ring": "mimir-2.9.0/ring-ingester-active.json"}
	allActive := []Expectation{{State: StateActive, Healthy: true}}
	tests := []struct {
		name        string
		spec        Spec
		pods        func(t *testing.T) []gatetest.Pod
		want        verdict.Verdict
		wantSummary string
		wantDetails []string
	}{
		{
			name: "passes when the ring read from the first pod meets every expectation",
			spec: Spec{Ring: "ingester", Pods: distributors, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{pod("distributor-0", newFakeRingServer(t, active).Server)}
			},
			want: verdict.Pass, wantSummary: "1 of 1 expectations hold (2 members) (read from pod distributor-0)",
		},
		{
			name: "fails naming the violating members",
			spec: Spec{Ring: "ingester", Pods: distributors, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{pod("distributor-0", newFakeRingServer(t, leaving).Server)}
			},
			want: verdict.Fail, wantDetails: []string{"mimir-write-zone-b-0 (zone-b): LEAVING", "mimir-write-zone-c-0 (zone-c): JOINING"},
		},
		{
			name: "skips a pod that does not serve the ring and reads the next one",
			spec: Spec{Ring: "ingester", Pods: distributors, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{
					pod("distributor-0", newFakeRingServer(t, map[string]string{}).Server),
					pod("distributor-1", newFakeRingServer(t, active).Server),
				}
			},
			want: verdict.Pass, wantSummary: "read from pod distributor-1",
		},
		{
			name: "is inconclusive when no selected pod serves the ring",
			spec: Spec{Ring: "store-gateway", Pods: distributors, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{pod("distributor-0", newFakeRingServer(t, active).Server)}
			},
			want: verdict.Inconclusive, wantSummary: "ring page not served",
		},
		{
			name: "is inconclusive when the pod answers an error",
			spec: Spec{Ring: "ingester", Pods: distributors, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{pod("distributor-0", brokenServer(t, 500, "empty ring"))}
			},
			want: verdict.Inconclusive, wantSummary: "status 500: empty ring",
		},
		{
			name: "is inconclusive when no pod is selected",
			spec: Spec{Ring: "ingester", Pods: distributors, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod { return nil },
			want: verdict.Inconclusive, wantSummary: "found no running pods",
		},
		{
			name: "is inconclusive on an empty ring, so that 'has left' cannot pass on a pod that knows nobody",
			spec: Spec{Ring: "ingester", Pods: distributors, Expect: []Expectation{{Members: "ingester-zone-a-.*", Left: true}}},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{pod("distributor-0", emptyRing(t))}
			},
			want: verdict.Inconclusive, wantSummary: "has no members",
		},
		{
			name: "accepts an empty ring when allowEmpty says so",
			spec: Spec{Ring: "ingester", Pods: distributors, AllowEmpty: true, Expect: []Expectation{{Members: "ingester-zone-a-.*", Left: true}}},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{pod("distributor-0", emptyRing(t))}
			},
			want: verdict.Pass,
		},
		{
			name: "with allPods, fails when one pod's view disagrees and names that pod",
			spec: Spec{Ring: "ingester", Pods: distributors, AllPods: true, Expect: allActive},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{
					pod("distributor-0", newFakeRingServer(t, active).Server),
					pod("distributor-1", newFakeRingServer(t, leaving).Server),
				}
			},
			want: verdict.Fail, wantSummary: "1/2 pods see the ring as expected",
			wantDetails: []string{"distributor-1: ring ingester: 0 of 1 expectations hold", "mimir-write-zone-b-0 (zone-b): LEAVING"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deps := gatetest.FakeCluster(t, fixedNow, tt.pods(t)...)
			g, err := New(tt.spec, deps)
			if err != nil {
				t.Fatal(err)
			}
			obs := g.Evaluate(context.Background())
			if obs.Verdict != tt.want || !strings.Contains(obs.Summary, tt.wantSummary) {
				t.Fatalf("got %s, want %s with summary containing %q", obs, tt.want, tt.wantSummary)
			}
			assertDetails(t, obs, tt.wantDetails, "")
		})
	}
}
