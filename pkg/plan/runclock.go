package plan

import (
	"context"
	"time"
)

// RunClockWait bounds a wait inside an action by timeout on the run's clock
// (p.Now), and paces it with the run's sleep (p.Sleep), so the executor's
// clock is the only one the wait reads: a fake clock in tests, the
// maintenance window (p.Sleep returns a *WindowClosedError at the
// window's end) and Ctrl-C all reach it.
//
// It returns the wait's context, the sleep to pace its polls with (as
// kube.WaitOptions.Sleep) and a cancel to call when the wait is over. Once
// timeout has passed on the run's clock, the sleep cancels the context with
// the cause context.DeadlineExceeded and returns its error: kube's waits
// then report the timeout with what they were still waiting for, as a
// context.WithTimeout would. A sleep never goes past the deadline, so the
// last check happens at it.
func RunClockWait(ctx context.Context, p Progress, timeout time.Duration) (context.Context, func(context.Context, time.Duration) error, context.CancelFunc) {
	deadline := p.Now().Add(timeout)
	wctx, cancel := context.WithCancelCause(ctx)
	sleep := func(sctx context.Context, d time.Duration) error {
		left := deadline.Sub(p.Now())
		if left <= 0 {
			cancel(context.DeadlineExceeded)
			return wctx.Err()
		}
		return p.Sleep(sctx, min(d, left))
	}
	return wctx, sleep, func() { cancel(context.Canceled) }
}

// WindowOpen is a safe point of an action that does not poll (a call to
// each pod in turn): it returns the executor's *WindowClosedError when
// the maintenance window is over on the run's clock, so the action stops
// before starting its next unit of work rather than in the middle of it,
// and ctx's end as ErrInterrupted. A zero sleep on the run's clock is
// that check (Progress.Sleep).
func WindowOpen(ctx context.Context, p Progress) error {
	return p.Sleep(ctx, 0)
}
