package envchange

import (
	"context"
	"encoding/json"
	"testing"
	"testing/fstest"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// fakeCountingRender wraps an environment's render and counts the renders
// asked for, by overlay (its JSON). The environment's cache makes a repeated
// render cheap but not free: AppliedObjects copies every object again.
type fakeCountingRender struct {
	next  func(context.Context, *tanka.Overlay) (*tanka.Result, error)
	calls map[string]int
}

func (f *fakeCountingRender) render(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error) {
	key, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	f.calls[string(key)]++
	return f.next(ctx, o)
}

// repeated returns the overlays rendered more than once, with their count.
func (f *fakeCountingRender) repeated() map[string]int {
	out := map[string]int{}
	for k, n := range f.calls {
		if n > 1 {
			out[k] = n
		}
	}
	return out
}

// countRenders replaces the render of b's environment with a counting fake.
func countRenders(t *testing.T, b *testBinder) *fakeCountingRender {
	t.Helper()
	env, err := b.environment()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCountingRender{next: env.render, calls: map[string]int{}}
	env.render = f.render
	return f
}

const renderOnceStep = "- id: a\n  title: A\n  actions:\n    - jsonnet: {objects: {querier_deployment: {spec: {replicas: 1}}}, noRollout: true}\n"

// renderOnceFixture is the test environment with an empty overlay file, a
// cluster running the querier with 2 replicas, and a plan of one step that
// scales it to 1 (no autoscaler: the step is not refused).
func renderOnceFixture(t testing.TB) (*testBinder, *plan.Plan, *kubefake.Server) {
	t.Helper()
	env := testEnv(t)
	if err := tanka.WriteOverlay(env, &tanka.Overlay{}); err != nil {
		t.Fatal(err)
	}
	api, err := kubefake.New(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "querier", Namespace: "mimir"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(renderOnceStep)}}, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return newTestBinder(Deps{Dynamic: api.Dynamic(), Mapper: api.Mapper(), Namespace: "mimir", ForceConflicts: true}, env), p, api
}

// Preview and Apply of a jsonnet step render each overlay they need (the
// file as it is and with the change) once, and hand the objects to the
// delta, the autoscaler check and the prune candidates; Apply reads each
// live workload once for the autoscaler check and the diff.
func TestJsonnetApplyAndPreviewRenderEachOverlayOnce(t *testing.T) {
	b, p, api := renderOnceFixture(t)
	renders := countRenders(t, b)
	ch := preview(t, b, p, 0)
	if ch.Summary != "0 to create, 1 to update, 0 to delete" {
		t.Fatalf("preview: %s\n%s", ch.Summary, ch.Diff)
	}
	if len(renders.calls) != 2 || len(renders.repeated()) != 0 {
		t.Errorf("Preview rendered %d overlays, some more than once: %v", len(renders.calls), renders.repeated())
	}

	renders.calls = map[string]int{}
	seen := len(api.Actions())
	a, err := b.BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background(), &testkit.Progress{}); err != nil {
		t.Fatal(err)
	}
	if len(renders.calls) != 2 || len(renders.repeated()) != 0 {
		t.Errorf("Apply rendered %d overlays, some more than once: %v", len(renders.calls), renders.repeated())
	}
	gets := 0
	for _, act := range api.Actions()[seen:] {
		if get, ok := act.(clienttesting.GetAction); ok && get.GetResource().Resource == "deployments" && get.GetName() == "querier" {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("Apply read the querier Deployment %d times: the autoscaler check and the diff share one read", gets)
	}
	live, err := api.Get(appsv1.SchemeGroupVersion.WithKind("Deployment"), "mimir", "querier")
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := unstructured.NestedInt64(live.Object, "spec", "replicas"); n != 1 {
		t.Errorf("Apply left the querier at %d replicas, want 1", n)
	}
}

// A second process (a new Environment) previewing the same step with the
// same memo is served both renders from it: a run resumed in the next
// window does not evaluate the library again.
func TestAnotherProcessIsServedTheRendersFromTheMemo(t *testing.T) {
	memo := &tanka.Memo{Dir: t.TempDir()}
	b, p, _ := renderOnceFixture(t)
	served := func(b *testBinder) []bool {
		t.Helper()
		env, err := b.environment()
		if err != nil {
			t.Fatal(err)
		}
		env.UseMemo(memo)
		var out []bool
		next := env.render
		env.render = func(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error) {
			r, err := next(ctx, o)
			if err == nil {
				out = append(out, r.Memoized)
			}
			return r, err
		}
		preview(t, b, p, 0)
		return out
	}
	if got := served(b); len(got) != 2 || got[0] || got[1] {
		t.Fatalf("first process: renders served from the memo %v, want 2 evaluated", got)
	}
	again := newTestBinder(Deps{Dynamic: b.d.Dynamic, Mapper: b.d.Mapper, Namespace: "mimir", ForceConflicts: true}, b.dir)
	if got := served(again); len(got) != 2 || !got[0] || !got[1] {
		t.Errorf("second process: renders served from the memo %v, want both", got)
	}
}

