package mimirctl

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

func TestBindOptionsRecordRoundTrip(t *testing.T) {
	in := BindOptions{Env: "/envs/prod", ApplyMode: "external", DeletePVCs: true, Prometheus: promgate.Connection{
		URL: "https://mimir.example/prometheus", Tenant: "ops", BearerTokenFile: "/secrets/token",
		InsecureSkipVerify: true, Timeout: duration.Duration(45e9),
	}}
	rec := in.Record()
	if rec["env"] != "/envs/prod" || rec["prometheus-timeout"] != "45s" || rec["prometheus-insecure-skip-verify"] != "true" {
		t.Fatalf("record %v", rec)
	}
	var out BindOptions
	if err := out.FillFromRecord(rec, nil); err != nil {
		t.Fatal(err)
	}
	// Only what is recorded comes back: DeletePVCs is asked for on every run.
	want := in
	want.DeletePVCs = false
	if !reflect.DeepEqual(out, want) {
		t.Errorf("filled %+v, want %+v", out, want)
	}

	// A Helm release comes back whole, its values files in order.
	helm := BindOptions{ApplyMode: "direct", Helm: HelmOptions{Chart: "/charts/mimir-distributed", Release: "mimir", Values: []string{"/v/base.yaml", "/v/mimirctl-values.yaml"}}}
	var back BindOptions
	if err := back.FillFromRecord(helm.Record(), nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, helm) {
		t.Errorf("filled %+v, want %+v", back, helm)
	}

	given := BindOptions{ApplyMode: "direct", Prometheus: promgate.Connection{Tenant: "other"}}
	if err := given.FillFromRecord(rec, func(flag string) bool { return flag == "apply-mode" || flag == "prometheus-tenant" }); err != nil {
		t.Fatal(err)
	}
	if given.ApplyMode != "direct" || given.Prometheus.Tenant != "other" || given.Env != "/envs/prod" {
		t.Errorf("given options were overwritten or others not filled: %+v", given)
	}
	if err := (&BindOptions{}).FillFromRecord(map[string]string{"prometheus-timeout": "soon"}, nil); err == nil || !strings.Contains(err.Error(), "prometheus-timeout") {
		t.Errorf("bad recorded timeout: error %v", err)
	}
}

func TestBindOptionsValidate(t *testing.T) {
	b := BindOptions{ApplyMode: "manual"}
	if err := b.Validate(); err == nil || !strings.Contains(err.Error(), `--apply-mode "manual"`) {
		t.Errorf("apply mode: error %v", err)
	}
	b = BindOptions{ApplyMode: "direct", Env: "envs/prod"}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Env, "/") || !strings.HasSuffix(b.Env, "/envs/prod") {
		t.Errorf("env %q, want it absolute", b.Env)
	}
}

func TestPlanRef(t *testing.T) {
	tg := &Target{BuiltinPlans: fstest.MapFS{
		"ingester-zone-shutdown/plan.yaml":   {Data: []byte("name: x\n")},
		"ring-kv-to-memberlist/plan.jsonnet": {Data: []byte("{}")},
		"lib/util.libsonnet":                 {Data: []byte("{}")},
	}}
	names, err := tg.BuiltinNames()
	if err != nil || strings.Join(names, ",") != "ingester-zone-shutdown,ring-kv-to-memberlist" {
		t.Fatalf("names %v, %v; want the two plan directories", names, err)
	}
	if _, dir, source, err := tg.PlanRef("ring-kv-to-memberlist"); err != nil || dir != "ring-kv-to-memberlist" || source != dir {
		t.Errorf("built-in: %q %q %v", dir, source, err)
	}
	if _, _, _, err := tg.PlanRef("ingester-zone"); err == nil || !strings.Contains(err.Error(), `did you mean "ingester-zone-shutdown"?`) {
		t.Errorf("unknown name: error %v, want a suggestion", err)
	}
	if _, _, _, err := tg.PlanRef("./no-such-dir"); err == nil || !strings.Contains(err.Error(), "plan directory ./no-such-dir: not found") {
		t.Errorf("missing directory: error %v", err)
	}
	if _, err := tg.ReloadPlan("/no/such/plan", nil, ""); err == nil || !strings.Contains(err.Error(), "moved or deleted") {
		t.Errorf("reload of a moved plan: error %v", err)
	}
}

func TestUndoHints(t *testing.T) {
	tg := &Target{BuiltinPlans: fstest.MapFS{}, Registry: plan.NewRegistry}
	st := &plan.State{Plan: "gone", PlanSource: "/no/such/plan", Steps: []*plan.StepState{
		{ID: "a", Status: plan.StepDone}, {ID: "b", Status: plan.StepFailed}, {ID: "c", Status: plan.StepPending},
	}}
	hints, err := UndoHints(tg, st)
	if err == nil {
		t.Error("no error for a plan that cannot be reloaded")
	}
	if len(hints) != 2 || hints[0].Step != "b" || hints[1].Step != "a" || hints[0].Undo != "" {
		t.Errorf("hints %+v, want b then a (started steps, newest first) without texts", hints)
	}
}

