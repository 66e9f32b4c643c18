package helmenv

import (
	"fmt"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// MissingDependencyError is a dependency of the chart (Chart.yaml's
// dependencies) that the values enable but that is not in its charts/
// directory, so that its templates and named templates are missing.
type MissingDependencyError struct {
	// Chart is the chart's name; Dependencies the missing ones, each as
	// "name (condition: path)", "name (tags: a, b)" or "name (always
	// enabled)".
	Chart        string
	Dependencies []string
	// Disable are the values that would turn them off ("minio.enabled",
	// "tags.extras").
	Disable []string
}

// Error names the dependencies and both ways out.
func (e *MissingDependencyError) Error() string {
	msg := fmt.Sprintf("chart %s: dependencies enabled by the values but not in its charts/ directory: %s; run `helm dependency build` on the chart (it needs the dependencies' repositories), or pass a chart that contains them",
		e.Chart, strings.Join(e.Dependencies, ", "))
	if len(e.Disable) > 0 {
		msg += ", or disable them in your values (" + strings.Join(e.Disable, ": false, ") + ": false)"
	}
	return msg
}

// checkDependencies returns a *MissingDependencyError when vals (the
// user's values; the chart's defaults are added) enable a dependency the
// chart does not contain. A dependency is enabled as Helm decides
// (chartutil's ProcessDependencies): by the first of its conditions that
// names a bool, else by its tags (any tag true, or no tag false), else
// always. Helm itself would fail in the first template that includes one
// of the dependency's named templates, with the whole configuration
// template in the message.
func checkDependencies(ch *chart.Chart, vals map[string]any) error {
	if ch.Metadata == nil || len(ch.Metadata.Dependencies) == 0 {
		return nil
	}
	present := map[string]bool{}
	for _, d := range ch.Dependencies() {
		present[d.Name()] = true
	}
	var coalesced common.Values
	var missing, disable []string
	for _, dep := range ch.Metadata.Dependencies {
		if present[dep.Name] {
			continue
		}
		if coalesced == nil {
			var err error
			if coalesced, err = util.CoalesceValues(ch, vals); err != nil {
				return fmt.Errorf("chart %s: values: %w", ch.Name(), err)
			}
		}
		name := dep.Name
		if dep.Alias != "" {
			name = dep.Alias
		}
		enabled, cond := dependencyEnabled(dep, coalesced)
		if !enabled {
			continue
		}
		switch {
		case cond != "":
			missing = append(missing, fmt.Sprintf("%s (condition: %s)", name, cond))
			disable = append(disable, cond)
		case len(dep.Tags) > 0:
			missing = append(missing, fmt.Sprintf("%s (tags: %s)", name, strings.Join(dep.Tags, ", ")))
			for _, t := range dep.Tags {
				disable = append(disable, "tags."+t)
			}
		default:
			missing = append(missing, name+" (always enabled)")
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingDependencyError{Chart: ch.Name(), Dependencies: missing, Disable: disable}
}

// dependencyEnabled decides dep as Helm does and returns the condition
// path that decided it ("" when its tags or nothing did).
func dependencyEnabled(dep *chart.Dependency, vals common.Values) (bool, string) {
	for c := range strings.SplitSeq(dep.Condition, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if v, err := vals.PathValue(c); err == nil {
			if b, ok := v.(bool); ok {
				return b, c
			}
		}
	}
	tags, _ := vals.Table("tags")
	anyTrue, anyFalse := false, false
	for _, t := range dep.Tags {
		if b, ok := tags[t].(bool); ok {
			anyTrue = anyTrue || b
			anyFalse = anyFalse || !b
		}
	}
	return anyTrue || !anyFalse, ""
}
