// Package verdict holds the outcome of a check made against a live cluster:
// pass, fail or inconclusive, with the observation that led to it.
//
// Every gate in mimirctl (ring membership, PromQL, pod metrics, versions,
// rollouts) reports an Observation. Inconclusive is a first-class outcome: an
// unreachable endpoint or an empty query result is never a pass.
package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Verdict is the outcome of one evaluation of a check.
type Verdict int

const (
	// Inconclusive means the check could not tell: the source was unreachable,
	// answered nothing, or answered something that cannot be judged. It is the
	// zero value so that a forgotten assignment never reads as a pass.
	Inconclusive Verdict = iota
	// Pass means the condition holds.
	Pass
	// Fail means the condition was evaluated and does not hold.
	Fail
)

// String returns the lower-case name used in output and state.
func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	default:
		return "inconclusive"
	}
}

// Parse turns a name written by String back into a Verdict.
func Parse(s string) (Verdict, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pass":
		return Pass, nil
	case "fail":
		return Fail, nil
	case "inconclusive":
		return Inconclusive, nil
	}
	return Inconclusive, fmt.Errorf("unknown verdict %q (want pass, fail or inconclusive)", s)
}

// MarshalJSON writes the verdict as its name.
func (v Verdict) MarshalJSON() ([]byte, error) { return json.Marshal(v.String()) }

// UnmarshalJSON reads a verdict written by MarshalJSON.
func (v *Verdict) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Observation is what one evaluation saw and concluded.
type Observation struct {
	Verdict Verdict `json:"verdict"`
	// Summary is one line for humans, e.g. "3/3 ingesters ACTIVE in zone-a".
	Summary string `json:"summary"`
	// Details lists the specific offenders or values behind the verdict,
	// e.g. "ingester-zone-b-0: LEAVING, heartbeat 42s ago".
	Details []string `json:"details,omitempty"`
}

// Passf builds a passing observation.
func Passf(format string, args ...any) Observation {
	return Observation{Verdict: Pass, Summary: fmt.Sprintf(format, args...)}
}

// Failf builds a failing observation.
func Failf(format string, args ...any) Observation {
	return Observation{Verdict: Fail, Summary: fmt.Sprintf(format, args...)}
}

// Inconclusivef builds an inconclusive observation.
func Inconclusivef(format string, args ...any) Observation {
	return Observation{Verdict: Inconclusive, Summary: fmt.Sprintf(format, args...)}
}

// WithDetails returns the observation with details appended.
func (o Observation) WithDetails(details ...string) Observation {
	o.Details = append(append([]string(nil), o.Details...), details...)
	return o
}

// String renders the observation on one line.
func (o Observation) String() string {
	if len(o.Details) == 0 {
		return fmt.Sprintf("%s: %s", o.Verdict, o.Summary)
	}
	return fmt.Sprintf("%s: %s (%s)", o.Verdict, o.Summary, strings.Join(o.Details, "; "))
}

// All combines observations: it passes only when every one passes, fails when
// any fails, and is inconclusive otherwise (or when there is nothing to judge).
func All(summary string, obs ...Observation) Observation {
	out := Observation{Verdict: Pass, Summary: summary}
	if len(obs) == 0 {
		out.Verdict = Inconclusive
		out.Details = []string{"nothing was observed"}
		return out
	}
	for _, o := range obs {
		switch {
		case o.Verdict == Fail:
			out.Verdict = Fail
		case o.Verdict == Inconclusive && out.Verdict == Pass:
			out.Verdict = Inconclusive
		}
		if o.Verdict != Pass {
			out.Details = append(out.Details, o.Summary)
			out.Details = append(out.Details, o.Details...)
		}
	}
	return out
}
