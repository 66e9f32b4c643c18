package mimirctl_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/ringfake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// fakeTarget is a Target on client-go's fake clientset: a cluster with the
// namespaces kube-system and mimir and the objects objs (pods), no
// workloads, state in a ConfigMap of mimir, and a clock starting at
// 2026-11-23 09:00 UTC. Its dynamic client is kubefake's, which applies
// server-side as an API server does.
func fakeTarget(objs ...runtime.Object) *mimirctl.Target {
	t := mimirctl.NewTarget(plans.FS)
	t.Clock = testkit.NewClock(exampleNow)
	t.Holder = "operator@example"
	api, err := kubefake.New()
	if err != nil {
		panic(err)
	}
	t.SetClients(&kube.Clients{
		Config:    &rest.Config{Host: "https://mimir-cluster.example"},
		Namespace: "mimir",
		Kube: fake.NewClientset(append([]runtime.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "cluster-uid"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "mimir"}},
		}, objs...)...),
		Dynamic: api.Dynamic(), Mapper: api.Mapper(),
	})
	return t
}

// exampleNow is the time of fakeTarget's clock.
var exampleNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// ingesterRing is an ingester ring of three zones as a ring page shows it
// at exampleNow: ingester-zone-c-0 stopped heartbeating ten minutes ago.
func ingesterRing() *ringfake.Pages {
	ago := func(d time.Duration) time.Time { return exampleNow.Add(-d) }
	return ringfake.New(exampleNow).Set("/ingester/ring",
		ringfake.Member{ID: "ingester-zone-a-0", State: "ACTIVE", Zone: "zone-a", Address: "10.0.1.4:9095", Heartbeat: ago(4 * time.Second), Tokens: 512},
		ringfake.Member{ID: "ingester-zone-b-0", State: "ACTIVE", Zone: "zone-b", Address: "10.0.2.7:9095", Heartbeat: ago(9 * time.Second), Tokens: 512},
		ringfake.Member{ID: "ingester-zone-c-0", State: "UNHEALTHY", Zone: "zone-c", Address: "10.0.3.2:9095", Heartbeat: ago(10 * time.Minute), Tokens: 512},
	)
}

