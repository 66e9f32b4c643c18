package kube

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Workload names a Deployment or StatefulSet.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (w Workload) String() string { return fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name) }

// PodHold is a pod that holds a rollout back.
type PodHold struct {
	Pod string `json:"pod"`
	// Reason is "pending", "old revision", "not ready" or "terminating",
	// with detail (e.g. "not ready: CrashLoopBackOff").
	Reason string `json:"reason"`
}

// RolloutStatus is how far a workload's rollout has got.
type RolloutStatus struct {
	Workload Workload  `json:"workload"`
	Done     bool      `json:"done"`
	Desired  int32     `json:"desired"`
	Updated  int32     `json:"updated"`
	Ready    int32     `json:"ready"`
	Summary  string    `json:"summary"`
	Holders  []PodHold `json:"holders,omitempty"`
	// Note explains a rollout that will not progress by itself, or who
	// drives it (rollout-operator).
	Note string `json:"note,omitempty"`
}

// Observation turns the status into a gate verdict: pass when done, fail
// otherwise, with the holders as details.
func (s RolloutStatus) Observation() verdict.Observation {
	o := verdict.Failf("%s: %s", s.Workload, s.Summary)
	if s.Done {
		o = verdict.Passf("%s: %s", s.Workload, s.Summary)
	}
	for _, h := range s.Holders {
		o = o.WithDetails(h.Pod + ": " + h.Reason)
	}
	if s.Note != "" {
		o = o.WithDetails(s.Note)
	}
	return o
}

// CheckRollout reports whether the workload runs its current spec
// everywhere: the controller has seen the latest generation, every desired
// pod is at the newest revision and ready, and no extra pod is left. It
// returns an error when the workload does not exist or cannot be read.
func CheckRollout(ctx context.Context, cs kubernetes.Interface, w Workload) (RolloutStatus, error) {
	switch w.Kind {
	case "Deployment":
		return checkDeployment(ctx, cs, w)
	case "StatefulSet":
		return checkStatefulSet(ctx, cs, w)
	}
	return RolloutStatus{}, fmt.Errorf("wait for the rollout of %s: only Deployments and StatefulSets are supported", w)
}

