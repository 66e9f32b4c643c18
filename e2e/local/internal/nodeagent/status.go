package nodeagent

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// managedConditions are the pod conditions the agent owns; others (such as
// PodScheduled) are kept as the API has them.
var managedConditions = []corev1.PodConditionType{
	corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady,
}

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t.Truncate(time.Second)) }

// buildStatus computes the pod's status from the worker's state.
func (w *podWorker) buildStatus(pod *corev1.Pod) corev1.PodStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := corev1.PodStatus{StartTime: ptr.To(metaTime(w.startTime)), Phase: corev1.PodPending}
	host := w.a.cfg.HostIP().String()
	st.HostIP, st.HostIPs = host, []corev1.HostIP{{IP: host}}
	if w.sb != nil {
		ip := w.sb.ip.String()
		st.PodIP, st.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	}
	initsDone := true
	for _, c := range w.inits {
		st.InitContainerStatuses = append(st.InitContainerStatuses, c.status())
		initsDone = initsDone && c.succeeded()
	}
	allReady, anyStarted := true, false
	for _, c := range w.ctrs {
		cs := c.status()
		if !initsDone && cs.State.Waiting != nil {
			cs.State.Waiting.Reason = "PodInitializing"
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		allReady = allReady && cs.Ready
		anyStarted = anyStarted || c.everRan
	}
	switch {
	case w.terminal != "":
		st.Phase, allReady = w.terminal, false
	case initsDone && anyStarted:
		st.Phase = corev1.PodRunning
	}
	if w.setupErr != "" {
		st.Message = w.setupErr
	}
	ready := allReady && readinessGatesPass(pod)
	st.Conditions = w.conditions(pod, map[corev1.PodConditionType]bool{
		corev1.PodReadyToStartContainers: w.sb != nil,
		corev1.PodInitialized:            initsDone,
		corev1.ContainersReady:           allReady,
		corev1.PodReady:                  ready,
	})
	return st
}

// conditions merges the managed conditions (transition times kept while the
// value holds) with the pod's other conditions.
func (w *podWorker) conditions(pod *corev1.Pod, values map[corev1.PodConditionType]bool) []corev1.PodCondition {
	var out []corev1.PodCondition
	for _, c := range pod.Status.Conditions {
		if _, managed := values[c.Type]; !managed {
			out = append(out, c)
		}
	}
	for _, typ := range managedConditions {
		status := corev1.ConditionFalse
		if values[typ] {
			status = corev1.ConditionTrue
		}
		cs, ok := w.conds[typ]
		if !ok || cs.status != status {
			cs = condState{status: status, since: now()}
			w.conds[typ] = cs
		}
		out = append(out, corev1.PodCondition{Type: typ, Status: status, LastTransitionTime: metaTime(cs.since)})
	}
	return out
}

func readinessGatesPass(pod *corev1.Pod) bool {
	for _, g := range pod.Spec.ReadinessGates {
		ok := false
		for _, c := range pod.Status.Conditions {
			if c.Type == g.ConditionType && c.Status == corev1.ConditionTrue {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// status is the container's status; caller holds the worker's mu.
func (c *container) status() corev1.ContainerStatus {
	cs := corev1.ContainerStatus{
		Name: c.spec.Name, Image: c.spec.Image, ImageID: "mctl-local://" + c.spec.Image,
		RestartCount: c.restarts, Ready: c.running && c.ready && c.started, Started: ptr.To(c.running && c.started),
	}
	switch {
	case c.running:
		cs.ContainerID = c.id
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metaTime(c.startedAt)}
		if c.last != nil {
			cs.LastTerminationState.Terminated = c.last
		}
	case c.last != nil && c.waitingReason == "":
		cs.ContainerID = c.last.ContainerID
		cs.State.Terminated = c.last
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: c.waitingReason, Message: c.waitingMessage}
		if c.last != nil {
			cs.LastTerminationState.Terminated = c.last
		}
	}
	if c.init {
		cs.Started = nil
		cs.Ready = c.succeeded()
	}
	return cs
}

// pushStatus sends the status when it changed since the last push.
func (w *podWorker) pushStatus(ctx context.Context, pod *corev1.Pod) {
	st := w.buildStatus(pod)
	patch := map[string]any{"metadata": map[string]any{"uid": pod.UID}, "status": st}
	data, err := json.Marshal(patch)
	if err != nil || bytes.Equal(data, w.lastPushed) {
		return
	}
	_, err = w.a.cfg.Client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, data, metav1.PatchOptions{}, "status")
	if err != nil {
		if ctx.Err() == nil {
			w.a.cfg.Log.Warn("report pod status", "pod", w.key(), "err", err)
		}
		return
	}
	w.lastPushed = data
}
