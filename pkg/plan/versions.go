package plan

import (
	"cmp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v3"
)

// VersionGate is a gate spec that admits the Mimir versions of a range
// (the engine's version gate, mimirapi.VersionSpec). A plan's
// mimirVersions is enforced by a preflight gate of such a spec: the loader
// refuses one whose range differs from mimirVersions.
type VersionGate interface {
	// SupportedVersions is the range as written, in the constraint syntax
	// of github.com/Masterminds/semver/v3 (e.g. ">=2.0.0 <3.0.0").
	SupportedVersions() string
}

// versionRangeHint says how to write a range.
const versionRangeHint = `write comparators such as ">=2.0.0 <3.0.0" (all must hold; alternatives separated by ||), as a version gate's supported`

// checkMimirVersions reports a mimirVersions that is not a version range.
func checkMimirVersions(r *docReader, root *yaml.Node, ranges string) {
	if ranges == "" {
		return
	}
	if _, err := semver.NewConstraint(ranges); err != nil {
		r.fail(cmp.Or(valueOf(root, "mimirVersions"), root), "mimirVersions", versionRangeHint, "%q is not a version range: %v", ranges, err)
	}
}

// checkPreflightVersions reports a preflight version gate (g, decoded from
// n at path) whose range is not the plan's mimirVersions: the plan would
// show one range and run on another. A range with an unbound parameter is
// not compared.
func checkPreflightVersions(r *docReader, n *yaml.Node, path string, mimirVersions string, g GateConfig) {
	vg, ok := g.Spec.(VersionGate)
	if !ok || mimirVersions == "" || r.hasPlaceholder(vg.SupportedVersions()) {
		return
	}
	if sameRange(vg.SupportedVersions(), mimirVersions) {
		return
	}
	r.fail(cmp.Or(valueOf(n, g.Kind, "supported"), n), path+"."+g.Kind+".supported", "give both the same range, or drop mimirVersions when the plan supports more than the gate admits",
		"preflight gate %s admits %q, but the plan's mimirVersions says %q", g.Name, vg.SupportedVersions(), mimirVersions)
}

// sameRange compares two ranges as written, whitespace aside.
func sameRange(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
