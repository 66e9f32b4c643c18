package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// builtinParams are the values given to plans whose parameters are required.
var builtinParams = map[string][]string{
	"ingester-zone-shutdown":   {"zone=zone-a", "tankaField=ingester_zone_a_statefulset"},
	"memberlist-cluster-label": {"label=test.mimir"},
}

// TestBuiltinPlansShowAsGolden renders every built-in plan with the real
// registry, as text and as JSON, against golden files: a change to a plan is
// a reviewed change to these files.
func TestBuiltinPlansShowAsGolden(t *testing.T) {
	f := NewFactory(IOStreams{}, plans.FS)
	names, err := f.BuiltinNames()
	if err != nil || len(names) < 6 {
		t.Fatalf("built-in plans: %v %v", names, err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			for _, format := range []string{"text", "json"} {
				var out, errOut bytes.Buffer
				f := NewFactory(IOStreams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")}, plans.FS)
				args := []string{"plans", "show", name, "-o", format}
				for _, p := range builtinParams[name] {
					args = append(args, "-p", p)
				}
				if err := Run(context.Background(), f, args); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, errOut.String())
				}
				golden.Assert(t, fmt.Sprintf("builtin-%s.%s.golden", name, format), out.Bytes())
			}
		})
	}
}

// TestPlansShowAsAHelmRunShowsIt: with --environment helm, plans show
// prints the gates with the parameters' Helm defaults and only the
// helmValues actions, as a run with --chart binds them; a Tanka-only plan
// is refused with its reason.
func TestPlansShowAsAHelmRunShowsIt(t *testing.T) {
	show := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		f := NewFactory(IOStreams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")}, plans.FS)
		err := Run(context.Background(), f, append([]string{"plans", "show"}, args...))
		return out.String(), err
	}
	out, err := show("ha-tracker-kv-to-memberlist", "--environment", "helm")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `HA tracker: pods matching "app.kubernetes.io/component=distributor"`) || strings.Contains(out, `"name=distributor"`) {
		t.Errorf("the gates do not select the chart's distributors:\n%s", out)
	}
	if !strings.Contains(out, "action helmValues") || strings.Contains(out, "action jsonnet") {
		t.Errorf("want the helmValues actions only:\n%s", out)
	}
	if _, err := show("read-write-to-microservices", "--environment", "helm"); err == nil || !strings.Contains(err.Error(), "never had it") {
		t.Errorf("a Tanka-only plan shown as a Helm run: %v, want the plan's reason", err)
	}
}

