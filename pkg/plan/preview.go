package plan

import (
	"context"
	"strings"
	"time"
)

// Change is what an action would do, for `mimirctl plan`.
type Change struct {
	// Summary says it in one line.
	Summary string `json:"summary"`
	// Diff is a human-readable diff (dyff style), possibly empty.
	Diff string `json:"-"`
	// Data is the machine-readable form of the diff.
	Data any `json:"data,omitempty"`
	// Deletes lists objects the action would delete.
	Deletes []string `json:"deletes,omitempty"`
	// Warnings are things the operator should look at before applying.
	Warnings []string `json:"warnings,omitempty"`
}

// Previewer is implemented by actions that can say what they would change
// without changing it.
type Previewer interface {
	Preview(ctx context.Context) (Change, error)
}

// Preview statuses of steps and actions.
const (
	PreviewDone    = "done"
	PreviewPending = "pending"
	PreviewUnknown = "unknown"
)

// PlanPreview is the result of `mimirctl plan`: the remaining steps and what
// each would change.
type PlanPreview struct {
	Plan        string        `json:"plan"`
	Digest      string        `json:"digest"`
	RunID       string        `json:"runID,omitempty"`
	RunStatus   RunStatus     `json:"runStatus,omitempty"`
	Steps       []StepPreview `json:"steps"`
	Remaining   int           `json:"remaining"`
	HasChanges  bool          `json:"hasChanges"`
	Parameters  ParamValues   `json:"parameters,omitempty"`
	Destructive bool          `json:"destructive"`
	// Notices are the binder's preflight findings (webhooks, reachability).
	Notices []string `json:"notices,omitempty"`
	// PreflightError says why an apply would not start now.
	PreflightError string `json:"preflightError,omitempty"`
	// WindowEnd is the end of the maintenance window FitWindow was given
	// (RFC 3339), empty without one.
	WindowEnd string `json:"windowEnd,omitempty"`
	// Position says which steps are skipped because the environment already
	// holds a later step's change (empty: none).
	Position string `json:"position,omitempty"`
}

// StepPreview is one step in a plan preview.
type StepPreview struct {
	ID      string          `json:"id"`
	Title   string          `json:"title"`
	Status  string          `json:"status"`
	Actions []ActionPreview `json:"actions,omitempty"`
	Gates   []string        `json:"gates,omitempty"`
	Wait    string          `json:"wait,omitempty"`
	Manual  string          `json:"manual,omitempty"`
	// LeastDuration is the step's minDuration or wait (empty: none
	// declared); FitsWindow says whether it could start before WindowEnd.
	LeastDuration string `json:"leastDuration,omitempty"`
	FitsWindow    *bool  `json:"fitsWindow,omitempty"`
}

