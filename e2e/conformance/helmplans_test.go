//go:build conformance

package conformance

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// TestMemberlistClusterLabelPlanOnGrafanasChart runs the Helm flavour of
// memberlist-cluster-label against Grafana's mimir-distributed chart of
// each module: after each step, the values the plan has written so far
// render a Mimir configuration (the chart's mimir.yaml) with the
// memberlist settings the step is about, and the plan's default selector
// of memberlist members on Helm selects exactly the pod templates that
// open the chart's memberlist port, so that the gates see every member
// and nothing else.
func TestMemberlistClusterLabelPlanOnGrafanasChart(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			_, _, chartDir := grafanaChart(t, v)
			p := loadHelmPlan(t, "memberlist-cluster-label", map[string]string{"label": "prod-1.mimir"})
			selector, err := labels.Parse(p.Values["memberPods"].(string))
			if err != nil {
				t.Fatal(err)
			}
			env := helmenv.Environment{Chart: chartDir, Release: "mimir", Namespace: "mimir"}
			want := []string{
				"cluster_label: <none>, cluster_label_verification_disabled: true",
				"cluster_label: prod-1.mimir, cluster_label_verification_disabled: true",
				"cluster_label: prod-1.mimir, cluster_label_verification_disabled: <none>",
			}
			var values map[string]any
			for i, s := range p.Steps {
				for _, a := range s.Actions {
					if hs, ok := a.Spec.(*envchange.HelmValuesSpec); ok {
						values = hs.ApplyTo(values)
					}
				}
				out, err := env.Render(context.Background(), values, helmenv.Capabilities{})
				if err != nil {
					t.Fatalf("step %s: %v", s.ID, err)
				}
				if got := memberlistSettings(t, out.Objects); got != want[i] {
					t.Errorf("step %s: the chart's mimir.yaml has %s, want %s", s.ID, got, want[i])
				}
				members, selected := podTemplates(out.Objects, selector)
				if len(members) == 0 || !slices.Equal(members, selected) {
					t.Errorf("step %s: pod templates with a memberlist port %v, selected by %s %v: want the same, not empty", s.ID, members, selector, selected)
				}
			}
		})
	}
}

// loadHelmPlan loads the built-in plan name as a run on a Helm release
// loads it: the parameters' Helm defaults, only the helmValues actions.
func loadHelmPlan(t *testing.T, name string, params map[string]string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), Params: params, Environment: plan.EnvironmentHelm})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = p.ForEnvironment(plan.EnvironmentHelm); err != nil {
		t.Fatal(err)
	}
	return p
}

// memberlistSettings describes the memberlist cluster label settings of
// the chart's Mimir configuration (the mimir.yaml of its config
// ConfigMap).
func memberlistSettings(t *testing.T, objs []*unstructured.Unstructured) string {
	t.Helper()
	for _, o := range objs {
		raw, ok, _ := unstructured.NestedString(o.Object, "data", "mimir.yaml")
		if !ok || o.GetKind() != "ConfigMap" {
			continue
		}
		var cfg struct {
			Memberlist map[string]any `json:"memberlist"`
		}
		if err := yaml.Unmarshal([]byte(raw), &cfg); err != nil {
			t.Fatalf("%s: %v", o.GetName(), err)
		}
		show := func(k string) string {
			if v, ok := cfg.Memberlist[k]; ok {
				return fmt.Sprint(v)
			}
			return "<none>"
		}
		return "cluster_label: " + show("cluster_label") + ", cluster_label_verification_disabled: " + show("cluster_label_verification_disabled")
	}
	t.Fatal("no ConfigMap with mimir.yaml rendered")
	return ""
}

// podTemplates lists the workloads whose pod template opens a container
// port named memberlist (the chart's gossip port), and those whose pod
// template labels selector matches.
func podTemplates(objs []*unstructured.Unstructured, selector labels.Selector) (members, selected []string) {
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment", "StatefulSet":
		default:
			continue
		}
		name := o.GetKind() + "/" + o.GetName()
		podLabels, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
		if selector.Matches(labels.Set(podLabels)) {
			selected = append(selected, name)
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			ports, _, _ := unstructured.NestedSlice(c.(map[string]any), "ports")
			if slices.ContainsFunc(ports, func(p any) bool { return p.(map[string]any)["name"] == "memberlist" }) {
				members = append(members, name)
				break
			}
		}
	}
	return members, selected
}

// TestIngesterZoneShutdownSelectsTheChartsPods checks the Helm defaults of
// ingester-zone-shutdown's pod selectors against Grafana's chart of each
// module rendered with its own defaults as release "mimir": each selects
// exactly the workloads of the components it names (by the chart's
// object names, not its labels), and the StatefulSet the plan is told to
// shut down exists. Grafana's jsonnet names pods with a `name` label the
// chart's non-zone pods do not have, so the Tanka defaults select none of
// them.
func TestIngesterZoneShutdownSelectsTheChartsPods(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			_, _, chartDir := grafanaChart(t, v)
			p, err := plan.Load(plans.FS, "ingester-zone-shutdown", plan.LoadOptions{Registry: engine.Registry(),
				Params: map[string]string{"zone": "zone-a", "statefulSet": "mimir-ingester-zone-a"}, Environment: plan.EnvironmentHelm})
			if err != nil {
				t.Fatal(err)
			}
			env := helmenv.Environment{Chart: chartDir, Release: "mimir", Namespace: "mimir"}
			out, err := env.Render(context.Background(), nil, helmenv.Capabilities{})
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, o := range out.Objects {
				names[o.GetKind()+"/"+o.GetName()] = true
			}
			if !names["StatefulSet/mimir-ingester-zone-a"] {
				t.Fatalf("the chart renders no StatefulSet mimir-ingester-zone-a")
			}
			for param, prefixes := range map[string][]string{
				"ringPods":         {"mimir-distributor", "mimir-ingester"},
				"querierPods":      {"mimir-querier"},
				"rulerPods":        {"mimir-ruler"},
				"storeGatewayPods": {"mimir-store-gateway"},
				"compactorPods":    {"mimir-compactor"},
			} {
				selector, err := labels.Parse(p.Values[param].(string))
				if err != nil {
					t.Fatal(err)
				}
				_, selected := podTemplates(out.Objects, selector)
				var want []string
				for _, o := range out.Objects {
					if k := o.GetKind(); k != "Deployment" && k != "StatefulSet" {
						continue
					}
					for _, pre := range prefixes {
						if o.GetName() == pre || strings.HasPrefix(o.GetName(), pre+"-zone-") {
							want = append(want, o.GetKind()+"/"+o.GetName())
						}
					}
				}
				if len(want) == 0 || !slices.Equal(selected, want) {
					t.Errorf("%s=%s selects %v, want %v", param, selector, selected, want)
				}
			}
		})
	}
}

