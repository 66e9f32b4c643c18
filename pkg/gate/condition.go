package gate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Op compares an observed value with a threshold.
type Op string

// Comparison operators, written in step files as in PromQL.
const (
	OpLT Op = "<"
	OpLE Op = "<="
	OpEQ Op = "=="
	OpNE Op = "!="
	OpGE Op = ">="
	OpGT Op = ">"
)

// Validate reports an unknown operator.
func (o Op) Validate(field string) error {
	switch o {
	case OpLT, OpLE, OpEQ, OpNE, OpGE, OpGT:
		return nil
	case "":
		return fmt.Errorf("%s: missing; write one of <, <=, ==, !=, >=, >", field)
	}
	return fmt.Errorf("%s: unknown operator %q (want one of <, <=, ==, !=, >=, >)", field, string(o))
}

// Holds reports whether "v op threshold" is true. NaN never holds.
func (o Op) Holds(v, threshold float64) bool {
	switch o {
	case OpLT:
		return v < threshold
	case OpLE:
		return v <= threshold
	case OpEQ:
		return v == threshold
	case OpNE:
		return !math.IsNaN(v) && v != threshold
	case OpGE:
		return v >= threshold
	case OpGT:
		return v > threshold
	}
	return false
}

// Of says what a condition compares with its threshold.
type Of string

// What a condition compares.
const (
	// OfEvery compares every series on its own; all must hold.
	OfEvery Of = "every"
	// OfSum compares the sum of all series.
	OfSum Of = "sum"
	// OfCount compares the number of series.
	OfCount Of = "count"
)

// Condition compares values (query results, scraped metrics) with a
// threshold. Empty input and NaN values are explicit outcomes the spec
// chooses; both default to inconclusive.
type Condition struct {
	// Of is every (default), sum or count.
	Of Of `yaml:"of,omitempty" json:"of,omitempty"`
	// Op is one of <, <=, ==, !=, >=, >.
	Op Op `yaml:"op,omitempty" json:"op,omitempty"`
	// Threshold is the right-hand side of the comparison; required.
	Threshold *float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
	// OnEmpty is the verdict when there is nothing to compare: pass, fail or
	// inconclusive (default).
	OnEmpty Outcome `yaml:"onEmpty,omitempty" json:"onEmpty,omitempty"`
	// OnNaN judges NaN values: inconclusive (default), pass or fail (the NaN
	// series counts as holding or not holding; for sum, the whole sum), or
	// ignore (NaN series are left out).
	OnNaN Outcome `yaml:"onNaN,omitempty" json:"onNaN,omitempty"`
}

// Validate checks the condition's fields; messages name the spec key.
func (c Condition) Validate() error {
	var errs []error
	switch c.Of {
	case "", OfEvery, OfSum, OfCount:
	default:
		errs = append(errs, fmt.Errorf("of: unknown value %q (want every, sum or count)", string(c.Of)))
	}
	if err := c.Op.Validate("op"); err != nil {
		errs = append(errs, err)
	}
	if c.Threshold == nil {
		errs = append(errs, errors.New("threshold: missing; write the number to compare with, e.g. threshold: 0"))
	} else if math.IsNaN(*c.Threshold) {
		errs = append(errs, errors.New("threshold: NaN compares false with everything; write a number"))
	}
	if err := c.OnEmpty.Validate("onEmpty", false); err != nil {
		errs = append(errs, err)
	}
	if err := c.OnNaN.Validate("onNaN", true); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// of returns c.Of with its default applied.
func (c Condition) of() Of {
	if c.Of == "" {
		return OfEvery
	}
	return c.Of
}

func (c Condition) threshold() float64 {
	if c.Threshold == nil {
		return math.NaN()
	}
	return *c.Threshold
}

// Describe renders the condition, e.g. "every series == 0 (empty: pass)".
func (c Condition) Describe() string {
	subject := map[Of]string{OfEvery: "every series", OfSum: "sum", OfCount: "count"}[c.of()]
	s := fmt.Sprintf("%s %s %s", subject, c.Op, FormatValue(c.threshold()))
	if c.OnEmpty != "" {
		s += fmt.Sprintf(" (empty: %s)", c.OnEmpty)
	}
	return s
}

// FormatValue renders a sample value compactly ("0", "0.25", "NaN", "+Inf").
func FormatValue(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