// TestBuiltinPlansVaryWithTheirParameters checks the parameters that change
// a plan's shape.
func TestBuiltinPlansVaryWithTheirParameters(t *testing.T) {
	load := func(name string, params map[string]string) *plan.Plan {
		t.Helper()
		p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), Params: params})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	two := load("microservices-to-read-write", map[string]string{"zones": "zone-a,zone-b", "readService": "gateway-read"})
	if two.Step("7.2-shutdown-ingester-zone-c") != nil || two.Step("7.2-shutdown-ingester-zone-b") == nil {
		t.Errorf("zones parameter not honoured")
	}
	if s := two.Step("3.3-route-reads"); s.Manual != nil || len(s.Actions) != 1 || s.Actions[0].Kind != "routeService" {
		t.Errorf("readService did not replace the manual step: %+v", s)
	}
	if s := load("microservices-to-read-write", nil).Step("3.3-route-reads"); s.Manual == nil {
		t.Error("without readService the step must be manual")
	}
	runtime := load("ring-kv-to-memberlist", map[string]string{"configMode": "runtime"})
	if k := runtime.Step("2-mirror").Actions[0].Kind; k != "multiKV" {
		t.Errorf("runtime mode uses %s", k)
	}
	if runtime.Step("1-enable-multi-kv").Manual == nil {
		t.Error("runtime mode must leave the rollout to the operator")
	}
	args := load("ha-tracker-kv-to-memberlist", map[string]string{"argsFields": "distributor_args,mimir_write_args"})
	spec := args.Step("3-switch-primary").Actions[0].Spec.(*envchange.JsonnetSpec)
	if spec.Hidden["mimir_write_args"]["distributor.ha-tracker.multi.primary"] != "memberlist" {
		t.Errorf("args mode: %+v", spec.Hidden)
	}
	// Grafana's library has no etcd ring store: jsonnet mode refuses it
	// and names the mode that works.
	if _, err := plan.Load(plans.FS, "ring-kv-to-memberlist", plan.LoadOptions{Registry: engine.Registry(), Params: map[string]string{"oldStore": "etcd"}}); err == nil || !strings.Contains(err.Error(), "configMode=runtime") {
		t.Errorf("ring plan with oldStore=etcd in jsonnet mode: err = %v, want a refusal naming configMode=runtime", err)
	}
	if _, err := plan.Load(plans.FS, "ring-kv-to-memberlist", plan.LoadOptions{Registry: engine.Registry(), Params: map[string]string{"oldStore": "etcd", "configMode": "runtime"}}); err != nil {
		t.Errorf("ring plan with oldStore=etcd in runtime mode: %v", err)
	}
	rw := load("read-write-to-microservices", map[string]string{"rulerRemoteEvaluation": "true", "ingesterReplicas": "3", "storeGatewayReplicas": "3"})
	if rw.Step("5.5-ruler-remote-evaluation-on") == nil || rw.Step("5.5-ruler-settings-back") != nil {
		t.Error("rulerRemoteEvaluation did not turn step 5.5 into turning remote evaluation on")
	}
	// By default the way back unpins what step 1 and the forward plan
	// pinned, so that an environment that evaluated rules remotely gets its
	// ruler query path back.
	back := load("read-write-to-microservices", map[string]string{"ingesterReplicas": "3", "storeGatewayReplicas": "3"}).Step("5.5-ruler-settings-back")
	if back == nil {
		t.Fatal("without rulerRemoteEvaluation the way back has no step 5.5-ruler-settings-back")
	}
	spec = back.Actions[0].Spec.(*envchange.JsonnetSpec)
	if len(spec.Config) != 0 || spec.Remove == nil || !slices.Equal(spec.Remove.Config, []string{"ruler_remote_evaluation_enabled", "autoscaling_ruler_querier_enabled"}) {
		t.Errorf("step 5.5-ruler-settings-back: %+v, want the removal of ruler_remote_evaluation_enabled and autoscaling_ruler_querier_enabled only", spec)
	}
}

// TestReadWritePlansTakeStoreGatewaysDownOneZoneAtATime: both read-write
// plans scale the store-gateways that go away (the microservice ones, or
// mimir-backend's) one zone per step, in the zones' order, each step gated
// on the ring and on a long-term query, as Mimir's "Scaling down
// store-gateways" asks; no step zeroes every zone at once.
func TestReadWritePlansTakeStoreGatewaysDownOneZoneAtATime(t *testing.T) {
	// The StatefulSet fields of the zones that go away, and the knob that
	// sizes all of them (which an earlier step may set to 0 while they do
	// not exist yet: the migration-mode steps).
	for name, gone := range map[string]struct{ prefix, all string }{
		"microservices-to-read-write": {"store_gateway_", "multi_zone_store_gateway_replicas"},
		"read-write-to-microservices": {"mimir_backend_", "mimir_backend_replicas"},
	} {
		for _, zones := range []string{"zone-a,zone-b,zone-c", "zone-c,zone-a"} {
			p := loadReadWritePlan(t, name, zones)
			var order []string
			for _, s := range p.Steps {
				var zeroed []string
				for _, a := range s.Actions {
					spec, ok := a.Spec.(*envchange.JsonnetSpec)
					if !ok {
						continue
					}
					if v, ok := spec.Config[gone.all]; ok && fmt.Sprint(v) == "0" {
						t.Errorf("%s step %s sets %s to 0: every zone at once", name, s.ID, gone.all)
					}
					for field, obj := range spec.Objects {
						o, _ := obj.(map[string]any)
						replicas, found, _ := unstructured.NestedFieldNoCopy(o, "spec", "replicas")
						if found && fmt.Sprint(replicas) == "0" && strings.HasPrefix(field, gone.prefix+"zone_") {
							zeroed = append(zeroed, strings.TrimSuffix(strings.TrimPrefix(field, gone.prefix), "_statefulset"))
						}
					}
				}
				if len(zeroed) == 0 {
					continue
				}
				if len(zeroed) > 1 {
					t.Errorf("%s step %s zeroes %v at once", name, s.ID, zeroed)
				}
				wantZoneGates(t, name, s)
				order = append(order, strings.ReplaceAll(zeroed[0], "_", "-"))
			}
			if got := strings.Join(order, ","); got != zones {
				t.Errorf("%s with zones %s scales the zones down in the order %q", name, zones, got)
			}
		}
	}
}

