// Package podmetrics judges metrics scraped straight from pods' /metrics
// pages, without any Prometheus: a series selector such as
// cortex_multikv_primary_store{store="memberlist"} and a condition evaluated
// on every selected pod (e.g. "== 1 on every distributor").
//
// Pages are filtered line by line down to the one metric family before they
// are parsed with github.com/prometheus/common/expfmt, so a 500 KB page
// costs little memory.
package podmetrics

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
)

// Selector picks series of one metric by name and label matchers, written as
// in PromQL: name{label="v", other=~"re", third!="x", fourth!~"re"}.
type Selector struct {
	Name     string
	Matchers []Matcher
}

// Matcher compares one label's value.
type Matcher struct {
	Label string
	Op    string // =, !=, =~, !~
	Value string
	re    *regexp.Regexp
}

var metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`)
var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*`)

// ParseSelector reads a selector; errors say where it went wrong.
func ParseSelector(s string) (Selector, error) {
	in := strings.TrimSpace(s)
	name := metricNameRE.FindString(in)
	if name == "" {
		return Selector{}, fmt.Errorf("%q: start with a metric name, e.g. cortex_multikv_mirror_enabled{kv_name=\"distributor-hatracker\"}", s)
	}
	sel := Selector{Name: name}
	rest := strings.TrimSpace(in[len(name):])
	if rest == "" {
		return sel, nil
	}
	if !strings.HasPrefix(rest, "{") || !strings.HasSuffix(rest, "}") {
		return Selector{}, fmt.Errorf("%q: after the name write label matchers in braces", s)
	}
	body := strings.TrimSpace(rest[1 : len(rest)-1])
	for body != "" {
		m, tail, err := parseMatcher(body)
		if err != nil {
			return Selector{}, fmt.Errorf("%q: %w", s, err)
		}
		sel.Matchers = append(sel.Matchers, m)
		body = strings.TrimSpace(tail)
		if body != "" {
			if body[0] != ',' {
				return Selector{}, fmt.Errorf("%q: separate matchers with commas", s)
			}
			body = strings.TrimSpace(body[1:])
		}
	}
	return sel, nil
}

func parseMatcher(s string) (Matcher, string, error) {
	label := labelNameRE.FindString(s)
	if label == "" {
		return Matcher{}, "", fmt.Errorf("expected a label name at %q", s)
	}
	rest := strings.TrimSpace(s[len(label):])
	var op string
	for _, o := range []string{"=~", "!~", "!=", "="} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Matcher{}, "", fmt.Errorf("expected =, !=, =~ or !~ after %s", label)
	}
	rest = strings.TrimSpace(rest[len(op):])
	quoted, tail, err := leadingQuoted(rest)
	if err != nil {
		return Matcher{}, "", fmt.Errorf("value of %s: %w", label, err)
	}
	m := Matcher{Label: label, Op: op, Value: quoted}
	if op == "=~" || op == "!~" {
		if m.re, err = gate.WholeMatch(quoted); err != nil {
			return Matcher{}, "", fmt.Errorf("value of %s is not a regular expression: %w", label, err)
		}
	}
	return m, tail, nil
}

// leadingQuoted splits a double-quoted Go/PromQL string off the front of s.
func leadingQuoted(s string) (string, string, error) {
	if s == "" || s[0] != '"' {
		return "", "", errors.New("write it in double quotes")
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			return v, s[i+1:], err
		}
	}
	return "", "", errors.New("unterminated quote")
}

// Matches reports whether labels satisfy every matcher (a missing label is
// the empty string, as in PromQL).
func (s Selector) Matches(labels map[string]string) bool {
	for _, m := range s.Matchers {
		v := labels[m.Label]
		var ok bool
		switch m.Op {
		case "=":
			ok = v == m.Value
		case "!=":
			ok = v != m.Value
		case "=~":
			ok = m.re.MatchString(v)
		case "!~":
			ok = !m.re.MatchString(v)
		}
		if !ok {
			return false
		}
	}
	return true
}

// String renders the selector as written.
func (s Selector) String() string {
	if len(s.Matchers) == 0 {
		return s.Name
	}
	parts := make([]string, 0, len(s.Matchers))
	for _, m := range s.Matchers {
		parts = append(parts, fmt.Sprintf("%s%s%q", m.Label, m.Op, m.Value))
	}
	return s.Name + "{" + strings.Join(parts, ", ") + "}"
}
