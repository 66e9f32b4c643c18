//go:build conformance

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
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

// consulRingValues are the values of a Helm user whose rings run Consul:
// each ring of ring-kv-to-memberlist's default rings parameter on store
// consul in mimir.structuredConfig, as the chart (whose rings default to
// memberlist) needs.
func consulRingValues(t *testing.T, rings []string) string {
	t.Helper()
	structured := map[string]any{}
	for _, r := range rings {
		kv := map[string]any{"store": "consul", "consul": map[string]any{"host": "consul.mimir.svc.cluster.local:8500"}}
		if err := unstructured.SetNestedField(structured, kv, append(strings.Split(r, "."), "kvstore")...); err != nil {
			t.Fatal(err)
		}
	}
	b, err := yaml.Marshal(map[string]any{"mimir": map[string]any{"structuredConfig": structured}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "consul-rings.yaml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestRingKVPlanOnGrafanasChart runs the Helm flavour of
// ring-kv-to-memberlist against Grafana's chart of each module (release
// mimir), for a user whose values put the default rings on Consul. Before
// the plan, step 1's requireRingStores finds exactly its rings on consul in
// the chart's mimir.yaml (and refuses the chart's defaults, where they run
// memberlist), accepts the chart's own container arguments and refuses a
// ring's store given as extraArgs, which would override the step. After each step, the KV clients of that mimir.yaml with the
// chart's runtime.yaml are the step's (the multi store with the stage's
// primary and mirroring, then memberlist alone), every other KV client is
// as before, and a real Mimir of the chart's version accepts the
// mimir.yaml (`mimir -config.file ... -modules` parses and validates the
// whole configuration). Steps 2 to 4 and 6 change nothing but the runtime
// ConfigMap, which no pod template's checksum covers, so no pod rolls.
func TestRingKVPlanOnGrafanasChart(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			mod, _, chartDir := grafanaChart(t, v)
			defaults := kvStoreDefaults(t, mod)
			p := loadHelmPlan(t, "ring-kv-to-memberlist", map[string]string{"oldStore": "consul"})
			rings := anyStrings(p.Values["rings"])
			mimirBin := mimirBinaryFor(t, v)
			env := helmenv.Environment{Chart: chartDir, Release: "mimir", Namespace: "mimir", ValuesFiles: []string{consulRingValues(t, rings)}}
			type rendered struct {
				objects map[string]*unstructured.Unstructured
				clients map[string]kvmigrate.Client
				runtime string
			}
			render := func(env helmenv.Environment, values map[string]any) rendered {
				t.Helper()
				out, err := env.Render(context.Background(), values, helmenv.Capabilities{})
				if err != nil {
					t.Fatal(err)
				}
				r := rendered{objects: map[string]*unstructured.Unstructured{}, clients: map[string]kvmigrate.Client{}}
				var config, runtime mimirapi.Document
				config = withDefaults(t, defaults, "")
				for _, o := range out.Objects {
					r.objects[o.GetKind()+"/"+o.GetName()] = o
					if o.GetKind() != "ConfigMap" {
						continue
					}
					if s, ok, _ := unstructured.NestedString(o.Object, "data", "mimir.yaml"); ok {
						validateMimirConfig(t, mimirBin, s, out.Objects)
						config = withDefaults(t, defaults, s)
					}
					if s, ok, _ := unstructured.NestedString(o.Object, "data", "runtime.yaml"); ok {
						r.runtime = s
						if runtime, err = mimirapi.ParseDocument([]byte(s)); err != nil {
							t.Fatal(err)
						}
					}
				}
				clients, err := kvmigrate.Clients(config, runtime)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range clients {
					r.clients[c.Path] = c
				}
				return r
			}
			guard := stepActions(t, p.Steps[0])[0].RequireRingStores
			if guard == nil {
				t.Fatal("step 1's helmValues action has no requireRingStores")
			}
			chartDefaults := render(helmenv.Environment{Chart: chartDir, Release: "mimir", Namespace: "mimir"}, nil)
			if problems := guard.Problems(slices.Collect(maps.Values(chartDefaults.clients))); len(problems) != len(rings) {
				t.Errorf("requireRingStores on the chart's defaults (rings on memberlist): %q, want one refusal per ring", problems)
			}
			before := render(env, nil)
			if problems := guard.Problems(slices.Collect(maps.Values(before.clients))); len(problems) > 0 {
				t.Errorf("requireRingStores refuses a chart whose values put exactly its rings on consul: %q", problems)
			}
			if err := guard.CheckRendered(slices.Collect(maps.Values(before.objects))); err != nil {
				t.Errorf("requireRingStores refuses the chart's own arguments: %v", err)
			}
			flagged := render(env, map[string]any{"ingester": map[string]any{"extraArgs": map[string]any{"ingester.ring.store": "consul"}}})
			if err := guard.CheckRendered(slices.Collect(maps.Values(flagged.objects))); err == nil || !strings.Contains(err.Error(), "-ingester.ring.store=consul") {
				t.Errorf("the ingester ring's store as ingester.extraArgs: %v, want it refused", err)
			}
			multi := func(primary kvmigrate.Store, mirror bool) kvmigrate.Client {
				secondary := kvmigrate.Memberlist
				if primary == secondary {
					secondary = kvmigrate.Consul
				}
				return kvmigrate.Client{Store: kvmigrate.Multi, Multi: kvmigrate.MultiKV{Primary: primary, Secondary: secondary, Mirror: mirror}}
			}
			want := []kvmigrate.Client{
				multi(kvmigrate.Consul, false), multi(kvmigrate.Consul, true), multi(kvmigrate.Memberlist, true), multi(kvmigrate.Memberlist, false),
				{Store: kvmigrate.Memberlist}, {Store: kvmigrate.Memberlist},
			}
			rolls := []bool{true, false, false, false, true, false}
			if len(p.Steps) != len(want) {
				t.Fatalf("%d steps, want %d", len(p.Steps), len(want))
			}
			var values map[string]any
			for i, s := range p.Steps {
				for _, hs := range stepActions(t, s) {
					values = hs.ApplyTo(values)
				}
				after := render(env, values)
				for path, c := range after.clients {
					w := before.clients[path]
					if slices.Contains(rings, path) {
						w = want[i]
					}
					if c.Store != w.Store || c.Multi != w.Multi {
						t.Errorf("step %s: %s runs %s %v, want %s %v", s.ID, path, c.Store, c.Multi, w.Store, w.Multi)
					}
				}
				if inRuntime := strings.Contains(after.runtime, "multi_kv_config"); inRuntime != (i >= 1 && i <= 4) {
					t.Errorf("step %s: runtime.yaml holds multi_kv_config: %v\n%s", s.ID, inRuntime, after.runtime)
				}
				var changed []string
				for _, name := range slices.Sorted(maps.Keys(after.objects)) {
					if b, ok := before.objects[name]; !ok || !equality.Semantic.DeepEqual(b.Object, after.objects[name].Object) {
						changed = append(changed, name)
					}
				}
				rolled := slices.ContainsFunc(changed, func(n string) bool {
					return strings.HasPrefix(n, "Deployment/") || strings.HasPrefix(n, "StatefulSet/")
				})
				switch {
				case rolls[i] && (!rolled || !slices.Contains(changed, "ConfigMap/mimir-config")):
					t.Errorf("step %s changes %v, want the Mimir configuration and the pod templates (a rollout)", s.ID, changed)
				case !rolls[i] && !slices.Equal(changed, []string{"ConfigMap/mimir-runtime"}):
					t.Errorf("step %s changes %v, want only ConfigMap/mimir-runtime (no rollout)", s.ID, changed)
				}
				before = after
			}
		})
	}
}

// kvStoreDefaults is a Mimir configuration that sets every KV client of
// the module's Mimir to its default store (kvstore.store of each kvstore
// block in cmd/mimir/config-descriptor.json, which Grafana generates from
// Mimir's flags): what a pod's /config shows for the rings a configuration
// file leaves out.
func kvStoreDefaults(t *testing.T, mod string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mod, "cmd", "mimir", "config-descriptor.json"))
	if err != nil {
		t.Fatal(err)
	}
	type block struct {
		Kind         string  `json:"kind"`
		Name         string  `json:"name"`
		Default      any     `json:"fieldDefaultValue"`
		BlockEntries []block `json:"blockEntries"`
	}
	var root block
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{}
	var walk func(b block, path []string)
	walk = func(b block, path []string) {
		if b.Kind != "block" {
			return
		}
		if b.Name != "" {
			path = append(slices.Clone(path), b.Name)
		}
		for _, e := range b.BlockEntries {
			if b.Name == "kvstore" && e.Name == "store" {
				if err := unstructured.SetNestedField(doc, e.Default, append(slices.Clone(path), "store")...); err != nil {
					t.Fatal(err)
				}
			}
			walk(e, path)
		}
	}
	walk(root, nil)
	return doc
}

// withDefaults is the configuration file config over defaults (maps key
// by key, anything else replaces, as Mimir applies a file over its flags'
// defaults; Helm's loader.MergeMaps merges that way).
func withDefaults(t *testing.T, defaults map[string]any, config string) mimirapi.Document {
	t.Helper()
	var base, file map[string]any
	b, err := json.Marshal(defaults)
	if err == nil {
		err = yaml.Unmarshal(b, &base)
	}
	if err == nil {
		err = yaml.Unmarshal([]byte(config), &file)
	}
	if err != nil {
		t.Fatal(err)
	}
	base = loader.MergeMaps(base, file)
	out, err := yaml.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mimirapi.ParseDocument(out)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// stepActions are the helmValues actions of s.
func stepActions(t *testing.T, s *plan.Step) []*envchange.HelmValuesSpec {
	t.Helper()
	var out []*envchange.HelmValuesSpec
	for _, a := range s.Actions {
		if hs, ok := a.Spec.(*envchange.HelmValuesSpec); ok {
			out = append(out, hs)
		}
	}
	if len(out) == 0 {
		t.Fatalf("step %s has no helmValues action", s.ID)
	}
	return out
}

// anyStrings is a list parameter's value as strings.
func anyStrings(v any) []string {
	var out []string
	switch l := v.(type) {
	case []string:
		out = l
	case []any:
		for _, e := range l {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

// mimirBinaries are the Mimir releases e2e/local/tools/build.sh builds,
// by the chart they judge: the release of the same module where there is
// one; the 2025-05 weekly chart (r339, the way to Mimir 2.17) is judged by
// 2.16.0, the newest 2.x release the local cluster builds.
var mimirBinaries = map[string]string{"2.9": "mimir2", "2.x-2025-05": "mimir216", "3.x": "mimir3"}

// mimirBinaryFor is the Mimir binary that judges v's configuration:
// MIMIRCTL_TEST_MIMIR_BIN_DIR (default e2e/local/bin) holds it. Without
// it the test says so and goes on unjudged, unless CI=true.
func mimirBinaryFor(t *testing.T, v mimirVersion) string {
	t.Helper()
	dir := os.Getenv("MIMIRCTL_TEST_MIMIR_BIN_DIR")
	if dir == "" {
		dir = filepath.Join("..", "local", "bin")
	}
	bin, err := filepath.Abs(filepath.Join(dir, mimirBinaries[v.Name]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil || mimirBinaries[v.Name] == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Mimir binary to judge the %s chart's configuration (%s): run e2e/local/tools/build.sh", v.Name, bin)
		}
		t.Logf("no Mimir binary for the %s chart (%s): its configurations are not judged by Mimir; run e2e/local/tools/build.sh", v.Name, bin)
		return ""
	}
	return bin
}

// validateMimirConfig has Mimir load config as its -config.file and
// validate it, once for each -target the workloads in objs run (-modules
// prints the targets after both, and exits; what Mimir validates depends
// on the target); a field that this Mimir does not have, or a value it
// refuses, fails the test with Mimir's words. bin "" skips it.
func validateMimirConfig(t *testing.T, bin, config string, objs []*unstructured.Unstructured) {
	t.Helper()
	if bin == "" {
		return
	}
	file := filepath.Join(t.TempDir(), "mimir.yaml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, o := range objs {
		if k := o.GetKind(); k != "Deployment" && k != "StatefulSet" {
			continue
		}
		for _, a := range firstContainerArgs(t, o) {
			if target, ok := strings.CutPrefix(a, "-target="); ok {
				targets[target] = true
			}
		}
	}
	if len(targets) == 0 {
		t.Fatal("no workload of the chart runs Mimir with -target")
	}
	for _, target := range slices.Sorted(maps.Keys(targets)) {
		if out, err := exec.Command(bin, "-config.file="+file, "-target="+target, "-modules").CombinedOutput(); err != nil {
			t.Fatalf("%s -target=%s refuses the chart's mimir.yaml: %v\n%s", filepath.Base(bin), target, err, out)
		}
	}
}