// TestHATrackerPlanOnGrafanasChart runs the Helm flavour of
// ha-tracker-kv-to-memberlist against Grafana's chart of each module
// (release mimir): after each step the chart's distributor Deployment runs
// the step's HA-tracker flags, each once and after the chart's own
// arguments, and nothing else the chart renders differs from the step
// before, so that only the distributors roll (a change of the chart's
// Mimir configuration would roll every component). The plan's default
// selector of distributors on Helm selects exactly that Deployment's pods.
func TestHATrackerPlanOnGrafanasChart(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			_, _, chartDir := grafanaChart(t, v)
			p := loadHelmPlan(t, "ha-tracker-kv-to-memberlist", map[string]string{"oldStore": "consul"})
			selector, err := labels.Parse(p.Values["distributorPods"].(string))
			if err != nil {
				t.Fatal(err)
			}
			const distributor = "Deployment/mimir-distributor"
			env := helmenv.Environment{Chart: chartDir, Release: "mimir", Namespace: "mimir"}
			render := func(values map[string]any) map[string]*unstructured.Unstructured {
				t.Helper()
				out, err := env.Render(context.Background(), values, helmenv.Capabilities{})
				if err != nil {
					t.Fatal(err)
				}
				if _, selected := podTemplates(out.Objects, selector); !slices.Equal(selected, []string{distributor}) {
					t.Errorf("distributorPods=%s selects %v, want [%s]", selector, selected, distributor)
				}
				byName := map[string]*unstructured.Unstructured{}
				for _, o := range out.Objects {
					byName[o.GetKind()+"/"+o.GetName()] = o
				}
				return byName
			}
			before := render(nil)
			chartArgs := firstContainerArgs(t, before[distributor])
			want := []string{
				"-distributor.ha-tracker.multi.mirror-enabled=false -distributor.ha-tracker.multi.primary=consul -distributor.ha-tracker.multi.secondary=memberlist -distributor.ha-tracker.store=multi",
				"-distributor.ha-tracker.multi.mirror-enabled=true -distributor.ha-tracker.multi.primary=consul -distributor.ha-tracker.multi.secondary=memberlist -distributor.ha-tracker.store=multi",
				"-distributor.ha-tracker.multi.mirror-enabled=true -distributor.ha-tracker.multi.primary=memberlist -distributor.ha-tracker.multi.secondary=consul -distributor.ha-tracker.store=multi",
				"-distributor.ha-tracker.multi.mirror-enabled=false -distributor.ha-tracker.multi.primary=memberlist -distributor.ha-tracker.multi.secondary=consul -distributor.ha-tracker.store=multi",
				"-distributor.ha-tracker.multi.mirror-enabled=false -distributor.ha-tracker.multi.primary=memberlist -distributor.ha-tracker.multi.secondary=consul -distributor.ha-tracker.store=memberlist",
			}
			if len(p.Steps) != len(want) {
				t.Fatalf("%d steps, want %d", len(p.Steps), len(want))
			}
			var values map[string]any
			for i, s := range p.Steps {
				for _, a := range s.Actions {
					if hs, ok := a.Spec.(*envchange.HelmValuesSpec); ok {
						values = hs.ApplyTo(values)
					}
				}
				after := render(values)
				args := firstContainerArgs(t, after[distributor])
				if !slices.Equal(args[:min(len(chartArgs), len(args))], chartArgs) {
					t.Errorf("step %s: the distributor's arguments %v do not start with the chart's own %v", s.ID, args, chartArgs)
				}
				if got := strings.Join(args[min(len(chartArgs), len(args)):], " "); got != want[i] {
					t.Errorf("step %s: the distributor's added arguments are %q, want %q", s.ID, got, want[i])
				}
				for _, name := range slices.Sorted(maps.Keys(after)) {
					if name == distributor {
						continue
					}
					if b, ok := before[name]; !ok || !equality.Semantic.DeepEqual(b.Object, after[name].Object) {
						t.Errorf("step %s changes %s, not only the distributors", s.ID, name)
					}
				}
				if len(after) != len(before) {
					t.Errorf("step %s: %d objects rendered, %d before", s.ID, len(after), len(before))
				}
				before = after
			}
		})
	}
}

// firstContainerArgs is the args of the first container of o's pod template.
func firstContainerArgs(t *testing.T, o *unstructured.Unstructured) []string {
	t.Helper()
	if o == nil {
		t.Fatal("the chart renders no such workload")
	}
	containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		t.Fatalf("%s has no containers", o.GetName())
	}
	args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	return args
}
