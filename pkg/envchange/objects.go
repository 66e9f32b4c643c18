package envchange

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/kube"
)

// changedObjects keeps the objects the report says differ.
func changedObjects(objs []*unstructured.Unstructured, r *diff.Report) []*unstructured.Unstructured {
	differ := map[string]bool{}
	for _, o := range r.Objects {
		differ[o.Ref.String()] = true
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if differ[diff.RefOf(o).String()] {
			out = append(out, o)
		}
	}
	return out
}

// rolloutWaves orders changed objects so that one change never restarts two
// zones of a multi-zone group at once. StatefulSets with a rollout-group
// label that roll by themselves (RollingUpdate) go one zone per wave, in
// name order: the first zone of each group with everything else, then the
// next. Grafana's rollout-operator already does this for OnDelete
// StatefulSets, which go in the first wave.
func rolloutWaves(objs []*unstructured.Unstructured) [][]*unstructured.Unstructured {
	groups := map[string][]*unstructured.Unstructured{}
	waves := [][]*unstructured.Unstructured{nil}
	for _, o := range objs {
		if g := zoneGroup(o); g != "" {
			groups[g] = append(groups[g], o)
			continue
		}
		waves[0] = append(waves[0], o)
	}
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		members := groups[g]
		sort.Slice(members, func(i, j int) bool { return members[i].GetName() < members[j].GetName() })
		for i, m := range members {
			if i == len(waves) {
				waves = append(waves, nil)
			}
			waves[i] = append(waves[i], m)
		}
	}
	return waves
}

// unchangedZones lists the zone StatefulSets of objs (see zoneGroup) that
// are not in changed.
func unchangedZones(objs, changed []*unstructured.Unstructured) []*unstructured.Unstructured {
	skip := map[string]bool{}
	for _, o := range changed {
		skip[diff.RefOf(o).String()] = true
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if zoneGroup(o) != "" && !skip[diff.RefOf(o).String()] {
			out = append(out, o)
		}
	}
	return out
}

// zoneGroup is the rollout group of a StatefulSet that Kubernetes rolls by
// itself, or "".
func zoneGroup(o *unstructured.Unstructured) string {
	if o.GetKind() != "StatefulSet" {
		return ""
	}
	strategy, _, _ := unstructured.NestedString(o.Object, "spec", "updateStrategy", "type")
	if strategy == "OnDelete" {
		return ""
	}
	return o.GetLabels()["rollout-group"]
}

func objectNames(objs []*unstructured.Unstructured) string {
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.GetKind() + "/" + o.GetName()
	}
	return strings.Join(names, ", ")
}

// workloadsOf lists the Deployments and StatefulSets among objs.
func workloadsOf(objs []*unstructured.Unstructured) []kube.Workload {
	var out []kube.Workload
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment", "StatefulSet":
			out = append(out, kube.Workload{Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()})
		}
	}
	return out
}

// notDone describes the rollouts still under way ("" when none).
func notDone(statuses []kube.RolloutStatus) string {
	var parts []string
	for _, s := range statuses {
		if !s.Done {
			parts = append(parts, fmt.Sprintf("%s/%s %s", s.Workload.Kind, s.Workload.Name, s.Summary))
		}
	}
	return strings.Join(parts, "; ")
}

func pruneList(items []kube.PruneItem) string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Object.String()
	}
	return strings.Join(names, ", ")
}

// keptWarnings names each leftover left in place, and why.
func keptWarnings(items []kube.PruneItem) []string {
	var out []string
	for _, it := range kube.KeptItems(items) {
		out = append(out, fmt.Sprintf("%s: %s", it.Object, it.Kept))
	}
	return out
}

// refuseRunningStatefulSets stops a prune that would delete a StatefulSet
// with pods: a stateful component (ingesters above all) is shut down by its
// own procedure first, never by deleting its StatefulSet.
func refuseRunningStatefulSets(ctx context.Context, cs kubernetes.Interface, prune []kube.PruneItem) error {
	for _, it := range prune {
		if it.Object.Kind != "StatefulSet" {
			continue
		}
		sts, err := cs.AppsV1().StatefulSets(it.Object.Namespace).Get(ctx, it.Object.Name, metav1.GetOptions{})
		if err != nil {
			continue
		}
		if sts.Status.Replicas > 0 || (sts.Spec.Replicas != nil && *sts.Spec.Replicas > 0) {
			return fmt.Errorf("the change would delete StatefulSet %s, which still runs %d pods: scale it down through its shutdown step first (for ingesters: the zone shutdown procedure)", it.Object, sts.Status.Replicas)
		}
	}
	return nil
}