// The store-gateways that come in (mimir-backend's forward, the
// microservice ones back) join one zone per step: a joining store-gateway
// takes its blocks from the other kind in its zone before it loads them,
// so zones joining together left blocks without a loaded replica (the
// round trip's store-consistency failures, CI of 8db9ec4). The step that
// sizes them keeps every zone but the first at 0; each later zone comes
// back in a step of its own, gated on the ring and a long-term query.
func TestReadWritePlansBringStoreGatewaysUpOneZoneAtATime(t *testing.T) {
	for name, coming := range map[string]struct{ prefix, all string }{
		"microservices-to-read-write": {"mimir_backend_", "mimir_backend_replicas"},
		"read-write-to-microservices": {"store_gateway_", "multi_zone_store_gateway_replicas"},
	} {
		for _, zones := range []string{"zone-a,zone-b,zone-c", "zone-c,zone-a"} {
			p := loadReadWritePlan(t, name, zones)
			zoneOf := func(field string) string {
				if !strings.HasPrefix(field, coming.prefix+"zone_") {
					return ""
				}
				return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(field, coming.prefix), "_statefulset"), "_", "-")
			}
			sized, held := false, map[string]bool{}
			var order []string
			for _, s := range p.Steps {
				var up []string
				for _, a := range s.Actions {
					spec, ok := a.Spec.(*envchange.JsonnetSpec)
					if !ok {
						continue
					}
					if v, ok := spec.Config[coming.all]; ok && fmt.Sprint(v) != "0" {
						sized = true
						for field := range spec.Objects {
							if z := zoneOf(field); z != "" {
								held[z] = true
							}
						}
						for _, z := range strings.Split(zones, ",") {
							if !held[z] {
								up = append(up, z)
							}
						}
					}
					if spec.Remove != nil && sized {
						for _, field := range spec.Remove.Objects {
							if z := zoneOf(field); z != "" && held[z] {
								delete(held, z)
								up = append(up, z)
							}
						}
					}
				}
				if len(up) == 0 {
					continue
				}
				if len(up) > 1 {
					t.Errorf("%s step %s brings %v up at once", name, s.ID, up)
				}
				wantZoneGates(t, name, s)
				order = append(order, up...)
			}
			if got := strings.Join(order, ","); got != zones {
				t.Errorf("%s with zones %s brings the zones up in the order %q", name, zones, got)
			}
		}
	}
}

// wantZoneGates checks that a step moving store-gateways of one zone waits
// for the ring and a long-term query (storeQuery).
func wantZoneGates(t *testing.T, name string, s *plan.Step) {
	t.Helper()
	kinds := map[string]bool{}
	for _, g := range s.Gates {
		kinds[g.Kind] = true
	}
	if !kinds["ring"] || !kinds["storeQuery"] {
		t.Errorf("%s step %s: gates %v, want a ring gate and a long-term query (storeQuery)", name, s.ID, kinds)
	}
}

// loadReadWritePlan loads one of the two read-write plans with zones (a
// comma-separated list) and the way back's required replicas.
func loadReadWritePlan(t *testing.T, name, zones string) *plan.Plan {
	t.Helper()
	params := map[string]string{"zones": zones}
	if name == "read-write-to-microservices" {
		params["ingesterReplicas"], params["storeGatewayReplicas"] = "3", "3"
	}
	p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlansShowWorksWithoutRequiredParameters: `plans show` of a plan with
// required parameters and no -p shows every step, with the parameters
// unbound: "<required>" in the table and <name> where the steps use them.
func TestPlansShowWorksWithoutRequiredParameters(t *testing.T) {
	names, err := NewFactory(IOStreams{}, plans.FS).BuiltinNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			meta, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), MetadataOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{"text", "json"} {
				var out, errOut bytes.Buffer
				f := NewFactory(IOStreams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")}, plans.FS)
				if err := Run(context.Background(), f, []string{"plans", "show", name, "-o", format}); err != nil {
					t.Fatalf("plans show %s -o %s: %v\n%s", name, format, err, errOut.String())
				}
				for _, param := range required(meta) {
					if !shownUnbound(out.String(), param, format) {
						t.Errorf("-o %s does not show %s as unbound:\n%s", format, param, out.String())
					}
				}
			}
		})
	}
}