func checkStatefulSet(ctx context.Context, cs kubernetes.Interface, w Workload) (RolloutStatus, error) {
	var sts *appsv1.StatefulSet
	err := withRetry(ctx, func() (err error) {
		sts, err = cs.AppsV1().StatefulSets(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return RolloutStatus{}, notFoundHint(w, err)
	}
	st := RolloutStatus{Workload: w, Desired: replicas(sts.Spec.Replicas), Updated: sts.Status.UpdatedReplicas, Ready: sts.Status.ReadyReplicas}
	if sts.Status.ObservedGeneration < sts.Generation {
		st.Summary = fmt.Sprintf("waiting for the StatefulSet controller to observe generation %d", sts.Generation)
		return st, nil
	}
	pods, err := ownedPods(ctx, cs, w.Namespace, sts.Spec.Selector, func(owner metav1.OwnerReference) bool { return owner.UID == sts.UID })
	if err != nil {
		return st, fmt.Errorf("wait for the rollout of %s: %w", w, err)
	}
	partition := int32(0)
	if ru := sts.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = *ru.Partition
	}
	st.Holders = podHolds(pods, func(p podView) bool {
		return sts.Status.UpdateRevision == "" || p.ordinal < partition || p.labels[LabelControllerRevisionHash] == sts.Status.UpdateRevision
	})
	required := max(st.Desired-partition, 0)
	st.Done = len(st.Holders) == 0 && len(pods) == int(st.Desired) && sts.Status.Replicas == st.Desired &&
		st.Ready == st.Desired && st.Updated >= required
	st.Summary = fmt.Sprintf("%d/%d pods updated, %d/%d ready", st.Updated, st.Desired, st.Ready, st.Desired)
	if extra := int32(len(pods)) - st.Desired; extra > 0 {
		st.Summary += fmt.Sprintf(", %d to remove", extra)
	}
	st.Note = statefulSetNote(ctx, cs, sts, st)
	return st, nil
}

// statefulSetNote says who replaces old pods of an OnDelete StatefulSet.
// For a rollout group it adds when no Deployment of the namespace runs
// rollout-operator with a ready pod (Grafana's jsonnet and Helm chart both
// deploy it beside Mimir): then, unless it runs in another namespace,
// nothing replaces the pods and the wait lasts until its timeout.
func statefulSetNote(ctx context.Context, cs kubernetes.Interface, sts *appsv1.StatefulSet, st RolloutStatus) string {
	if sts.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType || !hasOldRevision(st.Holders) {
		return ""
	}
	byHand := fmt.Sprintf("delete them one at a time (kubectl -n %s delete pod %s)", sts.Namespace, oldestHolder(st.Holders))
	if group := sts.Labels[LabelRolloutGroup]; group != "" {
		note := fmt.Sprintf("OnDelete StatefulSet rolled by rollout-operator (rollout-group %s), one StatefulSet of the group at a time", group)
		if runs, known := rolloutOperatorRuns(ctx, cs, sts.Namespace); known && !runs {
			note += fmt.Sprintf("; no Deployment of namespace %s runs rollout-operator with a ready pod: unless it runs in another namespace, "+
				"nothing replaces old pods; start it or %s", sts.Namespace, byHand)
		}
		return note
	}
	return fmt.Sprintf("updateStrategy OnDelete without a %s label: nothing replaces old pods; %s or run rollout-operator", LabelRolloutGroup, byHand)
}

// rolloutOperatorRuns reports whether a Deployment of namespace whose
// container image names rollout-operator (grafana/rollout-operator) has a
// ready pod; known is false when the Deployments cannot be listed.
func rolloutOperatorRuns(ctx context.Context, cs kubernetes.Interface, namespace string) (runs, known bool) {
	deps, err := cs.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, false
	}
	for _, d := range deps.Items {
		for _, c := range d.Spec.Template.Spec.Containers {
			if strings.Contains(c.Image, "rollout-operator") && d.Status.ReadyReplicas > 0 {
				return true, true
			}
		}
	}
	return false, true
}

func checkDeployment(ctx context.Context, cs kubernetes.Interface, w Workload) (RolloutStatus, error) {
	var d *appsv1.Deployment
	err := withRetry(ctx, func() (err error) {
		d, err = cs.AppsV1().Deployments(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return RolloutStatus{}, notFoundHint(w, err)
	}
	st := RolloutStatus{Workload: w, Desired: replicas(d.Spec.Replicas), Updated: d.Status.UpdatedReplicas, Ready: d.Status.AvailableReplicas}
	if d.Status.ObservedGeneration < d.Generation {
		st.Summary = fmt.Sprintf("waiting for the Deployment controller to observe generation %d", d.Generation)
		return st, nil
	}
	st.Done = d.Status.UpdatedReplicas == st.Desired && d.Status.Replicas == st.Desired && d.Status.AvailableReplicas == st.Desired
	st.Summary = fmt.Sprintf("%d/%d pods updated, %d/%d available", st.Updated, st.Desired, st.Ready, st.Desired)
	if old := d.Status.Replicas - d.Status.UpdatedReplicas; old > 0 {
		st.Summary += fmt.Sprintf(", %d old", old)
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			st.Note = "progress deadline exceeded: " + c.Message
		}
	}
	if st.Done {
		return st, nil
	}
	holds, err := deploymentHolds(ctx, cs, d)
	if err != nil {
		return st, fmt.Errorf("wait for the rollout of %s: %w", w, err)
	}
	st.Holders = holds
	return st, nil
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func notFoundHint(w Workload, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("wait for the rollout of %s: it does not exist (check the namespace and `%s`)", w, invocation.Command("diff"))
	}
	return fmt.Errorf("wait for the rollout of %s: %w", w, err)
}

func hasOldRevision(holds []PodHold) bool { return oldestHolder(holds) != "" }

func oldestHolder(holds []PodHold) string {
	for _, h := range holds {
		if strings.HasPrefix(h.Reason, "old revision") {
			return h.Pod
		}
	}
	return ""
}
