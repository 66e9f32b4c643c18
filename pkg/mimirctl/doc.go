// Package mimirctl is mimirctl as a Go library: the operations of the
// mimirctl command line, for programs that drive Grafana Mimir procedures
// without running the binary (the CLI in pkg/cli only parses flags, calls
// these functions and prints their results).
//
// A Target names the cluster (kubeconfig options, or client-go clients
// given with SetClients), the Mimir namespace, how pods are reached and
// where run state lives (a ConfigMap and Lease in the namespace, or a
// file); it connects lazily and reuses its connection. Built-in plans come
// from Target.BuiltinPlans (plans.FS). NewTarget fills in the real action
// and gate kinds (pkg/engine) and the wall clock.
//
// A program drives a cluster by building a Target and passing it to the
// operations; the kubeconfig options are those of kubectl:
//
//	t := mimirctl.NewTarget(plans.FS)
//	t.Kube.Context, t.Kube.Namespace = "prod-eu-1", "mimir"
//	res, err := mimirctl.Ring(ctx, t, mimirctl.RingOptions{Name: "ingester"})
//	if err != nil {
//		return err
//	}
//	for _, in := range res.Ring.Instances {
//		fmt.Println(in.Describe(res.Ring.Now))
//	}
//
// Tests inject fakes instead: client-go clients with SetClients, the pod
// HTTP client with SetPods (see the examples).
//
// Every operation takes (ctx, target, options) and returns typed data;
// Init and Render read no cluster and take (ctx, options):
//
//	Plan     *plan.PlanPreview        what the remaining steps would change
//	Apply    error                    run a plan (new, or its unfinished run)
//	Resume   error                    continue the unfinished run
//	Approve  *plan.State              record a manual step as carried out
//	Abort    *plan.State              abandon the unfinished run (see UndoHints)
//	Status   *StatusResult            the recorded run and the lock
//	Diff     *envchange.EnvironmentDiff  a Tanka environment vs the cluster
//	Compare  *diff.PairReport         microservices vs read-write components
//	Ring     *RingResult              a ring's members
//	Forget   ringcheck.ForgetResult   remove one member from a ring Ring read
//	Init     *tanka.InitResult        make an environment import the overlay file
//	Render   []*unstructured.Unstructured  the objects an environment renders
//
// Why a run stopped is a typed error of pkg/plan: *plan.GateFailedError,
// *plan.PausedError, *plan.WindowClosedError, *plan.LockedError,
// plan.ErrInterrupted and plan.ErrLockLost (test with errors.As/Is). The
// CLI maps them to its exit codes (3 to 7, see pkg/cli ExitCode); any
// other error is a failure (exit 1). Error texts name the CLI flag that
// sets the option at fault (e.g. "--apply-mode"), as the CLI prints them.
//
// Runs report progress through RunHooks.Events (plan.EventSink;
// progress.NewPrinter of pkg/mimirctl/progress prints it for people as the
// CLI does) and ask before destructive steps through RunHooks.Confirm;
// without a Confirmer, destructive steps need ApplyOptions.Run.Yes.
package mimirctl