// Load a built-in plan with its parameters and list its steps.
func ExampleTarget_LoadPlan() {
	t := mimirctl.NewTarget(plans.FS)
	p, err := t.LoadPlan("memberlist-cluster-label", map[string]string{"label": "prod-eu-1.mimir"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name)
	for _, s := range p.Steps {
		fmt.Printf("%s: %s\n", s.ID, s.Title)
	}
	// Output:
	// memberlist-cluster-label
	// 1-verification-off: Turn cluster label verification off
	// 2-set-label: Set the cluster label
	// 3-verification-on: Turn cluster label verification on
}

// List the built-in plans with the Mimir versions they support and the
// parameters they require, as `mimirctl plans list` does: only the plans'
// headers are read.
func ExampleTarget_BuiltinPlansMetadata() {
	t := mimirctl.NewTarget(plans.FS)
	ps, err := t.BuiltinPlansMetadata()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps {
		var required []string
		for _, prm := range p.Parameters {
			if prm.Default == nil {
				required = append(required, prm.Name)
			}
		}
		versions := p.MimirVersions
		if versions == "" {
			versions = "any"
		}
		fmt.Printf("%s (Mimir %s) requires %v\n", p.Name, versions, required)
	}
	// Output:
	// ha-tracker-kv-to-memberlist (Mimir >=2.17.0) requires []
	// ingester-zone-shutdown (Mimir any) requires [zone]
	// memberlist-cluster-label (Mimir >=2.3.0) requires [label]
	// microservices-to-read-write (Mimir >=2.0.0 <3.0.0) requires []
	// read-write-to-microservices (Mimir >=2.0.0 <3.0.0) requires [ingesterReplicas storeGatewayReplicas]
	// ring-kv-to-memberlist (Mimir >=2.0.0) requires []
	// single-zone-to-zone-aware (Mimir >=2.2.0) requires [ingesterReplicas storeGatewayReplicas]
}

// Preview a plan before applying it: each remaining step, whether it would
// change something, and the plan's digest that apply records.
func ExamplePlan() {
	pv, err := mimirctl.Plan(context.Background(), fakeTarget(), mimirctl.PlanOptions{
		Plan: "./testdata/handover", Bind: mimirctl.DefaultBindOptions(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pv.Plan, "remaining:", pv.Remaining, "changes:", pv.HasChanges, "destructive:", pv.Destructive)
	for _, s := range pv.Steps {
		fmt.Println(s.ID, s.Status)
	}
	// Output:
	// handover remaining: 2 changes: false destructive: false
	// drain-traffic pending
	// confirm-quiet pending
}

// Status on a cluster where no run was recorded yet.
func ExampleStatus() {
	res, err := mimirctl.Status(context.Background(), fakeTarget(), mimirctl.StatusOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.State == nil, res.Lock == nil, res.Where)
	// Output:
	// true true ConfigMap mimir/mimirctl-state
}

// Apply a plan of manual steps: the run pauses at each one until it is
// approved, and Resume continues it. Why a run stopped is a typed error.
// The state lives in a file here; NewTarget's default is a ConfigMap.
func ExampleApply() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mimirctl-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	t := fakeTarget()
	t.State, t.StateFile = "file", filepath.Join(dir, "state.json")
	bind := mimirctl.DefaultBindOptions()

	err = mimirctl.Apply(ctx, t, mimirctl.ApplyOptions{Plan: "./testdata/handover", Bind: bind})
	var paused *plan.PausedError
	fmt.Println("paused:", errors.As(err, &paused), err)

	if _, err := mimirctl.Approve(ctx, t, mimirctl.ApproveOptions{Step: "drain-traffic", Comment: "done via the LB console"}); err != nil {
		fmt.Println(err)
		return
	}
	// confirm-quiet is approved ahead of time: the run goes through it.
	if _, err := mimirctl.Approve(ctx, t, mimirctl.ApproveOptions{Step: "confirm-quiet", By: "oncall@example"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resume:", mimirctl.Resume(ctx, t, mimirctl.ResumeOptions{}))

	res, err := mimirctl.Status(ctx, t, mimirctl.StatusOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.State.Plan, res.State.Status)
	for _, s := range res.State.Steps {
		by := res.State.Approvals[s.ID].By
		if s.Approval != nil {
			by = s.Approval.By
		}
		fmt.Println(s.ID, s.Status, "approved by", by)
	}
	// Output:
	// paused: true step drain-traffic waits for a person: Point the distributors' load balancer at the other cluster.
	// when done, run `mimirctl approve drain-traffic`, then `mimirctl resume`
	// resume: <nil>
	// handover done
	// drain-traffic done approved by operator@example
	// confirm-quiet done approved by oncall@example
}

// Abandon a run that paused at a manual step: nothing changes in the
// cluster; the run is recorded as aborted, and UndoHints says how to
// revert the steps it started, newest first.
func ExampleAbort() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mimirctl-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	t := fakeTarget()
	t.State, t.StateFile = "file", filepath.Join(dir, "state.json")

	err = mimirctl.Apply(ctx, t, mimirctl.ApplyOptions{Plan: "./testdata/handover", Bind: mimirctl.DefaultBindOptions()})
	var paused *plan.PausedError
	if !errors.As(err, &paused) {
		fmt.Println("want a pause:", err)
		return
	}
	st, err := mimirctl.Abort(ctx, t, mimirctl.AbortOptions{Reason: "the maintenance window closed"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Plan, st.Status+":", st.Reason)
	hints, err := mimirctl.UndoHints(t, st)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range hints {
		fmt.Printf("%s (%s): %s\n", h.Step, h.Status, h.Undo)
	}
	// Output:
	// handover aborted: the maintenance window closed
	// drain-traffic (awaiting-approval): Point the load balancer back.
}

// Compare what an apply of a Tanka environment would send with the live
// cluster: here the cluster has none of its Deployments yet.
func ExampleDiff() {
	d, err := mimirctl.Diff(context.Background(), fakeTarget(), mimirctl.DiffOptions{
		Env: "testdata/tanka/environments/mimir", ApplyMode: mimirctl.DefaultApplyMode,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Report.Summary())
	for _, o := range d.Report.Objects {
		fmt.Println(o.Action, o.Ref)
	}
	// Output:
	// 2 to create, 0 to update, 0 to delete
	// create Deployment mimir/mimir-read
	// create Deployment mimir/querier
}

// Compare the querier with mimir-read, which takes over its work in
// read-write mode, as the environment renders them (with no Env, the live
// workloads). Pairs of which a workload is missing are not compared.
func ExampleCompare() {
	r, err := mimirctl.Compare(context.Background(), fakeTarget(), mimirctl.CompareOptions{Env: "testdata/tanka/environments/mimir"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("differs:", r.Differs())
	for _, p := range r.Results {
		if len(p.Missing) > 0 {
			continue
		}
		fmt.Println(p.Pair.From, "vs", p.Pair.To)
		for _, c := range p.Changes {
			fmt.Printf("  %s %s: %v -> %v\n", c.Kind, c.Path, c.From, c.To)
		}
	}
	// Output:
	// differs: true
	// Deployment/querier vs Deployment/mimir-read
	//   modified /replicas: 2 -> 3
	//   modified /selector/matchLabels/name: querier -> mimir-read
	//   modified /template/metadata/labels/name: querier -> mimir-read
	//   removed /template/spec/containers/name=mimir/args: [-querier.max-concurrent=8 -target=querier] -> <nil>
	//   added /template/spec/containers/name=mimir/args: <nil> -> [-querier.max-concurrent=16 -target=read]
}

// Read the ingester ring from the ring page of a pod that serves it (the
// pod's HTTP requests go to a fake here, given with SetPods).
func ExampleRing() {
	t := fakeTarget(ringfake.RunningPod("mimir", "ingester-zone-a-0", "ingester-zone-a"))
	t.SetPods(ingesterRing())
	res, err := mimirctl.Ring(context.Background(), t, mimirctl.RingOptions{Name: "ingester"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("read", res.Path, "from", res.From)
	for _, in := range res.Ring.Instances {
		fmt.Println(in.Describe(res.Ring.Now))
	}
	// Output:
	// read /ingester/ring from mimir/ingester-zone-a-0:8080
	// ingester-zone-a-0 (zone-a): ACTIVE, heartbeat 4s ago
	// ingester-zone-b-0 (zone-b): ACTIVE, heartbeat 9s ago
	// ingester-zone-c-0 (zone-c): UNHEALTHY, heartbeat 10m0s ago
}

// Forget a member that stopped heartbeating, through the page Ring read
// it from; one that still heartbeats is refused unless forced.
func ExampleForget() {
	ctx := context.Background()
	t := fakeTarget(ringfake.RunningPod("mimir", "ingester-zone-a-0", "ingester-zone-a"))
	t.SetPods(ingesterRing())
	ring, err := mimirctl.Ring(ctx, t, mimirctl.RingOptions{Name: "ingester"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = mimirctl.Forget(ctx, t, mimirctl.ForgetOptions{Ring: ring, Instance: "ingester-zone-b-0"})
	fmt.Println(err)

	res, err := mimirctl.Forget(ctx, t, mimirctl.ForgetOptions{Ring: ring, Instance: "ingester-zone-c-0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("forgot", res.Before.Describe(exampleNow), "- gone:", res.Gone)
	// Output:
	// refuse to forget ingester-zone-b-0: it still heartbeats (ingester-zone-b-0 (zone-b): ACTIVE, heartbeat 9s ago) and would register again; stop it first, or force
	// forgot ingester-zone-c-0 (zone-c): UNHEALTHY, heartbeat 10m0s ago - gone: true
}

// Prepare a Tanka environment for plans: main.jsonnet merges mimirctl's
// overlay file last, and an empty one is created. A second Init changes
// nothing. The environment is a copy in a temporary directory here.
func ExampleInit() {
	dir, err := os.MkdirTemp("", "mimirctl-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if err := os.CopyFS(dir, os.DirFS("testdata/tanka")); err != nil {
		fmt.Println(err)
		return
	}
	env := filepath.Join(dir, "environments", "fresh")

	res, err := mimirctl.Init(context.Background(), mimirctl.InitOptions{Env: env})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("changed:", res.Changed, filepath.Base(res.Main), "imports", filepath.Base(res.Overlay))
	main, err := os.ReadFile(res.Main)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.TrimSpace(string(main)))

	res, err = mimirctl.Init(context.Background(), mimirctl.InitOptions{Env: env})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("again, changed:", res.Changed)
	// Output:
	// changed: true main.jsonnet imports mimirctl.libsonnet
	// (import 'app.libsonnet')
	// + (import 'mimirctl.libsonnet')  // mimirctl: the plan's generated overrides; keep this last
	// again, changed: false
}

// Render an environment as a pipeline would receive it, with the overlay
// file the plan steps write; AsApplied adds the labels of mimirctl's own
// apply.
func ExampleRender() {
	objs, err := mimirctl.Render(context.Background(), mimirctl.RenderOptions{Env: "testdata/tanka/environments/mimir", AsApplied: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		fmt.Printf("%s %s/%s managed by %s\n", o.GetKind(), o.GetNamespace(), o.GetName(), o.GetLabels()["app.kubernetes.io/managed-by"])
	}
	// Output:
	// Deployment mimir/mimir-read managed by mimirctl
	// Deployment mimir/querier managed by mimirctl
}

// Approve a manual step: for the step a run is paused at, or ahead of time
// for a later one, which the run then goes through without pausing. The
// approvals are in the returned state.
func ExampleApprove() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mimirctl-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	t := fakeTarget()
	t.State, t.StateFile = "file", filepath.Join(dir, "state.json")

	err = mimirctl.Apply(ctx, t, mimirctl.ApplyOptions{Plan: "./testdata/handover", Bind: mimirctl.DefaultBindOptions()})
	var paused *plan.PausedError
	if !errors.As(err, &paused) {
		fmt.Println("want a pause:", err)
		return
	}
	st, err := mimirctl.Approve(ctx, t, mimirctl.ApproveOptions{Step: "drain-traffic", Comment: "done via the LB console"})
	if err != nil {
		fmt.Println(err)
		return
	}
	a := st.Steps[0].Approval
	fmt.Println(st.Steps[0].ID, "approved by", a.By, "at", a.At.Format(time.TimeOnly)+":", a.Comment)

	st, err = mimirctl.Approve(ctx, t, mimirctl.ApproveOptions{Step: "confirm-quiet", By: "oncall@example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("confirm-quiet approved ahead of time by", st.Approvals["confirm-quiet"].By)

	// A step the plan does not have is refused, with the nearest step ID.
	_, err = mimirctl.Approve(ctx, t, mimirctl.ApproveOptions{Step: "drain-trafficc"})
	_, msg, _ := strings.Cut(fmt.Sprint(err), "of plan handover ")
	fmt.Println(msg)
	// Output:
	// drain-traffic approved by operator@example at 09:00:00: done via the LB console
	// confirm-quiet approved ahead of time by oncall@example
	// has no step "drain-trafficc" (did you mean "drain-traffic"?)
}

// Resume a run that stopped: here it paused at a manual step, which is
// approved; the resumed run pauses again at the next manual step, and
// resuming after its approval finishes the run. With no run left to
// resume, Resume returns plan.ErrNothingToResume.
func ExampleResume() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mimirctl-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	t := fakeTarget()
	t.State, t.StateFile = "file", filepath.Join(dir, "state.json")

	err = mimirctl.Apply(ctx, t, mimirctl.ApplyOptions{Plan: "./testdata/handover", Bind: mimirctl.DefaultBindOptions()})
	var paused *plan.PausedError
	fmt.Println("apply paused:", errors.As(err, &paused))
	for _, step := range []string{"drain-traffic", "confirm-quiet"} {
		if _, err := mimirctl.Approve(ctx, t, mimirctl.ApproveOptions{Step: step}); err != nil {
			fmt.Println(err)
			return
		}
		paused = nil
		err := mimirctl.Resume(ctx, t, mimirctl.ResumeOptions{})
		switch {
		case errors.As(err, &paused):
			fmt.Printf("resumed after %s: paused at %s\n", step, paused.Step)
		case err != nil:
			fmt.Println(err)
			return
		default:
			fmt.Printf("resumed after %s: done\n", step)
		}
	}
	err = mimirctl.Resume(ctx, t, mimirctl.ResumeOptions{})
	fmt.Println("nothing to resume:", errors.Is(err, plan.ErrNothingToResume))
	// Output:
	// apply paused: true
	// resumed after drain-traffic: paused at confirm-quiet
	// resumed after confirm-quiet: done
	// nothing to resume: true
}
