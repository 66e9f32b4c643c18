package rolloutoperatorfake

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// zoneSet is an ingester zone as Grafana's library renders it: OnDelete,
// rollout-group ingester, pods labelled name=<StatefulSet>.
func zoneSet(name string, replicas int32, current, update string, annotations map[string]string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "mimir",
			Labels:      map[string]string{LabelRolloutGroup: "ingester", LabelMinTimeBetweenDownscale: "12h"},
			Annotations: annotations,
		},
		Spec: appsv1.StatefulSetSpec{
			Replicas:       &replicas,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			Template:       corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"name": name}}},
		},
		Status: appsv1.StatefulSetStatus{Replicas: replicas, ReadyReplicas: replicas, CurrentRevision: current, UpdateRevision: update},
	}
}

func zonePod(sts string, ordinal int, revision string, ready bool) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("%s-%d", sts, ordinal), Namespace: "mimir",
			Labels: map[string]string{"name": sts, appsv1.ControllerRevisionHashLabelKey: revision},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "ingester", Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		}}},
	}
}

// fakeCluster is client-go's fake clientset holding the objects, with the
// controller's deletes recorded.
type fakeCluster struct {
	*fake.Clientset
	c *Controller
}

func newFakeCluster(t *testing.T, objs ...runtime.Object) *fakeCluster {
	t.Helper()
	cs := fake.NewClientset(objs...)
	return &fakeCluster{Clientset: cs, c: &Controller{
		Kube: cs, Namespace: "mimir",
		Now: func() time.Time { return now },
		Log: func(format string, args ...any) { t.Logf(format, args...) },
	}}
}

func (f *fakeCluster) deleted() []string {
	var out []string
	for _, a := range f.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && a.GetResource().Resource == "pods" {
			out = append(out, d.GetName())
		}
	}
	sort.Strings(out)
	return out
}

