package workloads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// CompareSpec is the `compare` action: the migration doc's optional check
// that each microservice and the read-write component taking over its work
// are configured alike. It changes nothing; its result is recorded in the
// run state and shown by `plan`.
type CompareSpec struct {
	// Source is live (default: the objects in the cluster) or rendered (the
	// environment with the overlay file).
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// Pairs default to the doc's list (diff.DefaultPairs).
	Pairs []diff.WorkloadPair `yaml:"pairs,omitempty" json:"pairs,omitempty"`
}

// Validate checks the spec.
func (s *CompareSpec) Validate() error {
	switch s.Source {
	case "", "live", "rendered":
		return nil
	}
	return fmt.Errorf("source %q: want live or rendered", s.Source)
}

// Describe says what is compared.
func (s *CompareSpec) Describe() string {
	src := s.Source
	if src == "" {
		src = "live"
	}
	return fmt.Sprintf("compare the .spec of %d microservice/read-write workload pairs (%s)", len(s.pairs()), src)
}

func (s *CompareSpec) pairs() []diff.WorkloadPair {
	if len(s.Pairs) > 0 {
		return s.Pairs
	}
	return diff.DefaultPairs()
}

type compareAction struct {
	spec *CompareSpec
	d    Deps
}

func (a *compareAction) compare(ctx context.Context) (*diff.PairReport, error) {
	var g diff.Getter = kube.Workloads{Dynamic: a.d.Dynamic, Mapper: a.d.Mapper, Namespace: a.d.Namespace}
	if a.spec.Source == "rendered" {
		if a.d.Rendered == nil {
			return nil, errors.New("compare with source rendered needs the Tanka environment, which this run has none of")
		}
		objs, err := a.d.Rendered(ctx)
		if err != nil {
			return nil, err
		}
		g = diff.Objects(objs)
	}
	return diff.ComparePairs(ctx, g, a.spec.pairs())
}

// Check never says done: the comparison is a report, run once per run.
func (a *compareAction) Check(context.Context) (bool, string, error) {
	return false, "informational: compares and records, changes nothing", nil
}

// Apply compares and records one line per pair.
func (a *compareAction) Apply(ctx context.Context, p plan.Progress) error {
	r, err := a.compare(ctx)
	if err != nil {
		return err
	}
	for _, res := range r.Results {
		line := pairLine(res)
		p.Report(line)
		if err := p.Set(ctx, "pair/"+res.Pair.From.String()+"~"+res.Pair.To.String(), line); err != nil {
			return err
		}
	}
	return nil
}

// Preview shows the comparison.
func (a *compareAction) Preview(ctx context.Context) (plan.Change, error) {
	r, err := a.compare(ctx)
	if err != nil {
		return plan.Change{}, err
	}
	var buf bytes.Buffer
	if err := r.WriteHuman(&buf, diff.ColorNever); err != nil {
		return plan.Change{}, err
	}
	n := 0
	for _, res := range r.Results {
		if len(res.Changes) > 0 {
			n++
		}
	}
	return plan.Change{Summary: fmt.Sprintf("%d of %d pairs differ", n, len(r.Results)), Diff: strings.TrimRight(buf.String(), "\n"), Data: r}, nil
}

func pairLine(res diff.PairResult) string {
	switch {
	case len(res.Missing) > 0:
		return fmt.Sprintf("%s vs %s: not compared, missing %s", res.Pair.From, res.Pair.To, strings.Join(res.Missing, ", "))
	case len(res.Changes) == 0:
		return fmt.Sprintf("%s vs %s: same spec", res.Pair.From, res.Pair.To)
	}
	paths := make([]string, 0, len(res.Changes))
	for i, c := range res.Changes {
		if i == 5 {
			paths = append(paths, fmt.Sprintf("… %d more", len(res.Changes)-5))
			break
		}
		paths = append(paths, c.Path)
	}
	return fmt.Sprintf("%s vs %s: %d differences (%s)", res.Pair.From, res.Pair.To, len(res.Changes), strings.Join(paths, ", "))
}
