//go:build conformance

package conformance

import (
	"context"
	"fmt"
	"slices"
	"testing"

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
			p, err := plan.Load(plans.FS, "memberlist-cluster-label", plan.LoadOptions{Registry: engine.Registry(),
				Params: map[string]string{"label": "prod-1.mimir"}, Environment: plan.EnvironmentHelm})
			if err != nil {
				t.Fatal(err)
			}
			if p, err = p.ForEnvironment(plan.EnvironmentHelm); err != nil {
				t.Fatal(err)
			}
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
