package ingestershutdown

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

var metav1PatchOptions = metav1.PatchOptions{FieldManager: "mimirctl"}

// Preview says which path the shutdown would take and how long the wait after
// it would be, as far as the cluster can tell now.
func (z *Zone) Preview(ctx context.Context) (plan.Change, error) {
	sts, err := z.statefulSet(ctx)
	if err != nil {
		return plan.Change{}, err
	}
	if sts == nil {
		return plan.Change{Summary: fmt.Sprintf("StatefulSet %s does not exist", z.spec.StatefulSet)}, nil
	}
	targets, err := z.zonePods(ctx, sts)
	if err != nil {
		return plan.Change{Summary: "would refuse: " + err.Error()}, nil
	}
	pre, err := z.checkRolloutOperator(ctx, sts, z.d.now())
	if err != nil {
		return plan.Change{Summary: "would refuse: " + err.Error()}, nil
	}
	path, _, err := z.choosePath(ctx, targets, pre)
	if err != nil {
		return plan.Change{Summary: "would refuse: " + err.Error()}, nil
	}
	var lines []string
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		names = append(names, t.Name)
	}
	lines = append(lines, fmt.Sprintf("path: %s", path), fmt.Sprintf("pods: %s", strings.Join(names, ", ")))
	for _, g := range pre.ForStatefulSet(z.spec.StatefulSet) {
		lines = append(lines, fmt.Sprintf("rollout-operator (%s): %s", g.Kind, g.Explanation))
	}
	if w, err := z.queryableWait(ctx); err != nil {
		lines = append(lines, "wait after the zone: cannot be computed yet: "+err.Error())
	} else {
		lines = append(lines, "wait after the zone: "+w.String())
	}
	return plan.Change{Summary: fmt.Sprintf("shut down %d ingesters of %s", len(targets), z.spec.StatefulSet), Diff: strings.Join(lines, "\n"),
		Data: map[string]any{"path": path, "pods": names}}, nil
}
