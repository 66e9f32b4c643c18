package gate

import (
	"fmt"
	"math"
	"sort"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Sample is one value to judge, named by its series (e.g. `{pod="distributor-0"}`).
type Sample struct {
	Series string
	Value  float64
}

// MaxDetails bounds the lines an observation lists; the rest are counted.
const MaxDetails = 20

// Evaluate judges samples against the condition.
func (c Condition) Evaluate(samples []Sample) verdict.Observation {
	if c.OnNaN == OutcomeIgnore {
		samples = withoutNaN(samples)
	}
	if len(samples) == 0 {
		return verdict.Observation{
			Verdict: c.OnEmpty.Verdict(),
			Summary: fmt.Sprintf("nothing to compare (%s): onEmpty is %s", c.Describe(), c.OnEmpty),
		}
	}
	switch c.of() {
	case OfSum:
		return c.evalSum(samples)
	case OfCount:
		return c.evalCount(samples)
	default:
		return c.evalEvery(samples)
	}
}

func (c Condition) evalEvery(samples []Sample) verdict.Observation {
	var failing, undecided []string
	for _, s := range samples {
		switch {
		case math.IsNaN(s.Value) && c.OnNaN.Verdict() == verdict.Pass:
		case math.IsNaN(s.Value) && c.OnNaN.Verdict() == verdict.Fail:
			failing = append(failing, c.offender(s))
		case math.IsNaN(s.Value):
			undecided = append(undecided, fmt.Sprintf("%s: NaN (onNaN is %s)", s.Series, c.OnNaN))
		case !c.Op.Holds(s.Value, c.threshold()):
			failing = append(failing, c.offender(s))
		}
	}
	n := len(samples)
	switch {
	case len(failing) > 0:
		o := verdict.Failf("%s: %d of %d series do not hold", c.Describe(), len(failing), n)
		return o.WithDetails(LimitDetails(append(failing, undecided...))...)
	case len(undecided) > 0:
		o := verdict.Inconclusivef("%s: %d of %d series are NaN", c.Describe(), len(undecided), n)
		return o.WithDetails(LimitDetails(undecided)...)
	}
	return verdict.Passf("%s: all %d series hold", c.Describe(), n)
}

func (c Condition) evalSum(samples []Sample) verdict.Observation {
	sum := 0.0
	var nan []string
	for _, s := range samples {
		if math.IsNaN(s.Value) {
			nan = append(nan, s.Series+": NaN")
			continue
		}
		sum += s.Value
	}
	if len(nan) > 0 {
		o := verdict.Observation{
			Verdict: c.OnNaN.Verdict(),
			Summary: fmt.Sprintf("%s: sum is NaN (%d of %d series are NaN; onNaN is %s)", c.Describe(), len(nan), len(samples), c.OnNaN),
		}
		return o.WithDetails(LimitDetails(nan)...)
	}
	if c.Op.Holds(sum, c.threshold()) {
		return verdict.Passf("%s: sum is %s over %d series", c.Describe(), FormatValue(sum), len(samples))
	}
	o := verdict.Failf("%s: sum is %s over %d series", c.Describe(), FormatValue(sum), len(samples))
	return o.WithDetails(LimitDetails(largestFirst(samples))...)
}

func (c Condition) evalCount(samples []Sample) verdict.Observation {
	n := float64(len(samples))
	if c.Op.Holds(n, c.threshold()) {
		return verdict.Passf("%s: %d series", c.Describe(), len(samples))
	}
	o := verdict.Failf("%s: %d series", c.Describe(), len(samples))
	lines := make([]string, 0, len(samples))
	for _, s := range samples {
		lines = append(lines, s.Series)
	}
	return o.WithDetails(LimitDetails(lines)...)
}

func (c Condition) offender(s Sample) string {
	return fmt.Sprintf("%s: %s (want %s %s)", s.Series, FormatValue(s.Value), c.Op, FormatValue(c.threshold()))
}

// LimitDetails keeps the first MaxDetails lines and counts the rest.
func LimitDetails(lines []string) []string {
	if len(lines) <= MaxDetails {
		return lines
	}
	out := append([]string(nil), lines[:MaxDetails]...)
	return append(out, fmt.Sprintf("... and %d more", len(lines)-MaxDetails))
}

func withoutNaN(samples []Sample) []Sample {
	out := make([]Sample, 0, len(samples))
	for _, s := range samples {
		if !math.IsNaN(s.Value) {
			out = append(out, s)
		}
	}
	return out
}

func largestFirst(samples []Sample) []string {
	sorted := append([]Sample(nil), samples...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Value > sorted[j].Value })
	lines := make([]string, 0, len(sorted))
	for _, s := range sorted {
		lines = append(lines, fmt.Sprintf("%s: %s", s.Series, FormatValue(s.Value)))
	}
	return lines
}
