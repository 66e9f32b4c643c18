package rolloutoperatorfake

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Labels and annotations the rollout controller reads (rollout-operator
// v0.38.1 pkg/config/config.go).
const (
	LabelRolloutGroup            = "rollout-group"
	AnnotationMaxUnavailable     = "rollout-max-unavailable"
	AnnotationPaused             = "grafana.com/rollout-paused"
	AnnotationDownscaleLeader    = "grafana.com/rollout-downscale-leader"
	AnnotationUpscaleLeaderReady = "grafana.com/rollout-upscale-only-when-leader-ready"
	AnnotationForceReplicas      = "grafana.com/rollout-force-replicas"
	AnnotationLastDownscale      = "grafana.com/last-downscale"
	LabelMinTimeBetweenDownscale = "grafana.com/min-time-between-zones-downscale"
)

// DefaultReconcileInterval is the operator's -reconcile.interval default
// (cmd/rollout-operator/main.go).
const DefaultReconcileInterval = 5 * time.Second

// Controller is a stand-in for rollout-operator's rollout controller
// (v0.38.1 pkg/controller/controller.go and replicas.go, labels.go; pod
// checks from pkg/util/util.go). For every rollout group of one namespace
// (StatefulSets labelled rollout-group, sorted by name) it does, in order:
//
//  1. follower replicas: a StatefulSet annotated
//     grafana.com/rollout-downscale-leader=LEADER takes the leader's
//     spec.replicas (grafana.com/rollout-force-replicas wins when set; an
//     upscale waits for all leader replicas to be ready when
//     grafana.com/rollout-upscale-only-when-leader-ready=true; a downscale
//     waits until every other StatefulSet's grafana.com/last-downscale
//     annotation is older than the follower's
//     grafana.com/min-time-between-zones-downscale label, which must then be
//     set). One StatefulSet is patched per pass, and the pass ends there;
//  2. every StatefulSet of the group must be OnDelete, else the group is
//     skipped with an error;
//  3. with more than one StatefulSet that has not-ready pods (status
//     replicas ≠ ready replicas, fewer pods than status replicas or than
//     spec.replicas (the stand-in's own addition, see hasNotReadyPods), or a pod
//     not Running, terminating, or with a container not ready and running),
//     nothing is done; with one, it goes first;
//  4. StatefulSets are rolled one at a time: unless annotated
//     grafana.com/rollout-paused=true, the pods whose controller-revision-hash
//     is not the update revision are deleted in ordinal order, at most
//     rollout-max-unavailable (an integer, or a percentage of spec.replicas
//     rounded down, at least 1; default 1) minus the not-ready replicas at a
//     time, skipping pods already terminating. Such a StatefulSet, or one
//     whose pods are updated but not all ready, stops the pass; one whose
//     pods are all updated and ready gets status.currentRevision set to its
//     update revision (the StatefulSet controller does not do it for
//     OnDelete), and the next StatefulSet is looked at.
//
// Differences, on purpose: it lists from the API server every interval
// instead of reacting to informer events; zone-aware pod disruption budgets
// (zpdb), replicas mirrored from a reference resource and delayed downscales
// are not implemented (Grafana's library does not turn them on for the
// ingester zones mimirctl shuts down).
type Controller struct {
	Kube      kubernetes.Interface
	Namespace string
	// Interval between passes (DefaultReconcileInterval when 0).
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives one line per decision (optional); a line equal to the
	// one before it (a wait that goes on, pass after pass) is not repeated.
	Log func(format string, args ...any)

	mu      sync.Mutex
	lastLog string
}

// Run reconciles every Interval until ctx ends; a failed pass is logged
// and the next one tries again, as the operator does.
func (c *Controller) Run(ctx context.Context) {
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultReconcileInterval
	}
	for {
		if err := c.Reconcile(ctx); err != nil && ctx.Err() == nil {
			c.logf("reconcile failed: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Reconcile makes one pass over every rollout group of the namespace. The
// groups are independent: an error in one does not stop the others, and
// the errors are joined.
func (c *Controller) Reconcile(ctx context.Context) error {
	list, err := c.Kube.AppsV1().StatefulSets(c.Namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelRolloutGroup})
	if err != nil {
		return fmt.Errorf("list StatefulSets: %w", err)
	}
	groups := map[string][]*appsv1.StatefulSet{}
	for i := range list.Items {
		sts := &list.Items[i]
		g := sts.Labels[LabelRolloutGroup]
		groups[g] = append(groups[g], sts)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var errs []error
	for _, g := range names {
		if err := c.reconcileGroup(ctx, g, groups[g]); err != nil {
			errs = append(errs, fmt.Errorf("rollout group %s: %w", g, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Controller) reconcileGroup(ctx context.Context, group string, sets []*appsv1.StatefulSet) error {
	sort.Slice(sets, func(i, j int) bool { return sets[i].Name < sets[j].Name })
	if patched, err := c.followLeaders(ctx, sets); err != nil {
		// The operator logs this and goes on with the rollout.
		c.logf("%s: cannot adjust follower replicas: %v", group, err)
	} else if patched {
		return nil
	}
	for _, sts := range sets {
		if sts.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType {
			return fmt.Errorf("StatefulSet %s has update strategy %s, %s expected: skipping the group", sts.Name, sts.Spec.UpdateStrategy.Type, appsv1.OnDeleteStatefulSetStrategyType)
		}
	}
	var notReady []*appsv1.StatefulSet
	for _, sts := range sets {
		nr, err := c.hasNotReadyPods(ctx, sts)
		if err != nil {
			return err
		}
		if nr {
			notReady = append(notReady, sts)
		}
	}
	switch len(notReady) {
	case 0:
	case 1:
		sets = append([]*appsv1.StatefulSet{notReady[0]}, without(sets, notReady[0])...)
	default:
		c.logf("%s: %d StatefulSets have not-ready pods; waiting", group, len(notReady))
		return nil
	}
	for _, sts := range sets {
		ongoing, err := c.updatePods(ctx, sts)
		if err != nil {
			return fmt.Errorf("update StatefulSet %s: %w", sts.Name, err)
		}
		if ongoing {
			return nil
		}
	}
	return nil
}

func without(sets []*appsv1.StatefulSet, drop *appsv1.StatefulSet) []*appsv1.StatefulSet {
	out := make([]*appsv1.StatefulSet, 0, len(sets))
	for _, s := range sets {
		if s.Name != drop.Name {
			out = append(out, s)
		}
	}
	return out
}

// followLeaders patches the first follower whose replicas differ from what
// its leader asks for; true when it patched one.
func (c *Controller) followLeaders(ctx context.Context, sets []*appsv1.StatefulSet) (bool, error) {
	for _, sts := range sets {
		current := replicasOf(sts)
		desired, err := c.desiredReplicas(sts, sets)
		if err != nil {
			return false, err
		}
		if desired == current {
			continue
		}
		patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, desired)
		if _, err := c.Kube.AppsV1().StatefulSets(sts.Namespace).Patch(ctx, sts.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return false, fmt.Errorf("scale %s from %d to %d replicas: %w", sts.Name, current, desired, err)
		}
		c.logf("scaled %s from %d to %d replicas to follow its leader", sts.Name, current, desired)
		return true, nil
	}
	return false, nil
}

func replicasOf(sts *appsv1.StatefulSet) int32 {
	if sts.Spec.Replicas == nil {
		return 1 // the API server's default
	}
	return *sts.Spec.Replicas
}

// desiredReplicas is the follower's replicas as its leader asks for them;
// a StatefulSet without a leader keeps its own.
func (c *Controller) desiredReplicas(sts *appsv1.StatefulSet, all []*appsv1.StatefulSet) (int32, error) {
	own := replicasOf(sts)
	leaderName, ok := sts.Annotations[AnnotationDownscaleLeader]
	if !ok {
		return own, nil
	}
	var leader *appsv1.StatefulSet
	for _, s := range all {
		if s.Name == leaderName {
			leader = s
		}
	}
	if leader == nil {
		return own, fmt.Errorf("%s names leader %s (%s), which is not in its rollout group", sts.Name, leaderName, AnnotationDownscaleLeader)
	}
	if raw, ok := sts.Annotations[AnnotationForceReplicas]; ok {
		if v, err := strconv.ParseInt(raw, 10, 32); err == nil && v >= 0 {
			return int32(v), nil
		}
	}
	want := replicasOf(leader)
	switch {
	case want > own:
		if sts.Annotations[AnnotationUpscaleLeaderReady] == "true" && leader.Status.ReadyReplicas != want {
			return own, nil
		}
		return want, nil
	case want < own:
		elapsed, err := c.minTimeElapsed(sts, all)
		if err != nil || !elapsed {
			return own, err
		}
		return want, nil
	}
	return own, nil
}

// minTimeElapsed: the most recent grafana.com/last-downscale of the other
// StatefulSets is older than the follower's minimum (none at all: true).
func (c *Controller) minTimeElapsed(sts *appsv1.StatefulSet, all []*appsv1.StatefulSet) (bool, error) {
	var last time.Time
	for _, s := range all {
		if s.Name == sts.Name {
			continue
		}
		raw, ok := s.Annotations[AnnotationLastDownscale]
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return false, fmt.Errorf("%s: annotation %s=%q is not RFC 3339: %w", s.Name, AnnotationLastDownscale, raw, err)
		}
		if t.After(last) {
			last = t
		}
	}
	if last.IsZero() {
		return true, nil
	}
	raw, ok := sts.Labels[LabelMinTimeBetweenDownscale]
	if !ok {
		return false, fmt.Errorf("%s has no label %s", sts.Name, LabelMinTimeBetweenDownscale)
	}
	gap, err := time.ParseDuration(raw)
	if err != nil {
		return false, fmt.Errorf("%s: label %s=%q: %w", sts.Name, LabelMinTimeBetweenDownscale, raw, err)
	}
	return c.now().Sub(last) > gap, nil
}

// pods lists the StatefulSet's pods the way the operator does: by the
// template's "name" label (Grafana's library sets it on every pod), plus
// extra requirements.
func (c *Controller) pods(ctx context.Context, sts *appsv1.StatefulSet, extra ...labels.Requirement) ([]corev1.Pod, error) {
	name, err := labels.NewRequirement("name", selection.Equals, []string{sts.Spec.Template.Labels["name"]})
	if err != nil {
		return nil, fmt.Errorf("%s: pod template label name=%q: %w", sts.Name, sts.Spec.Template.Labels["name"], err)
	}
	sel := labels.NewSelector().Add(*name).Add(extra...)
	list, err := c.Kube.CoreV1().Pods(sts.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("list pods of %s: %w", sts.Name, err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return podLess(list.Items[i].Name, list.Items[j].Name) })
	return list.Items, nil
}

// podLess orders StatefulSet pods by ordinal (ingester-zone-a-2 before
// ingester-zone-a-10), as the operator's natural sort does.
func podLess(a, b string) bool {
	pa, oa := splitOrdinal(a)
	pb, ob := splitOrdinal(b)
	if pa != pb || oa < 0 || ob < 0 {
		return a < b
	}
	return oa < ob
}

func splitOrdinal(name string) (string, int) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name, -1
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return name, -1
	}
	return name[:i], n
}

func runningAndReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if !cs.Ready || cs.State.Running == nil {
			return false
		}
	}
	return true
}

func (c *Controller) hasNotReadyPods(ctx context.Context, sts *appsv1.StatefulSet) (bool, error) {
	if sts.Status.Replicas != sts.Status.ReadyReplicas {
		return true, nil
	}
	pods, err := c.pods(ctx, sts)
	if err != nil {
		return false, err
	}
	// The operator compares with status.replicas only. The StatefulSet
	// controller counts the pods that exist, so between a deleted pod's
	// removal and its replacement's creation it can report 1 of 1 ready for a
	// StatefulSet of 2, and the pass would go on to the next zone with a pod
	// of this one missing (the operator's own zone-aware PDB's eviction
	// cache holds such a pod as not ready). The stand-in also counts the
	// pods spec.replicas asks for (seen in the e2e suite: a zone-b pod
	// restarted before zone-a's last pod was back).
	if len(pods) < int(max(sts.Status.Replicas, replicasOf(sts))) {
		return true, nil
	}
	for i := range pods {
		if !runningAndReady(&pods[i]) {
			return true, nil
		}
	}
	return false, nil
}

// maxUnavailable reads rollout-max-unavailable; an invalid value counts
// as 1, as the operator logs and does.
func maxUnavailable(sts *appsv1.StatefulSet) int {
	raw, ok := sts.Annotations[AnnotationMaxUnavailable]
	if !ok {
		return 1
	}
	raw = strings.TrimSpace(raw)
	if pct, isPct := strings.CutSuffix(raw, "%"); isPct {
		p, err := strconv.Atoi(pct)
		if err != nil || p <= 0 || p > 100 || sts.Spec.Replicas == nil {
			return 1
		}
		return max(1, int(math.Floor(float64(p*int(*sts.Spec.Replicas))/100)))
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v <= 0 {
		return 1
	}
	return v
}

// updatePods rolls one StatefulSet; true while its rollout is under way
// (the pass must not look at the next StatefulSet).
func (c *Controller) updatePods(ctx context.Context, sts *appsv1.StatefulSet) (bool, error) {
	if sts.Annotations[AnnotationPaused] == "true" {
		c.logf("%s: rollout paused (%s)", sts.Name, AnnotationPaused)
		return false, nil
	}
	if sts.Status.CurrentRevision == "" || sts.Status.UpdateRevision == "" {
		return false, fmt.Errorf("%s: status has no current or update revision yet", sts.Name)
	}
	outdated, err := labels.NewRequirement(appsv1.ControllerRevisionHashLabelKey, selection.NotEquals, []string{sts.Status.UpdateRevision})
	if err != nil {
		return false, err
	}
	toUpdate, err := c.pods(ctx, sts, *outdated)
	if err != nil {
		return false, err
	}
	if len(toUpdate) > 0 {
		notReady := int(sts.Status.Replicas - sts.Status.ReadyReplicas)
		n := max(0, min(maxUnavailable(sts)-notReady, len(toUpdate)))
		if n == 0 {
			c.logf("%s: %d pods to update, %d not ready: waiting (rollout-max-unavailable %d)", sts.Name, len(toUpdate), notReady, maxUnavailable(sts))
			return true, nil
		}
		for _, p := range toUpdate[:n] {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp != nil {
				continue // terminating already
			}
			if err := c.Kube.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
				return false, fmt.Errorf("delete pod %s: %w", p.Name, err)
			}
			c.logf("%s: deleted pod %s (revision %s, update revision %s)", sts.Name, p.Name, p.Labels[appsv1.ControllerRevisionHashLabelKey], sts.Status.UpdateRevision)
		}
		return true, nil
	}
	if nr, err := c.hasNotReadyPods(ctx, sts); err != nil {
		return true, err
	} else if nr {
		return true, nil
	}
	if sts.Status.CurrentRevision != sts.Status.UpdateRevision {
		up := sts.DeepCopy()
		up.Status.CurrentRevision = up.Status.UpdateRevision
		if _, err := c.Kube.AppsV1().StatefulSets(sts.Namespace).UpdateStatus(ctx, up, metav1.UpdateOptions{}); err != nil {
			return false, fmt.Errorf("set the current revision of %s: %w", sts.Name, err)
		}
		c.logf("%s: rolled out, current revision %s", sts.Name, up.Status.UpdateRevision)
	}
	return false, nil
}

func (c *Controller) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Controller) logf(format string, args ...any) {
	if c.Log == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	c.mu.Lock()
	repeated := line == c.lastLog
	c.lastLog = line
	c.mu.Unlock()
	if !repeated {
		c.Log("%s", line)
	}
}
