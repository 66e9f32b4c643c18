package plan

import (
	"context"
)

// WindowOpen is a safe point of an action that does not poll (a call to
// each pod in turn): it returns the executor's *WindowClosedError when
// the maintenance window is over on the run's clock, so the action stops
// before starting its next unit of work rather than in the middle of it,
// and ctx's end as ErrInterrupted. A zero sleep on the run's clock is
// that check (Progress.Sleep).
func WindowOpen(ctx context.Context, p Progress) error {
	return p.Sleep(ctx, 0)
}
