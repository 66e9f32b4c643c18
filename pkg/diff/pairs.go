package diff

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/gonvenience/bunt"
	"github.com/homeport/dyff/pkg/dyff"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// Workload names a Deployment or StatefulSet in the compared namespace.
type Workload struct {
	Kind string `json:"kind" yaml:"kind"`
	Name string `json:"name" yaml:"name"`
}

func (w Workload) String() string { return w.Kind + "/" + w.Name }

// WorkloadPair is a microservice and the read-write component that takes
// over its work.
type WorkloadPair struct {
	From Workload `json:"from" yaml:"from"`
	To   Workload `json:"to" yaml:"to"`
}

// DefaultPairs are the comparisons the read-write migration doc suggests
// after step 2 ("Optionally double check configuration"):
// mimir.ReadWriteTakeovers.
func DefaultPairs() []WorkloadPair {
	var pairs []WorkloadPair
	for _, t := range mimir.ReadWriteTakeovers() {
		pairs = append(pairs, WorkloadPair{
			From: Workload{Kind: t.Microservice.Kind, Name: t.Microservice.Name},
			To:   Workload{Kind: t.ReadWrite.Kind, Name: t.ReadWrite.Name},
		})
	}
	return pairs
}

// Getter finds a workload, live or rendered; it returns nil, nil when the
// workload does not exist.
type Getter interface {
	Get(ctx context.Context, kind, name string) (*unstructured.Unstructured, error)
}

// Objects is a Getter over rendered objects.
type Objects []*unstructured.Unstructured

// Get finds the object of that kind and name.
func (o Objects) Get(_ context.Context, kind, name string) (*unstructured.Unstructured, error) {
	for _, obj := range o {
		if obj.GetKind() == kind && obj.GetName() == name {
			return obj, nil
		}
	}
	return nil, nil
}

// PairResult is the comparison of one pair's .spec.
type PairResult struct {
	Pair WorkloadPair `json:"pair"`
	// Missing lists the workloads of the pair that do not exist; their
	// pair is not compared.
	Missing []string `json:"missing,omitempty"`
	Changes []Change `json:"changes"`
	report  dyff.Report
}

// PairReport is the outcome of comparing pairs.
type PairReport struct {
	Results []PairResult `json:"results"`
}

// Differs reports whether a compared pair differs.
func (r *PairReport) Differs() bool {
	for _, p := range r.Results {
		if len(p.Changes) > 0 {
			return true
		}
	}
	return false
}

// Compared is the number of pairs whose workloads both exist (those
// compared).
func (r *PairReport) Compared() int {
	n := 0
	for _, p := range r.Results {
		if len(p.Missing) == 0 {
			n++
		}
	}
	return n
}

// ComparePairs compares the .spec of each pair's workloads.
func ComparePairs(ctx context.Context, g Getter, pairs []WorkloadPair) (*PairReport, error) {
	r := &PairReport{}
	for _, p := range pairs {
		res, err := comparePair(ctx, g, p)
		if err != nil {
			return nil, err
		}
		r.Results = append(r.Results, res)
	}
	return r, nil
}

func comparePair(ctx context.Context, g Getter, p WorkloadPair) (PairResult, error) {
	res := PairResult{Pair: p, Changes: []Change{}}
	var specs [2]any
	for i, w := range []Workload{p.From, p.To} {
		obj, err := g.Get(ctx, w.Kind, w.Name)
		if err != nil {
			return res, fmt.Errorf("get %s: %w", w, err)
		}
		if obj == nil {
			res.Missing = append(res.Missing, w.String())
			continue
		}
		specs[i] = obj.Object["spec"]
	}
	if len(res.Missing) > 0 {
		return res, nil
	}
	report, err := compareValues(p.From.String()+" .spec", specs[0], p.To.String()+" .spec", specs[1])
	if err != nil {
		return res, fmt.Errorf("compare %s with %s: %w", p.From, p.To, err)
	}
	res.report = report
	if changes := changesOf(report); changes != nil {
		res.Changes = changes
	}
	return res, nil
}

// WriteHuman writes each pair's differences in dyff's style.
func (r *PairReport) WriteHuman(w io.Writer, mode ColorMode) error {
	var buf bytes.Buffer
	err := withColor(UseColor(w, mode), func() error {
		for _, p := range r.Results {
			title := bunt.Style(fmt.Sprintf("%s vs %s", p.Pair.From, p.Pair.To), bunt.Bold())
			switch {
			case len(p.Missing) > 0:
				fmt.Fprintf(&buf, "%s: not compared, missing %v\n\n", title, p.Missing)
			case len(p.Changes) == 0:
				fmt.Fprintf(&buf, "%s: same .spec\n\n", title)
			default:
				fmt.Fprintf(&buf, "%s: %d differences in .spec\n", title, len(p.Changes))
				if err := humanReport(&buf, p.report); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
