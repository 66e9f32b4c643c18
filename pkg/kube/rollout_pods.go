package kube

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// podView is what rollout checks need of a pod.
type podView struct {
	pod     *corev1.Pod
	labels  map[string]string
	ordinal int32 // StatefulSet ordinal, -1 otherwise
}

// ownedPods lists the pods matching selector whose controller owner passes
// owned, sorted by name.
func ownedPods(ctx context.Context, cs kubernetes.Interface, ns string, selector *metav1.LabelSelector, owned func(metav1.OwnerReference) bool) ([]podView, error) {
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("parse the pod selector: %w", err)
	}
	var list *corev1.PodList
	err = withRetry(ctx, func() (err error) {
		list, err = cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list pods %q: %w", sel, err)
	}
	var out []podView
	for i := range list.Items {
		p := &list.Items[i]
		if c := metav1.GetControllerOf(p); c == nil || !owned(*c) {
			continue
		}
		out = append(out, podView{pod: p, labels: p.Labels, ordinal: ordinal(p.Name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pod.Name < out[j].pod.Name })
	return out, nil
}

func ordinal(name string) int32 {
	i := strings.LastIndex(name, "-")
	n, err := strconv.Atoi(name[i+1:])
	if i < 0 || err != nil {
		return -1
	}
	return int32(n)
}

// podHolds lists why pods hold a rollout back; current says whether a pod
// runs the revision being rolled out.
func podHolds(pods []podView, current func(podView) bool) []PodHold {
	var out []PodHold
	for _, p := range pods {
		if reason := holdReason(p, current(p)); reason != "" {
			out = append(out, PodHold{Pod: p.pod.Name, Reason: reason})
		}
	}
	return out
}

func holdReason(p podView, current bool) string {
	pod := p.pod
	switch {
	case pod.DeletionTimestamp != nil:
		return "terminating"
	case pod.Status.Phase == corev1.PodPending:
		return "pending" + detail(waitingReason(pod), unschedulable(pod))
	case !current:
		return "old revision"
	case !podReady(pod):
		return "not ready" + detail(waitingReason(pod))
	}
	return ""
}

func detail(parts ...string) string {
	for _, p := range parts {
		if p != "" {
			return ": " + p
		}
	}
	return ""
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func waitingReason(p *corev1.Pod) string {
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Waiting != nil && s.State.Waiting.Reason != "" {
			return s.State.Waiting.Reason
		}
	}
	return ""
}

func unschedulable(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return strings.TrimSpace(c.Reason + " " + c.Message)
		}
	}
	return ""
}

// deploymentHolds finds the pods of d that are not at the newest ReplicaSet
// or not ready.
func deploymentHolds(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) ([]PodHold, error) {
	newHash, owned, err := newestReplicaSet(ctx, cs, d)
	if err != nil {
		return nil, err
	}
	pods, err := ownedPods(ctx, cs, d.Namespace, d.Spec.Selector, func(o metav1.OwnerReference) bool { return owned[string(o.UID)] })
	if err != nil {
		return nil, err
	}
	return podHolds(pods, func(p podView) bool { return newHash == "" || p.labels[LabelPodTemplateHash] == newHash }), nil
}

// newestReplicaSet returns the pod-template-hash of d's ReplicaSet whose
// deployment.kubernetes.io/revision is d's ("" when the controller has not
// created it yet), and the UIDs of every ReplicaSet d controls.
func newestReplicaSet(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) (string, map[string]bool, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return "", nil, fmt.Errorf("parse the pod selector: %w", err)
	}
	var rsList *appsv1.ReplicaSetList
	err = withRetry(ctx, func() (err error) {
		rsList, err = cs.AppsV1().ReplicaSets(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("list ReplicaSets %q: %w", sel, err)
	}
	owned := map[string]bool{}
	newHash := ""
	for _, rs := range rsList.Items {
		if c := metav1.GetControllerOf(&rs); c == nil || c.UID != d.UID {
			continue
		}
		owned[string(rs.UID)] = true
		if rs.Annotations[AnnotationDeploymentRevision] == d.Annotations[AnnotationDeploymentRevision] {
			newHash = rs.Labels[LabelPodTemplateHash]
		}
	}
	return newHash, owned, nil
}
