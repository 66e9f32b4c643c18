package mimirapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Range is a set of Mimir versions as a plan's version gate writes it
// (supported: ">=2.0.0 <3.0.0"), in the constraint syntax of
// github.com/Masterminds/semver/v3: comparators separated by spaces or
// commas must all hold, alternatives are separated by "||". Operators:
// =, !=, >, >=, <, <=, ~ (patch updates), ^ (minor updates); x, X or *
// as a wildcard (2.x); "2.0 - 2.17" for an inclusive range. A comparator
// without operator means = (with wildcards, e.g. "3.0" is any 3.0.z).
//
// Pre-releases (2.17.0-rc.1) are ordered by semver precedence, with one
// safety rule: a pre-release is in the range only when its release is in
// it too. An upper bound "<3.0.0" thus excludes 3.0.0-rc.1 (a release
// candidate of 3.0 is not taken for a 2.x build), while ">=2.0.0 <3.0.0"
// admits 2.17.0-rc.1 and ">=2.17.0" does not admit 2.17.0-rc.0.
type Range struct {
	raw string
	c   *semver.Constraints
}

// ParseRange reads a range. Its errors name s and show how to write one.
func ParseRange(s string) (Range, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return Range{}, errors.New(`empty version range; write e.g. ">=2.0.0 <3.0.0"`)
	}
	c, err := semver.NewConstraint(raw)
	if err != nil {
		return Range{}, fmt.Errorf(`version range %q: %w; write comparators such as ">=2.0.0 <3.0.0" (all must hold), alternatives separated by ||`, s, err)
	}
	c.IncludePrerelease = true
	return Range{raw: raw, c: c}, nil
}

// Contains reports whether v is in the range (see Range for pre-releases).
// The zero Range contains nothing.
func (r Range) Contains(v *semver.Version) bool {
	if r.c == nil || v == nil {
		return false
	}
	if !r.c.Check(v) {
		return false
	}
	if v.Prerelease() == "" {
		return true
	}
	release := semver.New(v.Major(), v.Minor(), v.Patch(), "", "")
	return r.c.Check(release)
}

// String returns the range as written.
func (r Range) String() string { return r.raw }
