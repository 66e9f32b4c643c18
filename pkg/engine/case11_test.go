package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

const case11 = "testdata/cases/11-mimir-write-capacity"

// case11Cluster is the microservices cluster of case 11: 3 ingesters per
// zone with the series of metrics-ingesters.prom (zone-a's values, zones b
// and c alike) and max_series from its /config comment; with afterScaleUp,
// also the mimir-write StatefulSets of ring-ingester-after-6.1.json (1 pod
// per zone).
type case11Cluster struct {
	series    map[string]float64 // pod → cortex_ingester_memory_series
	maxSeries string
	// down names pods that are not running; noMetric pods do not expose
	// the series metric.
	down, noMetric map[string]bool
	writers        int32
}

func newCase11Cluster(t *testing.T, afterScaleUp bool) *case11Cluster {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(case11, "metrics-ingesters.prom"))
	if err != nil {
		t.Fatal(err)
	}
	c := &case11Cluster{series: map[string]float64{}, down: map[string]bool{}, noMetric: map[string]bool{}}
	sample := regexp.MustCompile(`^cortex_ingester_memory_series\{pod="([a-z-]+)-zone-a-([0-9]+)"\} (\S+)$`)
	limit := regexp.MustCompile(`ingester\.instance_limits\.max_series: ([0-9]+)`)
	for _, line := range strings.Split(string(b), "\n") {
		if m := limit.FindStringSubmatch(line); m != nil {
			c.maxSeries = m[1]
		}
		m := sample.FindStringSubmatch(line)
		if m == nil || (m[1] == "mimir-write" && !afterScaleUp) {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range []string{"a", "b", "c"} {
			c.series[fmt.Sprintf("%s-zone-%s-%s", m[1], z, m[2])] = v
		}
	}
	if len(c.series) == 0 || c.maxSeries != "3000000" {
		t.Fatalf("case inputs not understood: %d pods, max_series %q", len(c.series), c.maxSeries)
	}
	if afterScaleUp {
		c.writers = 1
	}
	return c
}

// binder serves each pod's /metrics and /config from c.
func (c *case11Cluster) binder(t *testing.T) *Binder {
	t.Helper()
	var objs []*appsv1.StatefulSet
	counts := map[string]int32{}
	var pods []gatetest.Pod
	for name := range c.series {
		sts := name[:strings.LastIndex(name, "-")]
		counts[sts]++
		pod := gatetest.Pod{Name: name, Labels: map[string]string{"name": sts}}
		if !c.down[name] {
			pod.Server = c.server(t, name)
		}
		pods = append(pods, pod)
	}
	for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
		objs = append(objs, testkit.StatefulSet("ingester-"+z, testkit.Replicas(counts["ingester-"+z])))
		if c.writers > 0 {
			objs = append(objs, testkit.StatefulSet("mimir-write-"+z, testkit.Replicas(c.writers)))
		}
	}
	gd := gatetest.FakeCluster(t, time.Date(2030, 3, 4, 14, 0, 0, 0, time.UTC), pods...)
	for _, o := range objs {
		if _, err := gd.Kube.AppsV1().StatefulSets(gd.Namespace).Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return NewBinder(Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods, Now: gd.Now})
}

