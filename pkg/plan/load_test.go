package plan_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

func loadGood(t *testing.T, params map[string]string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(os.DirFS("testdata/plans"), "good", plan.LoadOptions{Registry: plantest.NewRegistry(), Params: params})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func TestLoadReadsYAMLAndJsonnetStepsInOrder(t *testing.T) {
	p := loadGood(t, nil)
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, ","), "1-first,2-shutdown-zone-a,2-shutdown-zone-b"; got != want {
		t.Fatalf("step ids = %s, want %s", got, want)
	}
	first := p.Steps[0]
	if first.Title != "First step in mimir" {
		t.Errorf("title = %q: ${namespace} not substituted", first.Title)
	}
	if v := first.Actions[0].Spec.(*plantest.SetSpec).Value; v != "3" {
		t.Errorf("set value = %q, want 3", v)
	}
	if r := first.Actions[1].Spec.(*plantest.SetSpec).Replicas; r != 3 {
		t.Errorf("typed substitution: replicas = %d, want 3", r)
	}
	if first.Actions[1].Label() != "widen" {
		t.Errorf("action name = %q", first.Actions[1].Label())
	}
	if first.Wait == nil || first.Wait.Duration.D() != 5*time.Minute {
		t.Errorf("wait = %+v, want 5m from ${settle}", first.Wait)
	}
	g := first.Gates[0]
	if g.Name != "check" || g.Policy.Consecutive != 2 || g.Policy.Interval.D() != 5*time.Second || g.Policy.FailureLimit != -1 {
		t.Errorf("gate = %+v", g)
	}
	if first.Source != "good/steps/01-first.yaml:1" {
		t.Errorf("source = %q", first.Source)
	}
	if p.Steps[1].Title != "Shut down zone-a in mimir" || !p.Steps[1].Actions[0].IsDestructive() {
		t.Errorf("jsonnet step = %+v", p.Steps[1])
	}
	if len(p.Preflight) != 1 || p.Preflight[0].Policy.FailureLimit != 0 {
		t.Errorf("preflight = %+v", p.Preflight)
	}
}

func TestLoadBindsParametersFromTheCommandLine(t *testing.T) {
	p := loadGood(t, map[string]string{"zones": "zone-c", "replicas": "5", "namespace": "prod"})
	if len(p.Steps) != 2 || p.Steps[1].ID != "2-shutdown-zone-c" {
		t.Fatalf("steps = %v", p.Steps)
	}
	if p.Values["replicas"] != int64(5) {
		t.Errorf("replicas = %#v", p.Values["replicas"])
	}
}

func TestDigestChangesWithParametersAndNotOtherwise(t *testing.T) {
	a, b := loadGood(t, nil), loadGood(t, nil)
	if a.Digest() != b.Digest() {
		t.Fatal("same plan, same parameters: digests differ")
	}
	c := loadGood(t, map[string]string{"replicas": "4"})
	if a.Digest() == c.Digest() {
		t.Fatal("different parameters: same digest")
	}
}

