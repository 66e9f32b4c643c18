package progress_test

import (
	"os"

	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Print a run's events as `mimirctl apply` does off a terminal. A program
// passes the Printer as mimirctl.RunHooks.Events; the events are written
// out here to show the lines.
func ExamplePrinter() {
	p := progress.NewPrinter(os.Stdout, progress.Options{})
	defer p.Stop()
	for _, e := range []plan.Event{
		{Type: plan.EventRunStarted, Plan: "memberlist-cluster-label", RunID: "20261124-0200", Message: "new run"},
		{Type: plan.EventStepStarted, Step: "1-verification-off", StepTitle: "Turn cluster label verification off", StepIndex: 1, StepCount: 3},
		{Type: plan.EventActionStarted, Action: "runtime config"},
		{Type: plan.EventActionDone, Action: "runtime config"},
		{Type: plan.EventGatePassed, Gate: "members", Observation: &verdict.Observation{Verdict: verdict.Pass, Summary: "12/12 members agree"}},
		{Type: plan.EventStepFinished, Step: "1-verification-off"},
	} {
		p.Emit(e)
	}
	// Output:
	// Plan memberlist-cluster-label (run 20261124-0200, new run)
	//
	// [1/3] 1-verification-off Turn cluster label verification off
	//   → runtime config
	//   ✓ runtime config
	//   ✓ gate members: pass: 12/12 members agree
	//   ✓ step 1-verification-off done
}
