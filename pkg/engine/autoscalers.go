package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// autoscalerConflicts names the autoscalers that would undo a replica change
// the environment with overlay o makes (kube.Autoscalers.WouldUndo): a KEDA
// ScaledObject scales a zeroed Deployment back up unless it is paused, so a
// step that scaled a component down would report success and the component
// would return. Without a cluster client (tests of rendering alone) there
// is nothing to read.
func (a *jsonnetAction) autoscalerConflicts(ctx context.Context, o *tanka.Overlay) ([]string, error) {
	d := a.b.d
	if d.Dynamic == nil {
		return nil, nil
	}
	objs, err := a.applied(ctx, o)
	if err != nil {
		return nil, err
	}
	changes, err := kube.ReplicaChanges(ctx, d.Dynamic, d.Mapper, objs)
	if err != nil {
		return nil, err
	}
	byNamespace := map[string]bool{}
	for _, c := range changes {
		byNamespace[c.Namespace] = true
	}
	var out []string
	for _, ns := range sortedKeys(byNamespace) {
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
func (a *jsonnetAction) refuseAutoscalerConflicts(ctx context.Context, o *tanka.Overlay) error {
	conflicts, err := a.autoscalerConflicts(ctx, o)
	if err != nil || len(conflicts) == 0 {
		return err
	}
	return fmt.Errorf("step %s refused, nothing was changed:\n  %s", a.step.ID, strings.Join(conflicts, "\n  "))
}
