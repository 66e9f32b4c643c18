package cli

import (
	"errors"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// Exit codes. They are documented in the README; scripts rely on them.
const (
	// ExitOK: the command did what was asked (a plan ran to its end).
	ExitOK = 0
	// ExitError: bad input, an unreachable cluster, a failed action.
	ExitError = 1
	// ExitChanges: `plan --detailed-exitcode`, `diff` and `compare` found
	// changes pending (Terraform's convention).
	ExitChanges = 2
	// ExitGateFailed: a gate failed or timed out; resumable once fixed.
	ExitGateFailed = 3
	// ExitPaused: the run waits for `mimirctl approve STEP`; resumable.
	ExitPaused = 4
	// ExitWindowClosed: the maintenance window ended; resumable.
	ExitWindowClosed = 5
	// ExitInterrupted: stopped by a signal or a lost lock; resumable.
	ExitInterrupted = 6
	// ExitLocked: another run holds the lock.
	ExitLocked = 7
)

// ErrChangesPending is returned by commands that found differences when
// asked to say so with their exit code.
var ErrChangesPending = errors.New("changes pending")

// ExitCode maps an error returned by Run to the process exit code.
func ExitCode(err error) int {
	var (
		gate   *plan.GateFailedError
		paused *plan.PausedError
		window *plan.WindowClosedError
		locked *plan.LockedError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrChangesPending):
		return ExitChanges
	case errors.As(err, &gate):
		return ExitGateFailed
	case errors.As(err, &paused):
		return ExitPaused
	case errors.As(err, &window):
		return ExitWindowClosed
	case errors.Is(err, plan.ErrInterrupted), errors.Is(err, plan.ErrLockLost):
		return ExitInterrupted
	case errors.As(err, &locked):
		return ExitLocked
	default:
		return ExitError
	}
}
