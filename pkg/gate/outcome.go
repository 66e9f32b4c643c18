package gate

import (
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Outcome is the verdict a spec chooses for a situation that cannot be judged
// by the condition itself, such as an empty query result. The zero value means
// inconclusive.
type Outcome string

// Outcomes a spec may choose.
const (
	OutcomeInconclusive Outcome = "inconclusive"
	OutcomePass         Outcome = "pass"
	OutcomeFail         Outcome = "fail"
	// OutcomeIgnore drops the offending values and judges the rest; only
	// onNaN accepts it.
	OutcomeIgnore Outcome = "ignore"
)

// Validate reports an unknown outcome; field names the spec key for the
// message. allowIgnore admits OutcomeIgnore.
func (o Outcome) Validate(field string, allowIgnore bool) error {
	switch o {
	case "", OutcomeInconclusive, OutcomePass, OutcomeFail:
		return nil
	case OutcomeIgnore:
		if allowIgnore {
			return nil
		}
	}
	want := "pass, fail or inconclusive"
	if allowIgnore {
		want = "pass, fail, inconclusive or ignore"
	}
	return fmt.Errorf("%s: unknown outcome %q (want %s)", field, string(o), want)
}

// Verdict maps the outcome to a verdict; ignore and the zero value are
// inconclusive.
func (o Outcome) Verdict() verdict.Verdict {
	switch o {
	case OutcomePass:
		return verdict.Pass
	case OutcomeFail:
		return verdict.Fail
	}
	return verdict.Inconclusive
}

// String names the outcome, "inconclusive" for the zero value.
func (o Outcome) String() string {
	if o == "" {
		return string(OutcomeInconclusive)
	}
	return string(o)
}
