package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/invocation"
)

// ActionRef names one action of a plan by position: p.Steps[Step].Actions[Action].
type ActionRef struct{ Step, Action int }

// Trail is the part of a plan that leaves a lasting mark in a document the
// cluster is rendered from (for Tanka environments, the cumulative overlay
// file mimirctl.libsonnet): the actions that change it, in plan order, and
// which points along them the document holds now.
type Trail struct {
	// Document names what was read, e.g. the overlay file's path.
	Document string
	// Points are the actions that change Document, in plan order.
	Points []ActionRef
	// Holds[i] reports whether Document holds everything the plan's changes
	// up to and including Points[i] leave there (values set and entries
	// removed), whatever it holds outside what the plan touches.
	Holds []bool
	// Missing[i] lists, for a point that does not hold, a few of the
	// differences ("config.deployment_mode: the plan leaves "migration",
	// the file has "read-write"").
	Missing [][]string
}

// Positioner is implemented by binders that can place the cluster in a plan
// from the environment alone: which of the plan's lasting changes are in
// place. It returns a nil Trail when the plan changes no such document.
type Positioner interface {
	Trail(ctx context.Context, p *Plan) (*Trail, error)
}

// Placement is where a run starts: the steps and actions already behind the
// cluster, and why.
type Placement struct {
	// Behind are the steps whose every action is behind the cluster.
	Behind map[int]bool
	// Partial maps a step to how many of its first actions are behind.
	Partial map[int]int
	// Reason says what was observed; empty when nothing is behind.
	Reason string
}

// PositionError is returned when the run state and the environment disagree
// in a way the plan cannot place: the state records a change that the
// environment no longer holds.
type PositionError struct {
	Document, RunID, Step, Action string
	Missing                       []string
}

func (e *PositionError) Error() string {
	return fmt.Sprintf("run %s records step %s (%s) as done, but %s no longer holds its change (%s): someone changed the environment since. "+
		"Restore the file (e.g. from git) and resume, or abandon the run with `%s` and apply again: mimirctl then starts from where the environment stands",
		e.RunID, e.Step, e.Action, e.Document, strings.Join(e.Missing, "; "), invocation.Command("abort"))
}

// place decides which steps of p are behind the cluster, from trail and the
// run state st (nil for a new run):
//
//   - the environment's position is the last point whose changes it holds;
//   - a new run starts after it: every earlier step is behind, and so are
//     the earlier actions of the point's own step (the point itself is
//     checked as usual, since the cluster may not have caught up with the
//     file yet);
//   - a run whose state records a point as done while the environment
//     holds neither it nor a later point is refused (PositionError);
//   - a run whose state is behind the environment (someone went on by hand)
//     starts from the environment's position, as a new run would.
func place(p *Plan, st *State, trail *Trail) (Placement, error) {
	pl := Placement{Behind: map[int]bool{}, Partial: map[int]int{}}
	if trail == nil || len(trail.Points) == 0 {
		return pl, nil
	}
	at := -1
	for i := range trail.Points {
		if trail.Holds[i] {
			at = i
		}
	}
	recorded := -1
	if st != nil {
		for i, ref := range trail.Points {
			if actionFinished(actionStatus(st, p, ref)) {
				recorded = i
			}
		}
	}
	// The environment is against the record only when it holds neither the
	// recorded point nor a later one: a later point's change may set again
	// what the recorded one set (a run stopped inside an action that had
	// written its change, before recording it), and then the environment
	// is ahead, not against it.
	if recorded >= 0 && at < recorded {
		ref := trail.Points[recorded]
		return pl, &PositionError{Document: trail.Document, RunID: st.RunID, Step: p.Steps[ref.Step].ID,
			Action: p.Steps[ref.Step].Actions[ref.Action].Label(), Missing: trail.Missing[recorded]}
	}
	if at <= recorded {
		return pl, nil // the state and the environment agree (or the state is ahead of nothing)
	}
	ref := trail.Points[at]
	for i := 0; i < ref.Step; i++ {
		if st == nil || !stepFinished(st, p.Steps[i].ID) {
			pl.Behind[i] = true
		}
	}
	for j := 0; j < ref.Action; j++ {
		if st == nil || !actionFinished(actionStatus(st, p, ActionRef{ref.Step, j})) {
			pl.Partial[ref.Step] = ref.Action
		}
	}
	step := p.Steps[ref.Step]
	pl.Reason = fmt.Sprintf("%s holds the changes of this plan up to step %s (%s)", trail.Document, step.ID, step.Actions[ref.Action].Label())
	if recorded >= 0 {
		pl.Reason += fmt.Sprintf(", further than run %s recorded", st.RunID)
	}
	pl.Reason += ": the steps before it are behind the cluster"
	if len(pl.Behind) == 0 && len(pl.Partial) == 0 {
		pl.Reason = ""
	}
	return pl, nil
}

func actionStatus(st *State, p *Plan, ref ActionRef) ActionStatus {
	ss := st.StepState(p.Steps[ref.Step].ID)
	if ss == nil || ref.Action >= len(ss.Actions) {
		return ActionPending
	}
	return ss.Actions[ref.Action].Status
}

// actionFinished: the action took effect, in this run or before it.
func actionFinished(s ActionStatus) bool { return s == ActionApplied || s == ActionSkipped }

// finished: the step is done or was skipped; a run does not enter it again.
func (s StepStatus) finished() bool { return s == StepDone || s == StepSkipped }

func stepFinished(st *State, id string) bool {
	ss := st.StepState(id)
	return ss != nil && ss.Status.finished()
}

// locate asks b for the plan's trail and places st (nil: a new run) on it.
// A binder that cannot place plans places nothing.
func locate(ctx context.Context, p *Plan, st *State, b Binder) (Placement, error) {
	pos, ok := b.(Positioner)
	if !ok {
		return place(p, st, nil)
	}
	trail, err := pos.Trail(ctx, p)
	if err != nil {
		return Placement{}, fmt.Errorf("find where the cluster stands in plan %s: %w", p.Name, err)
	}
	return place(p, st, trail)
}

// markBehind records pl in st: steps behind the cluster are skipped, with
// the reason as their note, and so are the behind actions of a partly
// behind step.
func markBehind(st *State, p *Plan, pl Placement) {
	for i, s := range p.Steps {
		ss := st.StepState(s.ID)
		if ss == nil {
			continue
		}
		n := len(ss.Actions)
		if !pl.Behind[i] {
			n = pl.Partial[i]
		} else {
			ss.Status, ss.Note = StepSkipped, pl.Reason
		}
		for j := 0; j < n && j < len(ss.Actions); j++ {
			if a := &ss.Actions[j]; !actionFinished(a.Status) {
				a.Status, a.Detail = ActionSkipped, "behind the cluster"
			}
		}
	}
}
