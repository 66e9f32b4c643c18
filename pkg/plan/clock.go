package plan

import (
	"context"
	"time"
)

// Clock is the executor's view of time, the one clock of a run: the
// executor, its gates and its actions (through Progress: Now, Sleep,
// WaitUntil) read and wait on it, and the engine's binder hands its Now to
// the gates. Tests use a fake whose Sleep moves time forward at once, so
// hours-long waits run in microseconds and a maintenance window can end
// anywhere.
//
// Left on the wall clock on purpose: the lock's lease times and renewal
// ticker (LeaseLocker: other processes and the API server read them), the
// grace an in-flight call gets after Ctrl-C (graceful), and the fallback
// lock ID when the system has no randomness (newLockID). None of them is a
// wait of the run.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock, the run's Clock outside tests; it is the
// one place a run's own time comes from the system.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits on a timer.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// deadlineClock is a clock whose time contexts can end at: RealClock's
// contexts end at a wall-clock time.
type deadlineClock interface {
	WithDeadline(ctx context.Context, t time.Time) (context.Context, context.CancelFunc)
}

// WithDeadline returns a context that ends at t (context.WithDeadline).
func (RealClock) WithDeadline(ctx context.Context, t time.Time) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, t)
}
