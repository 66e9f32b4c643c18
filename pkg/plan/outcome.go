package plan

import (
	"fmt"
	"time"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// GateFailedError stops a run whose gate failed or timed out. The run is
// resumable once the cause is fixed.
type GateFailedError struct {
	Step, Gate  string
	Observation verdict.Observation
	TimedOut    bool
}

func (e *GateFailedError) Error() string {
	why := "failed"
	if e.TimedOut {
		why = "did not pass before its timeout"
		if e.Observation.Verdict == verdict.Inconclusive {
			why = "stayed inconclusive until its timeout"
		}
	}
	return fmt.Sprintf("step %s: gate %s %s: %s; fix the cause, then run `%s`", e.Step, e.Gate, why, e.Observation, invocation.Command("resume"))
}

// PausedError stops a run at a manual step until it is approved.
type PausedError struct {
	Step         string
	Instructions string
}

func (e *PausedError) Error() string {
	return fmt.Sprintf("step %s waits for a person: %s\nwhen done, run `%s`, then `%s`", e.Step, e.Instructions, invocation.Command("approve", e.Step), invocation.Command("resume"))
}

// WindowClosedError stops a run that cannot go on within its maintenance
// window; everything is persisted and `resume` continues later.
type WindowClosedError struct {
	Step   string
	Until  time.Time
	Reason string
}

func (e *WindowClosedError) Error() string {
	return fmt.Sprintf("maintenance window ends %s: %s; run `%s` in the next window", e.Until.Format(time.RFC3339), e.Reason, invocation.Command("resume"))
}

// ReportedError carries why a run stopped after the run emitted it as an
// event (paused, window_closed, interrupted or run_failed, whose message is
// Err's): a caller whose event sink shows those events does not print it
// again. errors.Is and errors.As see Err through it.
type ReportedError struct{ Err error }

func (e *ReportedError) Error() string { return e.Err.Error() }

// Unwrap returns the reason.
func (e *ReportedError) Unwrap() error { return e.Err }

// ErrInterrupted is returned when a run was stopped by a signal after saving
// its state.
var ErrInterrupted = invocation.NewError(func() string {
	return "interrupted; the state is saved: run `" + invocation.Command("resume") + "` to continue"
})

// ErrLockLost is returned when the run lost its lock (it could not renew it
// or someone force-unlocked it) and stopped acting.
var ErrLockLost = invocation.NewError(func() string {
	return "the run lost its lock and stopped; check `" + invocation.Command("status") + "` before resuming"
})

// ConfirmationError is returned when a destructive action needs a
// confirmation that was not given.
type ConfirmationError struct {
	Step, Action string
}

func (e *ConfirmationError) Error() string {
	return fmt.Sprintf("step %s: action %q is destructive and needs confirmation: run again with --yes (not on a terminal) or answer the prompt", e.Step, e.Action)
}
