package mimirapi

import (
	"errors"
	"fmt"
	"strings"
)

// Range is a set of versions written as in plans: space-separated
// comparators that must all hold (">=2.0.0 <3.0.0"), alternatives separated
// by "||". Operators: >=, >, <=, <, = (or none).
//
// Pre-releases follow semver precedence (2.17.0-rc.1 < 2.17.0), with one
// safety rule: an upper bound "<X.Y.Z" also excludes every pre-release of
// X.Y.Z, so a 3.0.0 release candidate is not taken for a 2.x build.
type Range struct {
	raw  string
	alts [][]comparator
}

type comparator struct {
	op string
	v  Version
}

// ParseRange reads a range; errors name the part that does not parse.
func ParseRange(s string) (Range, error) {
	r := Range{raw: strings.TrimSpace(s)}
	if r.raw == "" {
		return Range{}, errors.New("empty version range; write e.g. \">=2.0.0 <3.0.0\"")
	}
	for _, alt := range strings.Split(r.raw, "||") {
		fields := strings.Fields(alt)
		if len(fields) == 0 {
			return Range{}, fmt.Errorf("version range %q: empty alternative around ||", s)
		}
		var cs []comparator
		for _, f := range fields {
			c, err := parseComparator(f)
			if err != nil {
				return Range{}, fmt.Errorf("version range %q: %w", s, err)
			}
			cs = append(cs, c)
		}
		r.alts = append(r.alts, cs)
	}
	return r, nil
}

func parseComparator(f string) (comparator, error) {
	op := ""
	for _, o := range []string{">=", "<=", ">", "<", "="} {
		if strings.HasPrefix(f, o) {
			op = o
			break
		}
	}
	v, err := ParseVersion(strings.TrimPrefix(f, op))
	if err != nil {
		return comparator{}, fmt.Errorf("%q: want an operator (>=, >, <=, <, =) and a version such as 2.17.0", f)
	}
	if op == "" {
		op = "="
	}
	return comparator{op: op, v: v}, nil
}

// Contains reports whether v is in the range.
func (r Range) Contains(v Version) bool {
	for _, alt := range r.alts {
		ok := true
		for _, c := range alt {
			if !c.holds(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c comparator) holds(v Version) bool {
	cmp := v.Compare(c.v)
	switch c.op {
	case ">=":
		return cmp >= 0
	case ">":
		return cmp > 0
	case "<=":
		return cmp <= 0
	case "<":
		if c.v.Pre == "" && v.Pre != "" && compareCore(v, c.v) == 0 {
			return false
		}
		return cmp < 0
	}
	return cmp == 0
}

// String returns the range as written.
func (r Range) String() string { return r.raw }