func (f *fakeCluster) sts(t *testing.T, name string) *appsv1.StatefulSet {
	t.Helper()
	s, err := f.AppsV1().StatefulSets("mimir").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fakeCluster) reconcile(t *testing.T) {
	t.Helper()
	if err := f.c.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// threeZones: every pod of the three zones runs revision "old", the
// StatefulSets' update revision is "new".
func threeZones(perZone int, annotations map[string]string) []runtime.Object {
	var objs []runtime.Object
	for _, z := range []string{"ingester-zone-a", "ingester-zone-b", "ingester-zone-c"} {
		objs = append(objs, zoneSet(z, int32(perZone), "old", "new", annotations))
		for i := range perZone {
			objs = append(objs, zonePod(z, i, "old", true))
		}
	}
	return objs
}

func TestZonesAreRolledOneAtATimeOnePodAtATime(t *testing.T) {
	f := newFakeCluster(t, threeZones(3, nil)...)
	f.reconcile(t)
	if got := f.deleted(); strings.Join(got, ",") != "ingester-zone-a-0" {
		t.Fatalf("first pass deleted %v, want the first pod of the first zone only", got)
	}
}

func TestMaxUnavailableCountsNotReadyReplicasAndTakesPercentages(t *testing.T) {
	for _, tc := range []struct {
		value    string
		notReady int32
		want     string
	}{
		{"2", 0, "ingester-zone-a-0,ingester-zone-a-1"},
		{"2", 1, "ingester-zone-a-0"},
		{"50%", 0, "ingester-zone-a-0,ingester-zone-a-1"}, // floor(50% of 4) = 2
		{"10%", 0, "ingester-zone-a-0"},                   // floor(0.4), at least 1
		{"100%", 0, "ingester-zone-a-0,ingester-zone-a-1,ingester-zone-a-10,ingester-zone-a-2"},
		{"nonsense", 0, "ingester-zone-a-0"},
		{"2", 2, ""},
	} {
		t.Run(tc.value+"/"+fmt.Sprint(tc.notReady), func(t *testing.T) {
			sts := zoneSet("ingester-zone-a", 4, "old", "new", map[string]string{AnnotationMaxUnavailable: tc.value})
			sts.Status.ReadyReplicas -= tc.notReady
			objs := []runtime.Object{sts}
			for _, i := range []int{0, 1, 2, 10} { // ordinal order, not string order
				objs = append(objs, zonePod("ingester-zone-a", i, "old", true))
			}
			f := newFakeCluster(t, objs...)
			f.reconcile(t)
			if got := strings.Join(f.deleted(), ","); got != tc.want {
				t.Errorf("deleted %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPodsAreDeletedInOrdinalOrder(t *testing.T) {
	objs := []runtime.Object{zoneSet("ingester-zone-a", 11, "old", "new", nil)}
	for i := range 11 {
		objs = append(objs, zonePod("ingester-zone-a", i, "new", true))
	}
	objs[10+1] = zonePod("ingester-zone-a", 10, "old", true)
	objs[2+1] = zonePod("ingester-zone-a", 2, "old", true)
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); strings.Join(got, ",") != "ingester-zone-a-2" {
		t.Fatalf("deleted %v, want ingester-zone-a-2 (before -10)", got)
	}
}

func TestTheNextZoneWaitsUntilTheRolledOneIsReady(t *testing.T) {
	objs := threeZones(1, nil)
	// zone-a is updated, its pod not ready yet: nothing else moves.
	objs[0].(*appsv1.StatefulSet).Status.ReadyReplicas = 0
	objs[1] = zonePod("ingester-zone-a", 0, "new", false)
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("deleted %v while zone-a's updated pod is not ready", got)
	}
	if got := f.sts(t, "ingester-zone-a").Status.CurrentRevision; got != "old" {
		t.Errorf("zone-a current revision %q before its pods are ready", got)
	}
}

func TestADoneZoneGetsItsCurrentRevisionAndTheNextOneStarts(t *testing.T) {
	objs := threeZones(1, nil)
	objs[1] = zonePod("ingester-zone-a", 0, "new", true)
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.sts(t, "ingester-zone-a").Status.CurrentRevision; got != "new" {
		t.Errorf("zone-a current revision %q, want new", got)
	}
	if got := f.deleted(); strings.Join(got, ",") != "ingester-zone-b-0" {
		t.Errorf("deleted %v, want ingester-zone-b-0", got)
	}
}

func TestANotReadyZoneGoesFirstAndTwoStopEverything(t *testing.T) {
	objs := threeZones(2, nil)
	c := objs[6].(*appsv1.StatefulSet) // ingester-zone-c
	c.Status.ReadyReplicas = 1
	objs[7] = zonePod("ingester-zone-c", 0, "old", false)
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	// zone-c has 1 not-ready replica and max-unavailable 1: it waits, and
	// so does the group (zone-a is not touched).
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("deleted %v, want nothing while zone-c is not ready", got)
	}

	objs = threeZones(1, nil)
	for _, i := range []int{0, 2} {
		objs[i].(*appsv1.StatefulSet).Status.ReadyReplicas = 0
	}
	f = newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("deleted %v with two zones not ready", got)
	}
}

// The controller passes every second; a wait that goes on is logged once,
// and logged again only after another line came between.
func TestAWaitThatGoesOnIsLoggedOnce(t *testing.T) {
	objs := threeZones(1, nil)
	for _, i := range []int{0, 2} {
		objs[i].(*appsv1.StatefulSet).Status.ReadyReplicas = 0
	}
	f := newFakeCluster(t, objs...)
	var lines []string
	f.c.Log = func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	for range 3 {
		f.reconcile(t)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "waiting") {
		t.Fatalf("three passes of the same wait logged %q, want the waiting line once", lines)
	}
	f.c.logf("something else")
	f.reconcile(t)
	if len(lines) != 3 || lines[2] != lines[0] {
		t.Errorf("the wait after another line logged %q, want it again", lines)
	}
}

func TestAMissingPodCountsAsNotReady(t *testing.T) {
	objs := threeZones(2, nil)
	objs = append(objs[:2], objs[3:]...) // ingester-zone-a-1 gone, status still says 2 ready
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); strings.Join(got, ",") != "ingester-zone-a-0" {
		t.Fatalf("deleted %v, want zone-a (first, not ready) only", got)
	}
}

// The StatefulSet controller counts the pods that exist: with zone-a's
// second pod deleted and not yet re-created it reports 1 of 1 ready for a
// StatefulSet of 2. Zone-b must still wait.
func TestAPodNotYetRecreatedKeepsTheNextZoneWaiting(t *testing.T) {
	objs := threeZones(2, nil)
	objs[1] = zonePod("ingester-zone-a", 0, "new", true)
	objs = append(objs[:2], objs[3:]...) // ingester-zone-a-1 deleted, not re-created yet
	za := objs[0].(*appsv1.StatefulSet)
	za.Status.Replicas, za.Status.ReadyReplicas = 1, 1
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("deleted %v while ingester-zone-a-1 is not re-created yet", got)
	}
	if got := f.sts(t, "ingester-zone-a").Status.CurrentRevision; got != "old" {
		t.Errorf("zone-a current revision %q with one of its two pods missing", got)
	}
}

func TestATerminatingPodIsNotDeletedAgain(t *testing.T) {
	objs := threeZones(1, nil)
	p := objs[1].(*corev1.Pod)
	p.DeletionTimestamp = &metav1.Time{Time: now}
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("deleted %v, want nothing (the pod is terminating)", got)
	}
}

func TestAPausedZoneIsSkipped(t *testing.T) {
	objs := threeZones(1, nil)
	objs[0].(*appsv1.StatefulSet).Annotations = map[string]string{AnnotationPaused: "true"}
	f := newFakeCluster(t, objs...)
	f.reconcile(t)
	if got := f.deleted(); strings.Join(got, ",") != "ingester-zone-b-0" {
		t.Fatalf("deleted %v, want ingester-zone-b-0", got)
	}
}

