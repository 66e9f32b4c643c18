package mimirapi

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a release version of Mimir, e.g. 2.9.0 or 3.0.0-rc.1.
type Version struct {
	Major, Minor, Patch int
	// Pre is the pre-release part after "-", e.g. "rc.1".
	Pre string
}

// ErrNoReleaseVersion means the build reports no release version: an
// unstamped build ("unknown"), a weekly or branch build (e.g. "r312-1a2b3c",
// "main-1a2b3c"). Nothing can be concluded from such a version.
var ErrNoReleaseVersion = errors.New("not a release version")

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

// ParseVersion reads a release version; a missing patch reads as 0.
func ParseVersion(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Version{}, fmt.Errorf("version %q: %w", s, ErrNoReleaseVersion)
	}
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	return Version{Major: atoi(m[1]), Minor: atoi(m[2]), Patch: atoi(m[3]), Pre: m[4]}, nil
}

// String writes the version as MAJOR.MINOR.PATCH[-PRE].
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Compare orders versions by semver precedence: -1, 0 or 1.
func (v Version) Compare(o Version) int {
	if c := compareCore(v, o); c != 0 {
		return c
	}
	return comparePre(v.Pre, o.Pre)
}

func compareCore(a, b Version) int {
	for _, d := range [][2]int{{a.Major, b.Major}, {a.Minor, b.Minor}, {a.Patch, b.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// comparePre compares pre-release strings; no pre-release ranks highest.
func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := compareIdent(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(as), len(bs))
}

func compareIdent(a, b string) int {
	an, aErr := strconv.Atoi(a)
	bn, bErr := strconv.Atoi(b)
	switch {
	case aErr == nil && bErr == nil:
		return cmpInt(an, bn)
	case aErr == nil:
		return -1
	case bErr == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
