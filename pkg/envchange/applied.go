package envchange

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// AppliedObjects are the objects an apply of the rendered environment r
// sends: r's objects with the ownership labels mimirctl adds
// (kube.Ownership.Label), or, with --apply-mode=external (external), r's
// objects as rendered, which the user's pipeline applies. Jsonnet actions,
// their previews and `diff` all take the objects from here, so that they
// cannot disagree on what apply sends.
func AppliedObjects(r *tanka.Result, external bool) ([]*unstructured.Unstructured, kube.Ownership, error) {
	own, err := ownership(r)
	if err != nil {
		return nil, own, err
	}
	if external {
		return r.Objects, own, nil
	}
	return own.Label(r.Objects), own, nil
}

// EnvironmentDiff is what an apply of an environment would change.
type EnvironmentDiff struct {
	// Report lists the objects to create, update and delete (leftovers
	// mimirctl applied that the environment no longer renders).
	Report *diff.Report
	// Kept names the leftovers labelled for the environment that an apply
	// leaves in place, and why (see kube.PruneCandidates).
	Kept []string
}

// DiffEnvironment compares what an apply of the rendered environment r would
// send (AppliedObjects) with the live objects, the way a jsonnet action
// checks that it is done: a cluster an apply converged diffs empty.
func DiffEnvironment(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, r *tanka.Result, external bool) (*EnvironmentDiff, error) {
	objs, own, err := AppliedObjects(r, external)
	if err != nil {
		return nil, err
	}
	prune, err := kube.PruneCandidates(ctx, dyn, mapper, objs, kube.PruneOptions{Ownership: own})
	if err != nil {
		return nil, err
	}
	report, err := compareLive(ctx, dyn, mapper, objs, toDelete(prune, external), nil)
	if err != nil {
		return nil, err
	}
	d := &EnvironmentDiff{Report: report}
	if !external {
		d.Kept = keptWarnings(prune)
	}
	return d, nil
}

// toDelete is what an apply deletes of the leftovers prune: those mimirctl
// applied. With --apply-mode=external (external) it is every labelled
// leftover, which a step waits for the user's pipeline to delete; mimirctl
// itself deletes nothing then.
func toDelete(prune []kube.PruneItem, external bool) []kube.PruneItem {
	if external {
		return prune
	}
	return kube.Deletions(prune)
}

// compareLive compares objs with their live counterparts and adds the
// deletions to the report. The live objects live holds already (read by
// kube.ReplicaChanges for the same objs) are not read again; live may be nil.
func compareLive(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, objs []*unstructured.Unstructured, deletions []kube.PruneItem, live kube.LiveObjects) (*diff.Report, error) {
	pairs, err := live.Pairs(ctx, dyn, mapper, objs, nil)
	if err != nil {
		return nil, err
	}
	r, err := diff.Compare(pairs, diff.Options{})
	if err != nil {
		return nil, err
	}
	for _, it := range deletions {
		r.Objects = append(r.Objects, diff.ObjectDiff{Ref: it.Object, Action: diff.ActionDelete})
	}
	return r, nil
}