func TestARollingUpdateMemberStopsItsGroup(t *testing.T) {
	objs := threeZones(1, nil)
	objs[4].(*appsv1.StatefulSet).Spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
	f := newFakeCluster(t, objs...)
	err := f.c.Reconcile(context.Background())
	if err == nil || !strings.Contains(err.Error(), "StatefulSet ingester-zone-c has update strategy RollingUpdate, OnDelete expected") {
		t.Fatalf("err = %v", err)
	}
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("deleted %v", got)
	}
}

func followers(extra map[string]map[string]string) []runtime.Object {
	objs := threeZones(1, nil)
	objs[2].(*appsv1.StatefulSet).Annotations = map[string]string{AnnotationDownscaleLeader: "ingester-zone-a"}
	objs[4].(*appsv1.StatefulSet).Annotations = map[string]string{AnnotationDownscaleLeader: "ingester-zone-b"}
	for i, name := range []string{"ingester-zone-a", "ingester-zone-b", "ingester-zone-c"} {
		for k, v := range extra[name] {
			sts := objs[2*i].(*appsv1.StatefulSet)
			if sts.Annotations == nil {
				sts.Annotations = map[string]string{}
			}
			sts.Annotations[k] = v
		}
	}
	return objs
}

func setReplicas(t *testing.T, f *fakeCluster, name string, n int32) {
	t.Helper()
	s := f.sts(t, name)
	s.Spec.Replicas = &n
	if _, err := f.AppsV1().StatefulSets("mimir").Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestFollowersTakeTheirLeadersReplicasOneStatefulSetPerPass(t *testing.T) {
	f := newFakeCluster(t, followers(nil)...)
	setReplicas(t, f, "ingester-zone-a", 3)
	f.reconcile(t)
	if b, c := *f.sts(t, "ingester-zone-b").Spec.Replicas, *f.sts(t, "ingester-zone-c").Spec.Replicas; b != 3 || c != 1 {
		t.Fatalf("after one pass zone-b %d, zone-c %d replicas; want 3 and 1 (one patch per pass)", b, c)
	}
	if got := f.deleted(); len(got) != 0 {
		t.Fatalf("a pass that scaled also deleted %v", got)
	}
	f.reconcile(t)
	if c := *f.sts(t, "ingester-zone-c").Spec.Replicas; c != 3 {
		t.Fatalf("zone-c %d replicas, want 3", c)
	}
}

func TestAnUpscaleCanWaitForTheLeadersReadyReplicas(t *testing.T) {
	f := newFakeCluster(t, followers(map[string]map[string]string{"ingester-zone-b": {AnnotationUpscaleLeaderReady: "true"}})...)
	setReplicas(t, f, "ingester-zone-a", 3) // status still 1 ready
	f.reconcile(t)
	if b := *f.sts(t, "ingester-zone-b").Spec.Replicas; b != 1 {
		t.Fatalf("zone-b scaled to %d before zone-a's replicas are ready", b)
	}
}

func TestADownscaleWaitsForTheMinimumTimeSinceAnotherZonesDownscale(t *testing.T) {
	recent := now.Add(-time.Hour).Format(time.RFC3339)
	old := now.Add(-13 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		last string
		want int32
	}{{recent, 1}, {old, 0}} {
		f := newFakeCluster(t, followers(map[string]map[string]string{"ingester-zone-a": {AnnotationLastDownscale: tc.last}})...)
		setReplicas(t, f, "ingester-zone-a", 0)
		f.reconcile(t)
		if b := *f.sts(t, "ingester-zone-b").Spec.Replicas; b != tc.want {
			t.Errorf("zone-a downscaled at %s (12h minimum): zone-b %d replicas, want %d", tc.last, b, tc.want)
		}
	}
}

func TestForceReplicasWinsOverTheLeader(t *testing.T) {
	f := newFakeCluster(t, followers(map[string]map[string]string{"ingester-zone-c": {AnnotationForceReplicas: "0"}})...)
	f.reconcile(t)
	if c := *f.sts(t, "ingester-zone-c").Spec.Replicas; c != 0 {
		t.Fatalf("zone-c %d replicas, want 0 (forced)", c)
	}
}

func TestAMissingLeaderIsReportedAndTheRolloutGoesOn(t *testing.T) {
	objs := threeZones(1, nil)
	objs[2].(*appsv1.StatefulSet).Annotations = map[string]string{AnnotationDownscaleLeader: "ingester-zone-x"}
	var lines []string
	f := newFakeCluster(t, objs...)
	f.c.Log = func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	f.reconcile(t)
	if !strings.Contains(strings.Join(lines, "\n"), "ingester-zone-b names leader ingester-zone-x") {
		t.Errorf("log %q does not name the missing leader", lines)
	}
	if got := f.deleted(); strings.Join(got, ",") != "ingester-zone-a-0" {
		t.Errorf("deleted %v, want the rollout to go on", got)
	}
}
