package kube

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// WaitOptions pace a wait. The wait itself is bounded by the context.
type WaitOptions struct {
	// Interval between checks (default 5s).
	Interval time.Duration
	// Sleep waits between checks. A plan action passes its run's clock
	// (plan.Progress.Sleep, or a sleep bounded by a timeout on that clock),
	// so the executor's clock and maintenance window pace the wait; tests
	// pass a sleep that returns at once. Its error ends the wait as is.
	// Default: plan.RealClock{}.Sleep, on the wall clock, for callers
	// outside a run.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o WaitOptions) withDefaults() WaitOptions {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = plan.RealClock{}.Sleep
	}
	return o
}

// poll runs check now and then every interval until it reports done, fails,
// or ctx ends (then it returns the cause of ctx's end, context.Cause: a
// caller that cancels the wait with context.DeadlineExceeded, because its
// own clock says the wait's time is up, reads as a timeout).
func poll(ctx context.Context, opts WaitOptions, check func() (bool, error)) error {
	opts = opts.withDefaults()
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if err := opts.Sleep(ctx, opts.Interval); err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx) // a deadline of the wait, not the run's
			}
			return err
		}
	}
}

// WaitRollout waits until every workload's rollout is done (see
// CheckRollout). progress, when not nil, receives the statuses after each
// check. When ctx ends first, the error names the workloads still rolling
// and the pods that hold them back.
func WaitRollout(ctx context.Context, cs kubernetes.Interface, workloads []Workload, opts WaitOptions, progress func([]RolloutStatus)) ([]RolloutStatus, error) {
	var last []RolloutStatus
	err := poll(ctx, opts, func() (bool, error) {
		statuses := make([]RolloutStatus, 0, len(workloads))
		done := true
		for _, w := range workloads {
			st, err := CheckRollout(ctx, cs, w)
			if err != nil {
				return false, err
			}
			statuses = append(statuses, st)
			done = done && st.Done
		}
		last = statuses
		if progress != nil {
			progress(statuses)
		}
		return done, nil
	})
	if err != nil && ctx.Err() != nil {
		return last, fmt.Errorf("wait for rollouts: %s: %w", pending(last), err)
	}
	return last, err
}

// pending describes the rollouts that are not done.
func pending(statuses []RolloutStatus) string {
	var parts []string
	for _, st := range statuses {
		if st.Done {
			continue
		}
		part := fmt.Sprintf("%s %s", st.Workload, st.Summary)
		var holds []string
		for _, h := range st.Holders {
			holds = append(holds, h.Pod+" ("+h.Reason+")")
		}
		if len(holds) > 0 {
			part += "; held back by " + strings.Join(holds, ", ")
		}
		if st.Note != "" {
			part += "; " + st.Note
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "no status yet"
	}
	return strings.Join(parts, "; ")
}
