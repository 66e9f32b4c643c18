package envchange

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/kube"
)

// autoscalerConflicts names the autoscalers that would undo a replica change
// objs make (the environment as applied with the step's overlay;
// kube.Autoscalers.WouldUndo): a KEDA ScaledObject scales a zeroed
// Deployment back up unless it is paused, so a step that scaled a component
// down would report success and the component would return. The live
// workloads read are kept in live (nil: not kept) for the diff that follows.
// Without a cluster client (tests of rendering alone) there is nothing to
// read.
func (a *jsonnetAction) autoscalerConflicts(ctx context.Context, objs []*unstructured.Unstructured, live kube.LiveObjects) ([]string, error) {
	d := a.d
	if d.Dynamic == nil {
		return nil, nil
	}
	changes, err := kube.ReplicaChanges(ctx, d.Dynamic, d.Mapper, objs, live)
	if err != nil {
		return nil, err
	}
	byNamespace := map[string]bool{}
	for _, c := range changes {
		byNamespace[c.Namespace] = true
	}
	var out []string
	for _, ns := range slices.Sorted(maps.Keys(byNamespace)) {
		as, err := kube.ListAutoscalers(ctx, d.Dynamic, d.Mapper, ns, objs)
		if err != nil {
			return nil, err
		}
		out = append(out, as.WouldUndo(changes)...)
	}
	sort.Strings(out)
	return out, nil
}

// refuseAutoscalerConflicts is autoscalerConflicts as an error, checked
// before the overlay file is written so that nothing changes.
func (a *jsonnetAction) refuseAutoscalerConflicts(ctx context.Context, objs []*unstructured.Unstructured, live kube.LiveObjects) error {
	conflicts, err := a.autoscalerConflicts(ctx, objs, live)
	if err != nil || len(conflicts) == 0 {
		return err
	}
	return fmt.Errorf("step %s refused, nothing was changed:\n  %s", a.step.ID, strings.Join(conflicts, "\n  "))
}
