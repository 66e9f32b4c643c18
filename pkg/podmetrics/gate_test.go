package podmetrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// metricsServer serves a captured /metrics page.
func metricsServer(t *testing.T, version, file string) *httptest.Server {
	body, err := os.ReadFile(filepath.Join("testdata", "mimir-"+version, file))
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func distributor(name string, srv *httptest.Server) gatetest.Pod {
	return gatetest.Pod{Name: name, Labels: map[string]string{"name": "distributor"}, Server: srv}
}

func one() *float64 { v := 1.0; return &v }

func TestGateEvaluate(t *testing.T) {
	distributors := podaccess.Selector{Labels: "name=distributor"}
	eqOne := gate.Condition{Op: gate.OpEQ, Threshold: one()}
	tests := []struct {
		name        string
		spec        Spec
		pods        func(t *testing.T) []gatetest.Pod
		want        verdict.Verdict
		wantSummary string
		wantDetail  string
	}{
		{
			name: "mirroring is enabled for the ring clients on every distributor",
			spec: Spec{Pods: distributors, Series: `cortex_multikv_mirror_enabled{kv_name=~"ingester-.*"}`, Condition: eqOne},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{distributor("distributor-0", metricsServer(t, "3.0.5", "metrics-multikv-switched.txt")),
					distributor("distributor-1", metricsServer(t, "3.0.5", "metrics-multikv-switched.txt"))}
			},
			want: verdict.Pass, wantSummary: "2/2 pods meet it",
		},
		{
			name: "the HA tracker's mirroring is off and the gate names the pod and the series",
			spec: Spec{Pods: distributors, Series: `cortex_multikv_mirror_enabled{kv_name="distributor-hatracker"}`, Condition: eqOne},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{distributor("distributor-0", metricsServer(t, "3.0.5", "metrics-multikv-switched.txt"))}
			},
			want: verdict.Fail, wantDetail: `distributor-0: every series == 1: 1 of 1 series do not hold` + "\n" + `  {kv_name="distributor-hatracker"}: 0 (want == 1)`,
		},
		{
			name: "one distributor still on the old primary fails the gate",
			spec: Spec{Pods: distributors, Series: `cortex_multikv_primary_store{store="memberlist", kv_name="ingester-ring"}`, Condition: eqOne},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{distributor("distributor-0", metricsServer(t, "3.0.5", "metrics-multikv-switched.txt")),
					distributor("distributor-1", metricsServer(t, "3.0.5", "metrics-multikv-initial.txt"))}
			},
			want: verdict.Fail, wantSummary: "1/2 pods meet it", wantDetail: "distributor-1",
		},
		{
			name: "a pod without the metric is inconclusive by default",
			spec: Spec{Pods: distributors, Series: "cortex_multikv_mirror_enabled", Condition: eqOne},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{distributor("distributor-0", metricsServer(t, "2.9.0", "metrics-write.txt"))}
			},
			want: verdict.Inconclusive, wantDetail: "onEmpty is inconclusive",
		},
		{
			name: "a pod without the metric passes when onEmpty says so (multi KV torn down)",
			spec: Spec{Pods: distributors, Series: "cortex_multikv_mirror_enabled", Condition: gate.Condition{Op: gate.OpEQ, Threshold: one(), OnEmpty: gate.OutcomePass}},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{distributor("distributor-0", metricsServer(t, "2.9.0", "metrics-write.txt"))}
			},
			want: verdict.Pass,
		},
		{
			name: "a pod that cannot be scraped is inconclusive",
			spec: Spec{Pods: distributors, Series: "up", Condition: eqOne},
			pods: func(t *testing.T) []gatetest.Pod {
				s := metricsServer(t, "2.9.0", "metrics-write.txt")
				s.Close()
				return []gatetest.Pod{distributor("distributor-0", s)}
			},
			want: verdict.Inconclusive, wantDetail: "scrape pod mimir/distributor-0",
		},
		{
			name: "fewer pods than minPods fail",
			spec: Spec{Pods: distributors, MinPods: 3, Series: `cortex_multikv_mirror_enabled{kv_name="ingester-ring"}`, Condition: eqOne},
			pods: func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{distributor("distributor-0", metricsServer(t, "3.0.5", "metrics-multikv-switched.txt"))}
			},
			want: verdict.Fail, wantSummary: "want at least 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			obs := g.Evaluate(context.Background())
			if obs.Verdict != tt.want || !strings.Contains(obs.Summary, tt.wantSummary) {
				t.Fatalf("got %s, want %s with %q", obs, tt.want, tt.wantSummary)
			}
			if !strings.Contains(strings.Join(obs.Details, "\n"), tt.wantDetail) {
				t.Errorf("details lack %q:\n%s", tt.wantDetail, strings.Join(obs.Details, "\n"))
			}
		})
	}
}

func TestStepFileSnippets(t *testing.T) {
	tests := []struct{ name, src, describe string }{
		{
			name: "the issue's example: mirroring enabled on every distributor",
			src: `
pods: {labels: "name=distributor"}
series: cortex_multikv_mirror_enabled
op: "=="
threshold: 1
`,
			describe: `pod metric cortex_multikv_mirror_enabled on pods matching "name=distributor": every series == 1`,
		},
		{
			name: "the issue's example: memberlist is the primary store",
			src: `
pods: {labels: "name=distributor"}
minPods: 3
series: cortex_multikv_primary_store{store="memberlist"}
op: "=="
threshold: 1
`,
			describe: `pod metric cortex_multikv_primary_store{store="memberlist"} on pods matching "name=distributor": every series == 1`,
		},
		{
			name: "no mirror write errors on any pod",
			src: `
pods: {names: "distributor-.*"}
series: cortex_multikv_mirror_write_errors_total
of: sum
op: "=="
threshold: 0
onEmpty: pass
`,
			describe: `pod metric cortex_multikv_mirror_write_errors_total on pods named /distributor-.*/: sum == 0 (empty: pass)`,
		},
	}
	snippets := make([]gatetest.Snippet, 0, len(tests))
	for _, tt := range tests {
		snippets = append(snippets, gatetest.Snippet{Name: tt.name, Src: tt.src, Into: &Spec{}, Describe: tt.describe})
	}
	gatetest.TestSnippets(t, snippets)
}

func TestSpecValidateNamesTheField(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Series: "up", Condition: gate.Condition{Op: gate.OpEQ, Threshold: one()}}, "pods: pod selector needs labels or names"},
		{Spec{Pods: podaccess.Selector{Names: "d-.*"}, Condition: gate.Condition{Op: gate.OpEQ, Threshold: one()}}, "series: missing"},
		{Spec{Pods: podaccess.Selector{Names: "d-.*"}, Series: "up{", Condition: gate.Condition{Op: gate.OpEQ, Threshold: one()}}, "series: "},
		{Spec{Pods: podaccess.Selector{Names: "d-.*"}, Series: "up"}, "op: missing"},
		{Spec{Pods: podaccess.Selector{Names: "d-.*"}, MinPods: -1, Series: "up", Condition: gate.Condition{Op: gate.OpEQ, Threshold: one()}}, "minPods: must not be negative"},
	}
	for _, tt := range tests {
		if err := tt.spec.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}
