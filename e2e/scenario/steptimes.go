package scenario

import (
	"bufio"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// StepTime splits the wall-clock time of one step that a mimirctl process
// ran from start to finish, as its JSON events (-o json) show it:
//
//   - Actions: each action from the end of the step's previous phase
//     (binding and checking the action, which may render the environment)
//     to its action_finished (rendering, applying, and waiting for the
//     rollouts the action causes, which is Kubernetes' and Mimir's time);
//   - Gates: from the end of the step's last action (binding the gates) to
//     its last gate_passed (polling until each condition holds, and the
//     holds the gates require);
//   - Waits: the waits the plan declares (waiting events, up to their end
//     or the step's);
//   - Rest: what none of these covers, e.g. saving the run state after the
//     last gate.
//
// Spans are clipped to the step and counted once: a declared wait inside
// an action (a zone shutdown's wait for its blocks) counts as a wait, a
// gate inside an action as a gate. Events are told apart by run and step,
// so that a stream holding several runs is split correctly. mimirctl's own
// work is spread over all four; its CPU time (getrusage) measures it.
type StepTime struct {
	Step                        string
	Wall, Actions, Gates, Waits time.Duration
	Rest                        time.Duration
}

// ParseEvents reads the JSON events among the lines of out (a mimirctl
// process's stdout with -o json or a Job's log); other lines are skipped.
// A line that starts with "{" but is no event is an error.
func ParseEvents(out string) ([]plan.Event, error) {
	var evs []plan.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var ev plan.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			return evs, fmt.Errorf("a line that starts like JSON is no event: %w\n%s", err, line)
		}
		evs = append(evs, ev)
	}
	return evs, sc.Err()
}

// StepTimes returns a StepTime for every step whose step_started and
// step_finished are both among evs, in the order the steps finished.
func StepTimes(evs []plan.Event) []StepTime {
	started := map[string]time.Time{}
	mark := map[string]time.Time{} // end of the step's last phase
	spans := map[string]map[string][]span{}
	open := map[string]time.Time{} // step key + "/" + action → start
	gateFrom := map[string]time.Time{}
	add := func(key, phase string, from, to time.Time) {
		if !to.After(from) {
			return
		}
		if spans[key] == nil {
			spans[key] = map[string][]span{}
		}
		spans[key][phase] = append(spans[key][phase], span{from, to})
	}
	var out []StepTime
	for _, ev := range evs {
		key := ev.RunID + "/" + ev.Step
		switch ev.Type {
		case plan.EventStepStarted:
			started[key], mark[key] = ev.Time, ev.Time
			delete(spans, key)
			delete(gateFrom, key)
		case plan.EventActionStarted:
			from, ok := mark[key]
			if !ok {
				from = ev.Time
			}
			open[key+"/"+ev.Action] = from
		case plan.EventActionDone:
			if from, ok := open[key+"/"+ev.Action]; ok {
				add(key, "actions", from, ev.Time)
				delete(open, key+"/"+ev.Action)
				mark[key] = ev.Time
			}
		case plan.EventGate:
			if _, ok := gateFrom[key]; !ok {
				from, ok := mark[key]
				if !ok {
					from = ev.Time
				}
				gateFrom[key] = from
			}
		case plan.EventGatePassed:
			if from, ok := gateFrom[key]; ok {
				add(key, "gates", from, ev.Time)
				gateFrom[key], mark[key] = ev.Time, ev.Time
			}
		case plan.EventWaiting:
			if ev.Until != nil {
				add(key, "waits", ev.Time, *ev.Until)
			}
		case plan.EventStepFinished:
			from, ok := started[key]
			if !ok {
				continue
			}
			st := StepTime{Step: ev.Step, Wall: ev.Time.Sub(from)}
			step := []span{{from, ev.Time}}
			waits := intersect(union(spans[key]["waits"]), step)
			gates := minus(intersect(union(spans[key]["gates"]), step), waits)
			actions := minus(minus(intersect(union(spans[key]["actions"]), step), waits), gates)
			st.Waits, st.Gates, st.Actions = total(waits), total(gates), total(actions)
			st.Rest = max(st.Wall-st.Actions-st.Gates-st.Waits, 0)
			out = append(out, st)
		}
	}
	return out
}

type span struct{ from, to time.Time }

// union merges overlapping spans into sorted, disjoint ones.
func union(in []span) []span {
	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b span) int { return a.from.Compare(b.from) })
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 && !x.from.After(out[n-1].to) {
			if x.to.After(out[n-1].to) {
				out[n-1].to = x.to
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// intersect keeps the parts of the disjoint spans a inside the disjoint
// spans b.
func intersect(a, b []span) []span {
	var out []span
	for _, x := range a {
		for _, y := range b {
			from, to := later(x.from, y.from), earlier(x.to, y.to)
			if to.After(from) {
				out = append(out, span{from, to})
			}
		}
	}
	return out
}

// minus removes the disjoint spans b from the disjoint spans a.
func minus(a, b []span) []span {
	out := a
	for _, y := range b {
		var next []span
		for _, x := range out {
			if !x.to.After(y.from) || !y.to.After(x.from) {
				next = append(next, x)
				continue
			}
			if y.from.After(x.from) {
				next = append(next, span{x.from, y.from})
			}
			if x.to.After(y.to) {
				next = append(next, span{y.to, x.to})
			}
		}
		out = next
	}
	return out
}

func total(s []span) time.Duration {
	var d time.Duration
	for _, x := range s {
		d += x.to.Sub(x.from)
	}
	return d
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// String is one line of a report: "STEP: wall W = actions A + gates G +
// waits D + rest R".
func (s StepTime) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
	return fmt.Sprintf("%s: wall %s = actions %s + gates %s + waits %s + rest %s",
		s.Step, r(s.Wall), r(s.Actions), r(s.Gates), r(s.Waits), r(s.Rest))
}
