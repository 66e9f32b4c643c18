package mimirapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ErrNoReleaseVersion means the build reports no release version: an
// unstamped build ("unknown"), a weekly or branch build (e.g. "r312-1a2b3c",
// "main-1a2b3c"). Nothing can be concluded from such a version: the version
// gate judges it as its spec's unknown says, never by a guessed number.
var ErrNoReleaseVersion = errors.New("not a release version")

// ParseVersion reads a release version as /api/v1/status/buildinfo reports
// it: MAJOR.MINOR[.PATCH][-PRE][+BUILD], with an optional "v" prefix (a
// missing patch reads as 0). It follows Semantic Versioning 2.0.0
// (https://semver.org) through github.com/Masterminds/semver/v3; the
// returned version orders pre-releases before their release
// (3.0.0-rc.0 < 3.0.0-rc.1 < 3.0.0) and ignores build metadata in
// comparisons.
//
// Anything else, including a bare major number ("2") that semver's lenient
// parser would read as 2.0.0, is an error wrapping ErrNoReleaseVersion that
// names s: Mimir's releases report MAJOR.MINOR.PATCH (testdata/mimir-2.9.0
// and mimir-3.0.5 hold captured build info), and a weekly build's
// "r312-1a2b3c" must not be read as a number.
func ParseVersion(s string) (*semver.Version, error) {
	s = strings.TrimSpace(s)
	core, _, _ := strings.Cut(strings.TrimPrefix(s, "v"), "-")
	core, _, _ = strings.Cut(core, "+")
	if !strings.Contains(core, ".") {
		return nil, fmt.Errorf("version %q: %w (want MAJOR.MINOR.PATCH such as 2.17.0)", s, ErrNoReleaseVersion)
	}
	v, err := semver.NewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("version %q: %w (want MAJOR.MINOR.PATCH such as 2.17.0)", s, ErrNoReleaseVersion)
	}
	return v, nil
}