func (c *case11Cluster) server(t *testing.T, pod string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metrics":
			fmt.Fprintln(w, "# TYPE cortex_ingester_memory_users gauge\ncortex_ingester_memory_users 4")
			if !c.noMetric[pod] {
				fmt.Fprintf(w, "# TYPE cortex_ingester_memory_series gauge\ncortex_ingester_memory_series %g\n", c.series[pod])
			}
		case "/config":
			fmt.Fprintf(w, "target: ingester\ningester:\n  instance_limits:\n    max_series: %s\n    max_tenants: 0\n", c.maxSeries)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// case11Checks loads the built-in plan with params and binds the
// writeCapacity actions of step, which must come before every action that
// changes the cluster.
func case11Checks(t *testing.T, b *Binder, params map[string]string, step string) ([]plan.Action, []plan.ActionConfig) {
	t.Helper()
	return capacityChecks(t, b, "microservices-to-read-write", params, step)
}

// capacityChecks binds the writeCapacity actions of a built-in plan's step,
// which must come before every action that changes the cluster.
func capacityChecks(t *testing.T, b *Binder, name string, params map[string]string, step string) ([]plan.Action, []plan.ActionConfig) {
	t.Helper()
	p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: Registry(), Params: params})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Step(step)
	if s == nil {
		t.Fatalf("plan has no step %s", step)
	}
	var actions []plan.Action
	var cfgs []plan.ActionConfig
	for i, cfg := range s.Actions {
		if cfg.Kind != "writeCapacity" {
			if len(actions) == 0 {
				t.Fatalf("step %s: action %d (%s) changes the cluster before any check that the new write pods can take the zone's series", step, i, cfg.Label())
			}
			continue
		}
		a, err := b.BindAction(context.Background(), p, s, cfg)
		if err != nil {
			t.Fatal(err)
		}
		actions, cfgs = append(actions, a), append(cfgs, cfg)
	}
	return actions, cfgs
}

// refusal runs a check as the executor would (Check, then Apply when not
// done) and returns the error that stops the step ("" when it passes).
func refusal(t *testing.T, a plan.Action) (string, *testkit.Progress) {
	t.Helper()
	p := &testkit.Progress{}
	done, _, err := a.Check(context.Background())
	if err != nil {
		return err.Error(), p
	}
	if done {
		return "", p
	}
	if err := a.Apply(context.Background(), p); err != nil {
		return err.Error(), p
	}
	return "", p
}

