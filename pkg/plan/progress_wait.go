package plan

import (
	"context"
	"time"
)

// ProgressWait bounds a wait inside an action by timeout on the run's clock
// (p.Now), and paces it with the run's sleep (p.Sleep), so the executor's
// clock is the only one the wait reads: a fake clock in tests, the
// maintenance window (p.Sleep returns a *WindowClosedError at the window's
// end) and Ctrl-C all reach it.
//
// It returns the wait's context, the sleep to pace its polls with (as
// kube.WaitOptions.Sleep) and a cancel to call when the wait is over. Once
// timeout has passed on the run's clock, the sleep cancels the context with
// the cause context.DeadlineExceeded and returns its error: kube's waits
// then report the timeout with what they were still waiting for, as a
// context.WithTimeout would. A sleep never goes past the deadline, so the
// last check happens at it.
func ProgressWait(ctx context.Context, p Progress, timeout time.Duration) (context.Context, func(context.Context, time.Duration) error, context.CancelFunc) {
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
