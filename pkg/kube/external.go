package kube

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/mimirctl/mimirctl/pkg/diff"
)

// MatchOptions tune WaitUntilMatches.
type MatchOptions struct {
	WaitOptions
	Diff diff.Options
	// Progress, when not nil, receives each poll's report.
	Progress func(*diff.Report)
}

// WaitUntilMatches is --apply-mode=external: someone else's pipeline (a
// GitOps controller, a colleague's `tk apply`) applies the written overlay,
// and mimirctl polls until the live objects match desired and the objects
// in gone no longer exist. It returns the last report; when ctx ends first,
// the error says what still differs. Pass the rendered objects as the
// pipeline applies them (without Ownership labels, which only mimirctl's own
// apply adds).
func WaitUntilMatches(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, desired, gone []*unstructured.Unstructured, opts MatchOptions) (*diff.Report, error) {
	var last *diff.Report
	err := poll(ctx, opts.WaitOptions, func() (bool, error) {
		pairs, err := LivePairs(ctx, dyn, mapper, desired, gone)
		if err != nil {
			return false, err
		}
		last, err = diff.Compare(pairs, opts.Diff)
		if err != nil {
			return false, err
		}
		if opts.Progress != nil {
			opts.Progress(last)
		}
		return last.Empty(), nil
	})
	if err != nil && ctx.Err() != nil && last != nil {
		return last, fmt.Errorf("wait for the cluster to match the environment: still %s (%s): %w", last.Summary(), objectsIn(last), err)
	}
	return last, err
}

func objectsIn(r *diff.Report) string {
	s := ""
	for i, o := range r.Objects {
		if i > 0 {
			s += ", "
		}
		s += o.Ref.String()
	}
	return s
}