// BenchmarkJsonnetActionPreview measures one Preview of a jsonnet step
// against the small test environment and a fake cluster, with a new Binder
// each time (its environment's render cache starts empty, as in a run).
func BenchmarkJsonnetActionPreview(b *testing.B) {
	binder, p, _ := renderOnceFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fresh := newTestBinder(Deps{Dynamic: binder.d.Dynamic, Mapper: binder.d.Mapper, Namespace: binder.d.Namespace, ForceConflicts: true}, binder.dir)
		a, err := fresh.BindAction(ctx, p, p.Steps[0], p.Steps[0].Actions[0])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.(plan.Previewer).Preview(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// runStartRenders renders what a run start (pkg/engine's preflight) does:
// the overlay file, then PendingOverlays. It returns which renders the
// memo served.
func runStartRenders(t *testing.T, env *Environment, p *plan.Plan) []bool {
	t.Helper()
	ctx := context.Background()
	file, err := tanka.ReadOverlay(env.Dir())
	if err != nil {
		t.Fatal(err)
	}
	overlays := []*tanka.Overlay{file}
	for _, po := range PendingOverlays(file, p, nil) {
		overlays = append(overlays, po.Overlay)
	}
	var served []bool
	for _, o := range overlays {
		r, err := env.Render(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		served = append(served, r.Memoized)
	}
	return served
}

// A run's start renders every remaining change from the file as it is; the
// step that then applies one writes the same merges under its own name in
// the file's header. Neither that apply nor the next window's start (a new
// process, the file one step further) evaluates the library again.
func TestTheNextWindowIsServedTheRendersOfTheRemainingChanges(t *testing.T) {
	memo := &tanka.Memo{Dir: t.TempDir()}
	b, _, api := renderOnceFixture(t)
	p := twoStepPlan(t, renderOnceStep, "- id: b\n  title: B\n  actions:\n    - jsonnet: {objects: {querier_deployment: {metadata: {labels: {moved: 'yes'}}}}, noRollout: true}\n")
	env, err := b.environment()
	if err != nil {
		t.Fatal(err)
	}
	env.UseMemo(memo)
	if got := runStartRenders(t, env, p); len(got) != 3 || got[0] || got[1] || got[2] {
		t.Fatalf("first window's start: served %v, want 3 renders evaluated", got)
	}
	a, err := b.BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background(), &testkit.Progress{}); err != nil {
		t.Fatal(err)
	}
	if len(env.cache) != 3 {
		t.Errorf("step a's apply rendered %d distinct overlays in all, want the 3 of the run start", len(env.cache))
	}
	if file, err := tanka.ReadOverlay(env.Dir()); err != nil || file.Step != "a" {
		t.Fatalf("the overlay file names step %q (%v), want a", file.Step, err)
	}

	next := newTestBinder(Deps{Dynamic: api.Dynamic(), Mapper: api.Mapper(), Namespace: "mimir", ForceConflicts: true}, b.dir)
	nextEnv, err := next.environment()
	if err != nil {
		t.Fatal(err)
	}
	nextEnv.UseMemo(memo)
	if got := runStartRenders(t, nextEnv, p); len(got) != 2 || !got[0] || !got[1] {
		t.Errorf("next window's start: served %v, want the file and step b's change both from the memo", got)
	}
}

// A step that gives back an override an earlier step of the plan sets (a
// zone held at 0 while the knob sizing every zone goes up, then given back)
// is not done in a file that never had the override: the preview of a
// cluster without a run showed such steps done before the run reached them
// (e2e, CI of 54d0d4d).
func TestARemovalIsNotDoneBeforeTheChangeItUndoes(t *testing.T) {
	b, _, api := renderOnceFixture(t)
	applyRendered(t, b.dir, api, false) // the cluster runs what the empty file renders
	p := twoStepPlan(t, "- id: a\n  title: A\n  actions:\n    - jsonnet: {objects: {querier_deployment: {spec: {replicas: 1}, metadata: {labels: {moved: 'yes'}}}}, noRollout: true}\n", "- id: b\n  title: B\n  actions:\n    - jsonnet: {remove: {objects: [querier_deployment.spec.replicas]}, noRollout: true}\n")
	check := func(i int) (bool, string) {
		t.Helper()
		a, err := b.BindAction(context.Background(), p, p.Steps[i], p.Steps[i].Actions[0])
		if err != nil {
			t.Fatal(err)
		}
		done, detail, err := a.Check(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return done, detail
	}
	if done, detail := check(1); done {
		t.Errorf("step b with nothing applied: done (%s), want pending", detail)
	}
	a, err := b.BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background(), &testkit.Progress{}); err != nil {
		t.Fatal(err)
	}
	if done, detail := check(1); done {
		t.Errorf("step b after step a: done (%s), want pending", detail)
	}
	if done, detail := check(0); !done {
		t.Errorf("step a after its apply: pending (%s), want done", detail)
	}
}

// twoStepPlan is plan p of two jsonnet steps, given as step-file YAML.
func twoStepPlan(t *testing.T, a, b string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")},
		"p/steps/a.yaml": {Data: []byte(a)}, "p/steps/b.yaml": {Data: []byte(b)}},
		"p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