// TestCase11MimirWriteCapacity is shared case 11: with the plan's default
// mimirWriteReplicas 3, each zone's 3 ingesters (~7.1M series) would be
// replaced by 1 mimir-write pod limited to 3M series. Step 6.1 must refuse
// before scaling mimir-write up, and each 7.2 step before shutting its
// zone's ingesters down, naming the fix; `plan` shows the arithmetic.
func TestCase11MimirWriteCapacity(t *testing.T) {
	defaults := map[string]string{}

	t.Run("6.1 refuses with the defaults", func(t *testing.T) {
		b := newCase11Cluster(t, false).binder(t)
		checks, _ := case11Checks(t, b, defaults, "6.1-scale-up-write")
		if len(checks) != 3 {
			t.Fatalf("step 6.1 has %d writeCapacity checks, want one per zone", len(checks))
		}
		for i, z := range []string{"zone-a", "zone-b", "zone-c"} {
			got, _ := refusal(t, checks[i])
			t.Logf("%s refusal: %s", z, got)
			want := z + ": 1 mimir-write-" + z + " pod would replace 3 of ingester-" + z + ", and 7.1M series would land on 1 mimir-write-" + z + " pod (limit 3M); set mimirWriteReplicas ≥ 9"
			if !strings.Contains(got, want) {
				t.Errorf("%s: got %q, want a refusal containing %q", z, got, want)
			}
		}
		ch, err := checks[0].(plan.Previewer).Preview(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ceil(mimirWriteReplicas 3 / 3 zones) = 1", "3 of ingester-zone-a now", "7.1M series in the zone", "would refuse: zone-a: "} {
			if !strings.Contains(ch.Summary+"\n"+ch.Diff, want) {
				t.Errorf("plan preview %q / %q lacks %q", ch.Summary, ch.Diff, want)
			}
		}
	})

	t.Run("6.1 passes with mimirWriteReplicas 9", func(t *testing.T) {
		b := newCase11Cluster(t, false).binder(t)
		checks, _ := case11Checks(t, b, map[string]string{"mimirWriteReplicas": "9"}, "6.1-scale-up-write")
		for _, a := range checks {
			done, detail, err := a.Check(context.Background())
			if err != nil || !done {
				t.Errorf("check: done=%v %q %v, want done", done, detail, err)
			}
			zone, _, _ := strings.Cut(detail, ":")
			if !strings.Contains(detail, "ceil(mimirWriteReplicas 9 / 3 zones) = 3; 3 of ingester-"+zone+" now; 7.1M series in the zone (3 pods) → 2.4M per mimir-write-"+zone+" pod") {
				t.Errorf("detail %q lacks the arithmetic", detail)
			}
		}
	})

	t.Run("6.1 refuses fewer pods than ingesters when the limit is unlimited", func(t *testing.T) {
		c := newCase11Cluster(t, false)
		c.maxSeries = "0"
		checks, _ := case11Checks(t, c.binder(t), map[string]string{"mimirWriteReplicas": "6"}, "6.1-scale-up-write")
		got, _ := refusal(t, checks[0])
		if want := "zone-a: 2 mimir-write-zone-a pods would replace 3 of ingester-zone-a; set mimirWriteReplicas ≥ 9"; !strings.Contains(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		checks, _ = case11Checks(t, c.binder(t), map[string]string{"mimirWriteReplicas": "9"}, "6.1-scale-up-write")
		if got, _ := refusal(t, checks[0]); got != "" {
			t.Errorf("unlimited series and 3 pods for 3 ingesters: refused %q", got)
		}
	})

	t.Run("an explicit override asks for confirmation and reports", func(t *testing.T) {
		b := newCase11Cluster(t, false).binder(t)
		checks, cfgs := case11Checks(t, b, map[string]string{"allowWriteCapacityShortfall": "true"}, "6.1-scale-up-write")
		if !cfgs[0].IsDestructive() {
			t.Error("an allowed shortfall is not confirmed: the check must count as destructive")
		}
		got, p := refusal(t, checks[0])
		if got != "" {
			t.Fatalf("allowed shortfall refused: %s", got)
		}
		if len(p.Reports) == 0 || !strings.Contains(p.Reports[0], "7.1M series would land on 1 mimir-write-zone-a pod (limit 3M)") {
			t.Errorf("allowed shortfall not reported: %q", p.Reports)
		}
	})

	t.Run("unreadable pods are inconclusive", func(t *testing.T) {
		for name, spoil := range map[string]func(c *case11Cluster){
			"pod down":       func(c *case11Cluster) { c.down["ingester-zone-a-1"] = true },
			"metric missing": func(c *case11Cluster) { c.noMetric["ingester-zone-a-2"] = true },
		} {
			c := newCase11Cluster(t, false)
			spoil(c)
			checks, _ := case11Checks(t, c.binder(t), map[string]string{"mimirWriteReplicas": "9"}, "6.1-scale-up-write")
			got, _ := refusal(t, checks[0])
			if !strings.Contains(got, "zone-a: cannot tell the series the zone holds") || !strings.Contains(got, "ingester-zone-a-") {
				t.Errorf("%s: got %q, want a refusal naming the pod", name, got)
			}
		}
	})

	t.Run("7.2 refuses before shutting the zone down", func(t *testing.T) {
		b := newCase11Cluster(t, true).binder(t)
		for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
			checks, _ := case11Checks(t, b, defaults, "7.2-shutdown-ingester-"+z)
			if len(checks) != 1 {
				t.Fatalf("step 7.2 of %s has %d writeCapacity checks, want 1", z, len(checks))
			}
			got, _ := refusal(t, checks[0])
			t.Logf("%s refusal: %s", z, got)
			// The zone's series: its 3 ingesters and its mimir-write pod.
			want := z + ": 1 mimir-write-" + z + " pod would replace 3 of ingester-" + z + ", and 7.8M series would land on 1 mimir-write-" + z + " pod (limit 3M); set mimirWriteReplicas ≥ 9"
			if !strings.Contains(got, want) || !strings.Contains(got, "replicas of StatefulSet mimir-write-"+z) {
				t.Errorf("%s: got %q, want %q", z, got, want)
			}
		}
	})
}
