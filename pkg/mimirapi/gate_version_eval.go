package mimirapi

import (
	"context"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// VersionGate checks that every selected pod runs a supported version.
type VersionGate struct {
	spec VersionSpec
	rng  Range
	deps gate.Deps
}

var _ gate.Gate = (*VersionGate)(nil)

// NewVersionGate builds a version gate.
func NewVersionGate(spec VersionSpec, deps gate.Deps) (*VersionGate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	rng, _ := ParseRange(spec.Supported)
	return &VersionGate{spec: spec, rng: rng, deps: deps}, nil
}

// Describe says what the gate checks.
func (g *VersionGate) Describe() string { return g.spec.Describe() }

// Evaluate reads every pod's build info. A version outside the range fails
// with the reason; a build without a release version is judged as the spec's
// unknown says, never guessed.
func (g *VersionGate) Evaluate(ctx context.Context) verdict.Observation {
	return gate.JudgePods(ctx, g.deps, g.spec.Pods, gate.PodOptions{MinPods: g.spec.MinPods, SkipTerminating: true}, "run a supported version",
		func(ctx context.Context, t podaccess.Target) verdict.Observation { return g.judge(ctx, t) })
}

func (g *VersionGate) judge(ctx context.Context, t podaccess.Target) verdict.Observation {
	bi, err := FetchBuildInfo(ctx, g.deps.Pods, t)
	if err != nil {
		return verdict.Inconclusivef("cannot read the version: %v", err)
	}
	v, err := ParseVersion(bi.Version)
	if err == nil {
		if g.rng.Contains(v) {
			return verdict.Passf("Mimir %s is within %s", v, g.rng)
		}
		o := verdict.Failf("Mimir %s is outside the supported range %s", v, g.rng)
		if g.spec.Reason != "" {
			o = o.WithDetails(g.spec.Reason)
		}
		return o
	}
	what := fmt.Sprintf("the build reports version %q (revision %s), not a release", bi.Version, orDash(bi.Revision))
	switch g.spec.Unknown {
	case UnknownFail:
		return verdict.Failf("%s: refused (unknown: fail)", what)
	case UnknownDetect:
		return g.detect(ctx, t, what)
	}
	return verdict.Inconclusivef("%s: cannot tell whether it is within %s; set unknown: detect with probes, or unknown: fail", what, g.rng)
}

// detect judges an unversioned build by its features.
func (g *VersionGate) detect(ctx context.Context, t podaccess.Target, what string) verdict.Observation {
	var cfg *Document
	var mismatched, seen []string
	for _, p := range g.spec.Detect {
		present, err := g.probe(ctx, t, p, &cfg)
		if err != nil {
			return verdict.Inconclusivef("%s; feature detection failed: %v", what, err)
		}
		got := map[bool]string{true: "present", false: "absent"}[present]
		if got != p.Expect {
			mismatched = append(mismatched, fmt.Sprintf("%s: is %s", p, got))
		} else {
			seen = append(seen, p.String())
		}
	}
	if len(mismatched) > 0 {
		return verdict.Failf("%s; its features do not match %s", what, g.rng).WithDetails(mismatched...)
	}
	return verdict.Passf("%s; feature detection matches %s", what, g.rng).WithDetails(seen...)
}

func (g *VersionGate) probe(ctx context.Context, t podaccess.Target, p FeatureProbe, cfg **Document) (bool, error) {
	if p.Path != "" {
		code, _, err := podaccess.Get(ctx, g.deps.Pods, t, p.Path, nil)
		if err != nil {
			return false, err
		}
		return code != 404, nil
	}
	if *cfg == nil {
		doc, err := FetchConfig(ctx, g.deps.Pods, t, "")
		if err != nil {
			return false, err
		}
		*cfg = &doc
	}
	_, ok := (*cfg).Lookup(p.ConfigKey)
	return ok, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