// shownUnbound reports whether a plan shown as format has param unbound:
// in the parameter table and used as <param> (text), or listed in unbound
// (json).
func shownUnbound(out, param, format string) bool {
	if format == "json" {
		var p struct{ Unbound []string }
		return json.Unmarshal([]byte(out), &p) == nil && strings.Contains(strings.Join(p.Unbound, " "), param)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), param+" ") && strings.Contains(line, "= <required>") {
			return strings.Contains(out, "<"+param+">")
		}
	}
	return false
}

// A read-write migration resumed after either write path is gone still
// finds a Mimir pod to read the version from: the version preflight of both
// directions selects the microservice write path and mimir-write alike
// (the way back, resumed inside its last zone shutdown, once found none).
func TestReadWritePlansFindAMimirPodWhicheverWritePathIsGone(t *testing.T) {
	for name, params := range map[string]map[string]string{
		"microservices-to-read-write": nil,
		"read-write-to-microservices": {"ingesterReplicas": "3", "storeGatewayReplicas": "3"},
	} {
		p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), Params: params})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, cfg := range p.Preflight {
			if cfg.Name != "mimir-2.x" {
				continue
			}
			found = true
			d := cfg.Spec.Describe()
			for _, w := range []string{"distributor", "ingester-zone-a", "ingester-zone-c", "mimir-write-zone-a", "mimir-write-zone-c"} {
				if !strings.Contains(d, w) {
					t.Errorf("%s: the version preflight does not select %s: %s", name, w, d)
				}
			}
		}
		if !found {
			t.Errorf("%s has no mimir-2.x preflight", name)
		}
	}
}

// TestBuiltinPromQLGatesSelectTheirNamespace: every selector of every PromQL
// gate of the built-in plans starts with namespace="$namespace" (see
// promgate.NamespaceVariable), so that a Prometheus scraping several Mimir
// clusters does not mix their traffic into a gate (an e2e scenario's
// query-frontend-idle gate counted another namespace's queries and never
// passed).
func TestBuiltinPromQLGatesSelectTheirNamespace(t *testing.T) {
	f := NewFactory(IOStreams{}, plans.FS)
	names, err := f.BuiltinNames()
	if err != nil {
		t.Fatal(err)
	}
	queries := 0
	for _, name := range names {
		var out, errOut bytes.Buffer
		f := NewFactory(IOStreams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")}, plans.FS)
		args := []string{"plans", "show", name, "-o", "json"}
		for _, p := range builtinParams[name] {
			args = append(args, "-p", p)
		}
		if err := Run(context.Background(), f, args); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		var shown struct {
			Steps []struct {
				ID    string `json:"id"`
				Gates []struct {
					Kind string `json:"kind"`
					Name string `json:"name"`
					Spec struct {
						Query string `json:"query"`
					} `json:"spec"`
				} `json:"gates"`
			} `json:"steps"`
		}
		if err := json.Unmarshal(out.Bytes(), &shown); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range shown.Steps {
			for _, g := range s.Gates {
				if g.Kind != "promql" {
					continue
				}
				queries++
				selectors := strings.Count(g.Spec.Query, "{")
				scoped := strings.Count(g.Spec.Query, `{namespace="$namespace", `)
				if selectors == 0 || scoped != selectors {
					t.Errorf("%s step %s gate %s: %d of %d selectors start with namespace=\"$namespace\": %s", name, s.ID, g.Name, scoped, selectors, g.Spec.Query)
				}
			}
		}
	}
	if queries == 0 {
		t.Fatal("no PromQL gate found in the built-in plans: the test reads the wrong shape")
	}
}