func TestLoadErrorsNameFileLineFieldAndFix(t *testing.T) {
	meta := "name: bad\nparameters:\n  - {name: ns, type: string, default: mimir}\n"
	tests := map[string]struct {
		step string
		want []string
	}{
		"unknown action kind suggests the closest": {
			step: "id: a\ntitle: A\nactions:\n  - scal: {key: x}\n",
			want: []string{"bad/steps/a.yaml:4", `unknown action kind "scal"`, `did you mean "scale"?`}},
		"unknown gate kind lists the known": {
			step: "id: a\ntitle: A\ngates:\n  - prometheus: {}\n",
			want: []string{"bad/steps/a.yaml:4", `unknown gate kind "prometheus"`, "known: check"}},
		"unknown field in a spec": {
			step: "id: a\ntitle: A\nactions:\n  - set:\n      key: x\n      vaule: y\n",
			want: []string{"bad/steps/a.yaml:6", "steps[0](a).actions[0].set.vaule", `did you mean "value"?`}},
		"unknown step field": {
			step: "id: a\ntitle: A\ngate:\n  - check: {key: x}\n",
			want: []string{"bad/steps/a.yaml:3", `unknown field "gate"`, `did you mean "gates"?`}},
		"type error keeps its line": {
			step: "id: a\ntitle: A\nactions:\n  - set: {key: x, replicas: many}\n",
			want: []string{"bad/steps/a.yaml:4", "cannot unmarshal"}},
		"spec validation names the kind": {
			step: "id: a\ntitle: A\nactions:\n  - set: {value: y}\n",
			want: []string{"bad/steps/a.yaml:4", "actions[0].set", "key is required"}},
		"missing parameter reference": {
			step: "id: a\ntitle: A in ${nss}\nwait: {duration: 1m}\n",
			want: []string{"bad/steps/a.yaml:2", "unknown parameter ${nss}", `did you mean "ns"?`}},
		"duplicate step id": {
			step: "- {id: a, title: A, wait: {duration: 1m}}\n- {id: a, title: B, wait: {duration: 1m}}\n",
			want: []string{"bad/steps/a.yaml:2", `duplicate step id "a"`, "first defined at bad/steps/a.yaml:1"}},
		"two kinds in one item": {
			step: "id: a\ntitle: A\nactions:\n  - set: {key: x}\n    scale: {key: y}\n",
			want: []string{"several kinds (set and scale)", "one item per kind"}},
		"a wait from config without settings": {
			step: "id: a\ntitle: A\nwait:\n  duration: 1h\n  fromConfig: {pods: {labels: name=querier}}\n",
			want: []string{"bad/steps/a.yaml:1", "wait.fromConfig.keys", "no settings to measure the wait by"}},
		"a wait from config without pods": {
			step: "id: a\ntitle: A\nwait: {duration: 1h, fromConfig: {keys: [querier.query_store_after]}}\n",
			want: []string{"wait.fromConfig.pods", "labels or names"}},
		"a wait factor of a key the wait does not list": {
			step: "id: a\ntitle: A\nwait: {duration: 1h, fromConfig: {pods: {labels: name=querier}, keys: [querier.query_store_after], factors: {querier.query_store_afte: 2}}}\n",
			want: []string{"wait.fromConfig.factors.querier.query_store_afte", "not a key of the wait"}},
		"a wait factor that would shorten the wait": {
			step: "id: a\ntitle: A\nwait: {duration: 1h, fromConfig: {pods: {labels: name=querier}, keys: [querier.query_store_after], factors: {querier.query_store_after: 0.5}}}\n",
			want: []string{"wait.fromConfig.factors.querier.query_store_after", "at least 1"}},
		"a step that does nothing": {
			step: "id: a\ntitle: A\n",
			want: []string{"the step does nothing"}},
		"bad id and missing title": {
			step: "id: A_1\n",
			want: []string{`step id "A_1" is not valid`, "missing title"}},
		"yaml syntax error": {
			step: "id: a\ntitle: [\n",
			want: []string{"bad/steps/a.yaml", "fix the YAML syntax"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"bad/plan.yaml":    {Data: []byte(meta)},
				"bad/steps/a.yaml": {Data: []byte(tc.step)},
			}
			_, err := plan.Load(fsys, "bad", plan.LoadOptions{Registry: plantest.NewRegistry()})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if _, ok := plan.AsValidationError(err); !ok {
				t.Errorf("error is %T, want *ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadJsonnetErrorsCarryTheirPosition(t *testing.T) {
	fsys := fstest.MapFS{
		"j/plan.yaml":          {Data: []byte("name: j\n")},
		"j/steps/a.jsonnet":    {Data: []byte("{ id: 'a', title: 'A', wait: { duration: error 'boom' } }\n")},
		"j/steps/b.jsonnet":    {Data: []byte("{ id: 'b', title: 'B', actions: [{ sett: {} }] }\n")},
		"j/steps/c.yaml":       {Data: []byte("id: c\ntitle: C\nwait: {duration: 1m}\n")},
		"j/steps/notes.txt":    {Data: []byte("ignored")},
		"j/steps/d/nested.yml": {Data: []byte("ignored: true")},
	}
	_, err := plan.Load(fsys, "j", plan.LoadOptions{Registry: plantest.NewRegistry()})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{"j/steps/a.jsonnet:1:", "boom", `j/steps/b.jsonnet: steps[0](b).actions[0]: unknown action kind "sett"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

func TestParameterProblemsAreReportedTogether(t *testing.T) {
	fsys := fstest.MapFS{
		"p/plan.yaml":    {Data: []byte("name: p\nparameters:\n  - {name: store, type: string, enum: [consul, etcd]}\n  - {name: n, type: int, default: 1}\n")},
		"p/steps/a.yaml": {Data: []byte("id: a\ntitle: A\nwait: {duration: 1m}\n")},
	}
	_, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: plantest.NewRegistry(), Params: map[string]string{"n": "x", "stor": "consul"}})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{`unknown parameter "stor"`, `did you mean "store"?`, "n wants an integer", "store is required"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	_, err = plan.Load(fsys, "p", plan.LoadOptions{Registry: plantest.NewRegistry(), Params: map[string]string{"store": "zookeeper"}})
	if err == nil || !strings.Contains(err.Error(), `"zookeeper" is not one of consul, etcd`) {
		t.Errorf("enum error = %v", err)
	}
}

func TestLoadWithoutPlanFileSaysWhatIsExpected(t *testing.T) {
	_, err := plan.Load(fstest.MapFS{}, "nothing", plan.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "expected one of plan.yaml") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzLoadNeverPanics(f *testing.F) {
	seeds := []string{
		"id: a\ntitle: A\nactions:\n  - set: {key: x, value: y}\n",
		"- {id: a, title: A, wait: {duration: 1m}}\n",
		"id: a\ntitle: ${ns}\ngates:\n  - check: {key: k}\n    interval: 3\n",
		"&a [*a]", "{", "---\n---\n", "actions: [[[]]]", "id: a\nwait: {duration: -1h}",
	}
	for _, s := range seeds {
		f.Add(s, "name: f\nparameters:\n  - {name: ns, type: string, default: x}\n")
	}
	f.Fuzz(func(t *testing.T, step, meta string) {
		fsys := fstest.MapFS{
			"f/plan.yaml":    {Data: []byte(meta)},
			"f/steps/a.yaml": {Data: []byte(step)},
		}
		p, err := plan.Load(fsys, "f", plan.LoadOptions{Registry: plantest.NewRegistry()})
		if err == nil && p == nil {
			t.Fatal("nil plan without error")
		}
	})
}

// TestFieldTyposAreNamedWithTheClosestFieldAtEveryLevel: a misspelt field
// is "unknown field X (did you mean Y?)" at its file and line, wherever it
// is: never mistaken for a second kind of an action or gate.
func TestFieldTyposAreNamedWithTheClosestFieldAtEveryLevel(t *testing.T) {
	const meta = "name: typo\nparameters:\n  - {name: ns, type: string, default: mimir}\n"
	tests := []struct {
		level      string
		meta, step string
		want       []string
	}{
		{"a gate's common field beside its kind", meta,
			"id: a\ntitle: A\ngates:\n  - check: {key: x}\n    timout: 5m\n",
			[]string{"typo/steps/a.yaml:5", "gates[0].timout", `unknown field "timout"`, `did you mean "timeout"?`}},
		{"a gate's common field before its kind", meta,
			"id: a\ntitle: A\ngates:\n  - consecutiv: 2\n    check: {key: x}\n",
			[]string{"typo/steps/a.yaml:4", `unknown field "consecutiv"`, `did you mean "consecutive"?`}},
		{"an action's common field", meta,
			"id: a\ntitle: A\nactions:\n  - set: {key: x}\n    dscription: widen\n",
			[]string{"typo/steps/a.yaml:5", "actions[0].dscription", `unknown field "dscription"`, `did you mean "description"?`}},
		{"a gate's common field without a kind", meta,
			"id: a\ntitle: A\ngates:\n  - intervl: 5s\n",
			[]string{"typo/steps/a.yaml:4", `unknown field "intervl"`, `did you mean "interval"?`, "gate has no kind"}},
		{"a step field", meta,
			"id: a\ntitle: A\nwiat: {duration: 1m}\n",
			[]string{"typo/steps/a.yaml:3", `unknown field "wiat"`, `did you mean "wait"?`}},
		{"a wait field", meta,
			"id: a\ntitle: A\nwait: {duraton: 1m}\n",
			[]string{"typo/steps/a.yaml:3", "wait.duraton", `unknown field "duraton"`, `did you mean "duration"?`}},
		{"a manual field", meta,
			"id: a\ntitle: A\nmanual:\n  instuctions: switch the LB\n",
			[]string{"typo/steps/a.yaml:4", "manual.instuctions", `did you mean "instructions"?`}},
		{"a doc reference field", meta,
			"id: a\ntitle: A\nwait: {duration: 1m}\ndocs:\n  - {titel: Doc}\n",
			[]string{"typo/steps/a.yaml:5", "docs[0].titel", `did you mean "title"?`}},
		{"a spec field", meta,
			"id: a\ntitle: A\ngates:\n  - check: {key: x, eqals: y}\n",
			[]string{"typo/steps/a.yaml:4", "gates[0].check.eqals", `did you mean "equals"?`}},
		{"a preflight gate's common field", meta + "preflight:\n  - check: {key: x}\n    failureLimt: 0\n",
			"id: a\ntitle: A\nwait: {duration: 1m}\n",
			[]string{"typo/plan.yaml:6", `unknown field "failureLimt"`, `did you mean "failureLimit"?`}},
		{"a plan metadata field", meta + "descripion: x\n",
			"id: a\ntitle: A\nwait: {duration: 1m}\n",
			[]string{"typo/plan.yaml:4", `unknown field "descripion"`, `did you mean "description"?`}},
		{"a parameter field", "name: typo\nparameters:\n  - {name: ns, type: string, dfault: mimir}\n",
			"id: a\ntitle: A\nwait: {duration: 1m}\n",
			[]string{"typo/plan.yaml:3", `unknown field "dfault"`, `did you mean "default"?`}},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			fsys := fstest.MapFS{"typo/plan.yaml": {Data: []byte(tc.meta)}, "typo/steps/a.yaml": {Data: []byte(tc.step)}}
			_, err := plan.Load(fsys, "typo", plan.LoadOptions{Registry: plantest.NewRegistry()})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "several kinds") {
				t.Errorf("a misspelt field was taken for a kind:\n%v", err)
			}
		})
	}
}

func TestLoadUnboundShowsRequiredParametersAsPlaceholders(t *testing.T) {
	fsys := fstest.MapFS{
		"u/plan.yaml": {Data: []byte("name: u\nparameters:\n  - {name: key, type: string}\n  - {name: n, type: int}\n  - {name: zones, type: list}\n")},
		"u/steps/a.yaml": {Data: []byte("id: a-${key}\ntitle: Set ${key} in ${zones}\nactions:\n  - set: {key: '${key}', replicas: '${n}'}\n" +
			"gates:\n  - check: {key: '${key}', equals: x}\n")},
	}
	if _, err := plan.Load(fsys, "u", plan.LoadOptions{Registry: plantest.NewRegistry()}); err == nil || !strings.Contains(err.Error(), "parameter key is required") {
		t.Fatalf("without Unbound: %v", err)
	}
	p, err := plan.Load(fsys, "u", plan.LoadOptions{Registry: plantest.NewRegistry(), Unbound: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Unbound, ","); got != "key,n,zones" {
		t.Errorf("unbound = %s", got)
	}
	s := p.Steps[0]
	if s.ID != "a-<key>" || s.Title != "Set <key> in <zones>" {
		t.Errorf("step %q %q", s.ID, s.Title)
	}
	if d := s.Actions[0].Spec.Describe(); d != "set {key: <key>, replicas: <n>}" {
		t.Errorf("a body whose placeholder does not fit an int: %q", d)
	}
	if spec, ok := s.Gates[0].Spec.(*plantest.CheckSpec); !ok || spec.Key != "<key>" {
		t.Errorf("a body that takes its placeholders: %#v", s.Gates[0].Spec)
	}
	err = (&plan.Runner{}).Apply(context.Background(), p, plan.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "without parameters key, n, zones") {
		t.Errorf("running a plan with unbound parameters: %v", err)
	}

	fsys["u/steps/a.yaml"] = &fstest.MapFile{Data: []byte("id: a\ntitle: A\nactions:\n  - set: {key: '${key}', vaule: '${n}'}\n")}
	if _, err := plan.Load(fsys, "u", plan.LoadOptions{Registry: plantest.NewRegistry(), Unbound: true}); err == nil || !strings.Contains(err.Error(), `unknown field "vaule"`) {
		t.Errorf("a typo in a body with placeholders: %v", err)
	}
}

// A step file's `error 'parameters: ...'` refuses the user's parameters:
// the plan's reason alone, without the Jsonnet trace or "is invalid",
// and before any other problem of the plan.
func TestAStepFileRefusesItsParameters(t *testing.T) {
	fsys := fstest.MapFS{
		"r/plan.yaml": {Data: []byte("name: r\nparameters:\n  - {name: mode, type: string, default: a}\n")},
		"r/steps/a.jsonnet": {Data: []byte("local p = std.extVar('params');\n" +
			"if p.mode == 'b' then error 'parameters: mode b needs a label' else if p.mode == 'c' then error 'boom' else [{ id: 'a', title: 'A', wait: { duration: '1m' } }]\n")},
		"r/steps/b.yaml": {Data: []byte("id: b\ntitle: B\nactions: [{sett: {}}]\n")},
	}
	_, err := plan.Load(fsys, "r", plan.LoadOptions{Registry: plantest.NewRegistry(), Params: map[string]string{"mode": "b"}})
	var refused *plan.ParameterError
	if !errors.As(err, &refused) || err.Error() != "plan r refuses these parameters (r/steps/a.jsonnet): mode b needs a label" {
		t.Errorf("mode b: %v (%T), want the plan's refusal alone", err, err)
	}
	_, err = plan.Load(fsys, "r", plan.LoadOptions{Registry: plantest.NewRegistry(), Params: map[string]string{"mode": "c"}})
	if errors.As(err, &refused) || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), `unknown action kind "sett"`) {
		t.Errorf("another Jsonnet error: %v, want it among the plan's problems", err)
	}
}

// Step files see the kind of environment the plan is loaded for.
func TestStepFilesSeeTheEnvironmentKind(t *testing.T) {
	fsys := fstest.MapFS{
		"e/plan.yaml":       {Data: []byte("name: e\n")},
		"e/steps/a.jsonnet": {Data: []byte("[{ id: 'a', title: 'on ' + std.extVar('mimirctl.environment'), wait: { duration: '1m' } }]\n")},
	}
	for _, kind := range []string{"", plan.EnvironmentTanka, plan.EnvironmentHelm} {
		p, err := plan.Load(fsys, "e", plan.LoadOptions{Registry: plantest.NewRegistry(), Environment: kind})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Steps[0].Title; got != "on "+kind {
			t.Errorf("environment %q: title %q", kind, got)
		}
	}
}