// TestDefaultBindOptions: the defaults are a valid run of the CLI's
// defaults, and Validate keeps them.
func TestDefaultBindOptions(t *testing.T) {
	b := DefaultBindOptions()
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b, BindOptions{ApplyMode: "direct", RolloutTimeout: 30 * time.Minute, ExternalTimeout: 2 * time.Hour}) {
		t.Errorf("defaults %+v", b)
	}
}

// The metadata of plans is read without decoding their steps: a step of an
// unknown kind, or a required parameter not given, does not stop it.
func TestPlanMetadata(t *testing.T) {
	tg := &Target{Registry: plan.NewRegistry, BuiltinPlans: fstest.MapFS{
		"b-plan/plan.yaml": {Data: []byte("name: b-plan\ndescription: B.\nmimirVersions: \">=2.10.0\"\n" +
			"parameters:\n  - {name: zone, type: string, description: the zone}\n")},
		"b-plan/steps/01.yaml": {Data: []byte("id: one\ntitle: One\nactions:\n  - no-such-kind: {}\n")},
		"a-plan/plan.yaml":     {Data: []byte("name: a-plan\ndescription: A.\n")},
	}}
	ps, err := tg.BuiltinPlansMetadata()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%s %q %q %d params %d steps", p.Source, p.Description, p.MimirVersions, len(p.Parameters), len(p.Steps)))
	}
	if want := `a-plan "A." "" 0 params 0 steps|b-plan "B." ">=2.10.0" 1 params 0 steps`; strings.Join(got, "|") != want {
		t.Errorf("built-in metadata:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	p, err := tg.PlanMetadata("b-plan")
	if err != nil || p.Name != "b-plan" || len(p.Parameters) != 1 || p.Parameters[0].Name != "zone" {
		t.Errorf("PlanMetadata(b-plan) = %+v, %v", p, err)
	}
	if _, err := tg.PlanMetadata("c-plan"); err == nil || !strings.Contains(err.Error(), `no built-in plan "c-plan"`) {
		t.Errorf("unknown plan: error %v", err)
	}

	tg.BuiltinPlans.(fstest.MapFS)["c-plan/plan.yaml"] = &fstest.MapFile{Data: []byte("name: [\n")}
	if ps, err := tg.BuiltinPlansMetadata(); err == nil || ps != nil || !strings.HasPrefix(err.Error(), "built-in plan c-plan: ") {
		t.Errorf("a broken plan: %d plans, error %v; want no list and the plan named", len(ps), err)
	}
}

// A plan whose step files differ by kind of environment reloads, for
// resume, as it was loaded for the run: the recorded options give the
// kind, and the digest matches the run's.
func TestReloadPlanForTheRecordedEnvironment(t *testing.T) {
	tg := &Target{BuiltinPlans: fstest.MapFS{
		"p/plan.yaml":       {Data: []byte("name: p\ndescription: d\nenvironments: [tanka, helm]\n")},
		"p/steps/a.jsonnet": {Data: []byte("{id: 'a', title: if std.extVar('mimirctl.environment') == 'helm' then 'on helm' else 'on tanka', wait: {duration: '1s'}}")},
	}, Registry: plan.NewRegistry}
	bind := BindOptions{}
	bind.Helm.Chart, bind.Helm.Release = "/charts/mimir-distributed", "mimir"
	run, err := tg.loadForRun("p", nil, bind)
	if err != nil {
		t.Fatal(err)
	}
	kind := RecordedEnvironmentKind(bind.Record())
	if kind != plan.EnvironmentHelm {
		t.Fatalf("RecordedEnvironmentKind = %q, want helm", kind)
	}
	again, err := tg.ReloadPlan("p", run.Values, kind)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest() != run.Digest() || again.Steps[0].Title != "on helm" {
		t.Errorf("reloaded for %s: digest %s, title %q; the run's: %s", kind, again.Digest(), again.Steps[0].Title, run.Digest())
	}
	if tanka, _ := tg.ReloadPlan("p", run.Values, plan.EnvironmentTanka); tanka.Digest() == run.Digest() {
		t.Error("the plan reloaded for Tanka has the Helm run's digest: the test cannot tell the kinds apart")
	}
}

// A plan of one's own names its files in errors as the argument does
// (Load sees them relative to the plan directory's parent).
func TestErrorsOfAPlanOfOnesOwnNameItsFilesAsTheArgumentDoes(t *testing.T) {
	root := t.TempDir()
	steps := filepath.Join(root, "plans", "mine", "steps")
	if err := os.MkdirAll(steps, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "plans", "mine", "plan.yaml"), []byte("name: mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(steps, "a.yaml"), []byte("id: a\ntitle: A\nwiat: {duration: 1m}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	tg := &Target{BuiltinPlans: fstest.MapFS{}, Registry: plan.NewRegistry}
	for arg, want := range map[string]string{
		"./plans/mine":                                "plans/mine/steps/a.yaml:3",
		"plans/mine/":                                 "plans/mine/steps/a.yaml:3",
		filepath.Join(root, "plans", "mine"):          filepath.Join(root, "plans", "mine", "steps", "a.yaml") + ":3",
		filepath.Join("plans", "..", "plans", "mine"): "plans/mine/steps/a.yaml:3",
	} {
		_, err := tg.LoadPlan(arg, nil)
		if err == nil || !strings.Contains(err.Error(), "  "+want+": ") {
			t.Errorf("%s: error %v, want it to name %s", arg, err, want)
		}
	}
}
