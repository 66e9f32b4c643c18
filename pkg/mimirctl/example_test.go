package mimirctl_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// fakeTarget is a Target on client-go's fake clientset: a cluster with the
// namespaces kube-system and mimir, state in a ConfigMap of mimir, and a
// clock fixed at 2026-11-23 09:00 UTC.
func fakeTarget() *mimirctl.Target {
	t := mimirctl.NewTarget(plans.FS)
	t.Clock = fixedClock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	t.Holder = "operator@example"
	t.SetClients(&kube.Clients{
		Config:    &rest.Config{Host: "https://mimir-cluster.example"},
		Namespace: "mimir",
		Kube: fake.NewClientset(
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "cluster-uid"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "mimir"}},
		),
	})
	return t
}

type fixedClock struct{ now time.Time }

func (c fixedClock) Now() time.Time                                   { return c.now }
func (c fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

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