// ActionPreview is one action in a plan preview.
type ActionPreview struct {
	Label       string  `json:"label"`
	Kind        string  `json:"kind"`
	Status      string  `json:"status"`
	Destructive bool    `json:"destructive,omitempty"`
	Detail      string  `json:"detail,omitempty"`
	Change      *Change `json:"change,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// BuildPreview checks every action of every step not recorded as done in st
// (nil when no run exists) and collects what would change. Without a run
// record, a step with nothing to check (only gates, a wait or a manual
// instruction) counts as done when a later step's actions are all in place,
// so a cluster left in an intermediate state shows exactly the remaining
// steps.
func BuildPreview(ctx context.Context, p *Plan, st *State, b Binder) *PlanPreview {
	out := &PlanPreview{Plan: p.Name, Digest: p.Digest(), Parameters: p.Values}
	if st != nil && st.Plan == p.Name {
		out.RunID, out.RunStatus = st.RunID, st.Status
	} else {
		st = nil
	}
	pl, placeErr := locate(ctx, p, st, b)
	if pf, ok := b.(Preflighter); ok {
		// What a run started now would still apply: not the steps the
		// record or the environment puts behind.
		pending := func(ref ActionRef) bool {
			if pl.Behind[ref.Step] || ref.Action < pl.Partial[ref.Step] {
				return false
			}
			return st == nil || pendingIn(st, p)(ref)
		}
		notices, err := pf.Preflight(ctx, p, pending)
		out.Notices = notices
		if err != nil {
			out.PreflightError = err.Error()
		}
	}
	if placeErr != nil {
		out.PreflightError = strings.TrimPrefix(out.PreflightError+"; "+placeErr.Error(), "; ")
	}
	out.Position = pl.Reason
	lastDone := -1
	for i, s := range p.Steps {
		var sp StepPreview
		if pl.Behind[i] {
			// As a step the run recorded done: nothing of it is checked.
			sp = previewStep(ctx, p, s, b, &StepState{Status: StepSkipped})
			for j := range sp.Actions {
				sp.Actions[j].Detail = "behind the cluster"
			}
		} else {
			sp = previewStep(ctx, p, s, b, recorded(st, s.ID))
		}
		for j := 0; j < pl.Partial[i] && j < len(sp.Actions); j++ {
			sp.Actions[j].Status, sp.Actions[j].Detail, sp.Actions[j].Change = PreviewDone, "behind the cluster", nil
		}
		if sp.Status == PreviewDone && len(s.Actions) > 0 {
			lastDone = i
		}
		out.Steps = append(out.Steps, sp)
	}
	for i := range out.Steps {
		sp := &out.Steps[i]
		if st == nil && sp.Status == PreviewUnknown {
			// A step with nothing to check (gates, waits, manual only) is done
			// when a later step's actions are already in place.
			sp.Status = PreviewPending
			if i < lastDone {
				sp.Status = PreviewDone
			}
		}
		if sp.Status == PreviewPending || sp.Status == PreviewUnknown {
			out.Remaining++
			for _, a := range sp.Actions {
				out.HasChanges = out.HasChanges || a.Status != PreviewDone
				out.Destructive = out.Destructive || (a.Destructive && a.Status != PreviewDone)
			}
		}
	}
	return out
}

func recorded(st *State, id string) *StepState {
	if st == nil {
		return nil
	}
	return st.StepState(id)
}

func previewStep(ctx context.Context, p *Plan, s *Step, b Binder, ss *StepState) StepPreview {
	sp := StepPreview{ID: s.ID, Title: s.Title, Status: PreviewUnknown}
	for _, g := range s.Gates {
		sp.Gates = append(sp.Gates, g.Name+": "+g.Spec.Describe())
	}
	if s.Wait != nil {
		sp.Wait = s.Wait.Duration.String()
		if ss != nil && ss.WaitMeasure != "" {
			sp.Wait += " (" + ss.WaitMeasure + ")"
		} else if s.Wait.FromConfig != nil {
			sp.Wait += " or more (" + s.Wait.FromConfig.Describe() + ")"
		}
	}
	if s.Manual != nil {
		sp.Manual = s.Manual.Instructions
	}
	if ss != nil && ss.Status.finished() {
		sp.Status = PreviewDone
		for _, a := range s.Actions {
			sp.Actions = append(sp.Actions, ActionPreview{Label: a.Label(), Kind: a.Kind, Status: PreviewDone, Destructive: a.IsDestructive()})
		}
		return sp
	}
	allDone := len(s.Actions) > 0
	for i, a := range s.Actions {
		ap := previewAction(ctx, p, s, a, b)
		if ss != nil && i < len(ss.Actions) && actionFinished(ss.Actions[i].Status) {
			ap.Status = PreviewDone
		}
		allDone = allDone && ap.Status == PreviewDone
		sp.Actions = append(sp.Actions, ap)
	}
	switch {
	case ss != nil:
		sp.Status = PreviewPending
	case len(s.Actions) == 0:
		sp.Status = PreviewUnknown
	case allDone:
		sp.Status = PreviewDone
	default:
		sp.Status = PreviewPending
	}
	return sp
}

func previewAction(ctx context.Context, p *Plan, s *Step, a ActionConfig, b Binder) ActionPreview {
	ap := ActionPreview{Label: a.Label(), Kind: a.Kind, Destructive: a.IsDestructive(), Status: PreviewUnknown}
	act, err := b.BindAction(ctx, p, s, a)
	if err != nil {
		ap.Error = err.Error()
		return ap
	}
	done, detail, err := act.Check(ctx)
	if err != nil {
		ap.Error = err.Error()
		return ap
	}
	ap.Detail = detail
	if done {
		ap.Status = PreviewDone
		return ap
	}
	ap.Status = PreviewPending
	if pv, ok := act.(Previewer); ok {
		ch, err := pv.Preview(ctx)
		if err != nil {
			ap.Error = err.Error()
		} else {
			ap.Change = &ch
		}
	}
	return ap
}

// FitWindow marks, for `plan --until`, the remaining steps that could start
// before until when the run starts at now. A step starts only when its least
// duration (its minDuration, or what is left of its wait) fits in what the
// window has left after the least durations of the remaining steps before
// it, as the executor decides (see Executor.fits). Steps that declare
// neither count as taking no time, so the answer is a lower bound: gates,
// rollouts and polls take longer.
func (pv *PlanPreview) FitWindow(p *Plan, st *State, now, until time.Time) {
	pv.WindowEnd = until.UTC().Format(time.RFC3339)
	at := now
	fitting := true
	for i := range pv.Steps {
		sp := &pv.Steps[i]
		if sp.Status == PreviewDone {
			continue
		}
		need := leastDuration(p.Steps[i], recorded(st, p.Steps[i].ID), now)
		fitting = fitting && !at.Add(need).After(until)
		fits := fitting
		sp.FitsWindow = &fits
		if need > 0 {
			sp.LeastDuration = need.String()
		}
		at = at.Add(need)
	}
}
