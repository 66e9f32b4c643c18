package engine

import (
	"context"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// runClockWait is plan.ProgressWait: a wait inside an action bounded by
// timeout on the run's clock and paced by its sleep.
func runClockWait(ctx context.Context, p plan.Progress, timeout time.Duration) (context.Context, func(context.Context, time.Duration) error, context.CancelFunc) {
	return plan.ProgressWait(ctx, p, timeout)
}

// windowOpen is a safe point of an action that does not poll (a call to
// each pod in turn): it returns the executor's *plan.WindowClosedError when
// the maintenance window is over on the run's clock, so the action stops
// before starting its next unit of work rather than in the middle of it,
// and ctx's end as plan.ErrInterrupted. A zero sleep on the run's clock is
// that check (plan.Progress.Sleep).
func windowOpen(ctx context.Context, p plan.Progress) error {
	return p.Sleep(ctx, 0)
}
