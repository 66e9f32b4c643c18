package promgate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate"
)

// Spec is a PromQL gate in a step file:
//
//	promql:
//	  query: sum by (pod) (rate(cortex_query_frontend_queries_total[1m]))
//	  op: "=="
//	  threshold: 0
//	  onEmpty: pass
//	  for: 5m
//
// The query is an instant query evaluated at the gate's clock; the
// condition's keys (of, op, threshold, onEmpty, onNaN) sit beside it.
type Spec struct {
	// Query is the PromQL expression; it must return an instant vector or a
	// scalar.
	Query          string `yaml:"query" json:"query"`
	gate.Condition `yaml:",inline" json:",inline"`
	// For is how long the condition must hold without interruption before
	// the gate passes; until then it is inconclusive. Any evaluation that is
	// not a pass starts the count again.
	For duration.Duration `yaml:"for,omitempty" json:"for,omitempty"`
}

// Validate reports a spec that cannot work, naming the field.
func (s Spec) Validate() error {
	var errs []error
	if strings.TrimSpace(s.Query) == "" {
		errs = append(errs, errors.New("query: missing; write the PromQL expression to evaluate"))
	} else if err := balanced(s.Query); err != nil {
		errs = append(errs, fmt.Errorf("query: %w", err))
	}
	if err := s.Condition.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// balanced catches the commonest PromQL typos (such as the seed's
// `job=~".*mimir-read.*))"`) before a plan runs: unbalanced brackets or
// quotes. The server judges everything else.
func balanced(q string) error {
	var stack []rune
	var quote rune
	escaped, comment := false, false
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, c := range q {
		switch {
		case comment:
			comment = c != '\n'
		case quote != 0 && escaped:
			escaped = false
		case quote != 0 && c == '\\':
			escaped = true
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '#':
			comment = true
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return fmt.Errorf("unbalanced %q in %s", c, q)
			}
			stack = stack[:len(stack)-1]
		}
	}
	switch {
	case quote != 0:
		return fmt.Errorf("unterminated %c quote in %s", quote, q)
	case len(stack) > 0:
		return fmt.Errorf("unclosed %q in %s", stack[len(stack)-1], q)
	}
	return nil
}

// Describe renders the gate, e.g.
// "promql `sum(up)`: sum >= 3 for 5m".
func (s Spec) Describe() string {
	d := fmt.Sprintf("promql `%s`: %s", oneLine(s.Query), s.Condition.Describe())
	if s.For > 0 {
		d += " for " + s.For.String()
	}
	return d
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }
