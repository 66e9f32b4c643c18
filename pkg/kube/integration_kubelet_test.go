//go:build integration

package kube

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const fakeNode = "mimirctl-it-node"

// waitRollouts waits for the rollout of every workload in desired. It
// needs nodes that run the test pods (grafana/mimir:2.* images), as the
// local cluster of e2e/local and kind have. On a control plane without nodes
// MIMIRCTL_TEST_FAKE_KUBELET=1 makes the test play the kubelet for its
// namespace; otherwise the wait is skipped.
func (f *fixture) waitRollouts(desired []*unstructured.Unstructured) {
	f.t.Helper()
	if !hasReadyNodes(f.t, f.c) {
		if os.Getenv("MIMIRCTL_TEST_FAKE_KUBELET") != "1" {
			f.t.Log("rollout wait skipped: the cluster has no ready node (set MIMIRCTL_TEST_FAKE_KUBELET=1 on a bare control plane)")
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		f.t.Cleanup(cancel)
		go playKubelet(ctx, f.c.Kube, f.ns)
	}
	var workloads []Workload
	for _, o := range desired {
		if k := o.GetKind(); k == "Deployment" || k == "StatefulSet" {
			workloads = append(workloads, Workload{Kind: k, Namespace: o.GetNamespace(), Name: o.GetName()})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var polls atomic.Int32
	statuses, err := WaitRollout(ctx, f.c.Kube, workloads, WaitOptions{Interval: time.Second}, func([]RolloutStatus) { polls.Add(1) })
	if err != nil {
		f.t.Fatal(err)
	}
	for _, st := range statuses {
		f.t.Logf("%s: %s", st.Workload, st.Summary)
	}
	f.t.Logf("rollouts done after %d checks", polls.Load())
}

// hasReadyNodes reports whether a node of the cluster is Ready (the fake
// kubelet's node does not count).
func hasReadyNodes(t *testing.T, c *Clients) bool {
	t.Helper()
	nodes, err := c.Kube.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		for _, cond := range n.Status.Conditions {
			if n.Name != fakeNode && cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return true
			}
		}
	}
	return false
}

// playKubelet binds the namespace's pods to a fake node and reports them
// running and ready, until ctx ends.
func playKubelet(ctx context.Context, cs kubernetes.Interface, ns string) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fakeNode}}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return
	}
	ip := 10
	for ctx.Err() == nil {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range pods.Items {
				ip = runPod(ctx, cs, &pods.Items[i], ip)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func runPod(ctx context.Context, cs kubernetes.Interface, p *corev1.Pod, ip int) int {
	pods := cs.CoreV1().Pods(p.Namespace)
	switch {
	case p.DeletionTimestamp != nil:
		_ = pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))})
	case p.Spec.NodeName == "":
		b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name}, Target: corev1.ObjectReference{Kind: "Node", Name: fakeNode}}
		_ = pods.Bind(ctx, b, metav1.CreateOptions{})
	case p.Status.Phase != corev1.PodRunning:
		now := metav1.Now()
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP = fmt.Sprintf("10.244.%d.%d", ip/250, ip%250+2)
		p.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		for _, c := range p.Spec.Containers {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
			})
		}
		if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err == nil {
			return ip + 1
		}
	}
	return ip
}
