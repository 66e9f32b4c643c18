//go:build e2e

package suite

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mimirctl/mimirctl/e2e/rolloutoperatorfake"
)

// TestRolloutOperatorStandInRollsOnDeleteZones runs the stand-in's rollout
// controller against the real API server and StatefulSet controller: three
// OnDelete StatefulSets of one rollout group, two pods each, get a new pod
// template; the stand-in must replace the pods one at a time, zone after
// zone, and set each StatefulSet's current revision once it is done. This
// is what the e2e scenarios rely on when Grafana's library renders the
// ingester zones OnDelete.
func TestRolloutOperatorStandInRollsOnDeleteZones(t *testing.T) {
	t.Parallel()
	const ns = "e2e-rollout-controller"
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	freshNamespace(ctx, t, ns)
	kc := harness.clients.Kube

	zones := []string{"zone-a", "zone-b", "zone-c"}
	for _, z := range zones {
		if _, err := kc.AppsV1().StatefulSets(ns).Create(ctx, sleeperZone(ns, "sleeper-"+z), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	revisions := waitRolledOut(ctx, t, ns, zones, "")

	// A new template for every zone at once, as a jsonnet apply does.
	for _, z := range zones {
		patch := []byte(`{"spec":{"template":{"metadata":{"annotations":{"e2e/template":"2"}}}}}`)
		if _, err := kc.AppsV1().StatefulSets(ns).Patch(ctx, "sleeper-"+z, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	startRolloutController(t, ns)

	// Watch the pods: record when each one first runs the new revision, and
	// the most pods ever unavailable at once.
	firstNew := map[string]time.Time{}
	mostUnavailable := 0
	for {
		all, updated := 0, 0
		unavailable := 0
		for _, z := range zones {
			sts, err := kc.AppsV1().StatefulSets(ns).Get(ctx, "sleeper-"+z, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pods, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "name=sleeper-" + z})
			if err != nil {
				t.Fatal(err)
			}
			unavailable += 2 - len(pods.Items)
			for _, p := range pods.Items {
				all++
				if !podReady(&p) {
					unavailable++
					continue
				}
				if p.Labels[appsv1.ControllerRevisionHashLabelKey] == sts.Status.UpdateRevision && sts.Status.UpdateRevision != revisions[z] {
					updated++
					if _, seen := firstNew[p.Name]; !seen {
						firstNew[p.Name] = time.Now()
					}
				}
			}
		}
		mostUnavailable = max(mostUnavailable, unavailable)
		if updated == 6 && all == 6 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the stand-in did not roll the zones in time: %d of 6 pods updated, first updated at %v", updated, firstNew)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if mostUnavailable > 1 {
		t.Errorf("up to %d pods were unavailable at once, want at most rollout-max-unavailable 1", mostUnavailable)
	}
	for i := 1; i < len(zones); i++ {
		prev, cur := "sleeper-"+zones[i-1], "sleeper-"+zones[i]
		for _, a := range []string{prev + "-0", prev + "-1"} {
			for _, b := range []string{cur + "-0", cur + "-1"} {
				if firstNew[b].Before(firstNew[a]) {
					t.Errorf("%s ran the new revision (%s) before %s (%s): zones must roll one after the other",
						b, firstNew[b].Format(time.StampMilli), a, firstNew[a].Format(time.StampMilli))
				}
			}
		}
	}
	waitRolledOut(ctx, t, ns, zones, "new")
}

// sleeperZone is a two-pod OnDelete StatefulSet in rollout group
// "sleepers", pods labelled name=<name> as Grafana's library labels them.
func sleeperZone(ns, name string) *appsv1.StatefulSet {
	two := int32(2)
	labels := map[string]string{"name": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{rolloutoperatorfake.LabelRolloutGroup: "sleepers"}},
		Spec: appsv1.StatefulSetSpec{
			Replicas: &two, ServiceName: name, Selector: &metav1.LabelSelector{MatchLabels: labels},
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				TerminationGracePeriodSeconds: ptr(int64(1)),
				Containers:                    []corev1.Container{{Name: "sleep", Image: "busybox:1.36", Command: []string{"sh", "-c", "sleep 3600"}}},
			}},
		},
	}
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitRolledOut waits until every zone has its two pods ready and, with
// want "new", its current revision equal to its update revision. It
// returns each zone's update revision.
func waitRolledOut(ctx context.Context, t *testing.T, ns string, zones []string, want string) map[string]string {
	t.Helper()
	for {
		revs, ok, why := map[string]string{}, true, ""
		for _, z := range zones {
			sts, err := harness.clients.Kube.AppsV1().StatefulSets(ns).Get(ctx, "sleeper-"+z, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			revs[z] = sts.Status.UpdateRevision
			switch {
			case sts.Status.ReadyReplicas != 2 || sts.Status.UpdateRevision == "":
				ok, why = false, fmt.Sprintf("%s: %d of 2 ready", sts.Name, sts.Status.ReadyReplicas)
			case want == "new" && sts.Status.CurrentRevision != sts.Status.UpdateRevision:
				ok, why = false, fmt.Sprintf("%s: current revision %s, update revision %s", sts.Name, sts.Status.CurrentRevision, sts.Status.UpdateRevision)
			}
		}
		if ok {
			return revs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("zones not rolled out in time: %s", why)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
