package nodeagent

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// goneGrace is the grace period for pods that vanished from the API without
// a graceful deletion (force deleted).
const goneGrace = 2 * time.Second

// shutdownGrace bounds container stops when the whole cluster goes down.
const shutdownGrace = 3 * time.Second

// terminationGrace is how long containers get between SIGTERM and SIGKILL:
// the deletion's grace period, else the pod's terminationGracePeriodSeconds.
func terminationGrace(pod *corev1.Pod) time.Duration {
	if pod.DeletionGracePeriodSeconds != nil {
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return 30 * time.Second
}

// terminate stops a deleted pod gracefully (preStop hooks, SIGTERM, SIGKILL
// after the grace period), removes its sandbox and finalises the API object.
func (w *podWorker) terminate(ctx context.Context, pod *corev1.Pod, gone bool) {
	grace := terminationGrace(pod)
	if gone {
		grace = goneGrace
	}
	w.a.cfg.Log.Info("stopping pod", "pod", w.key(), "grace", grace)
	deadline := now().Add(grace)
	w.preStop(ctx, pod, deadline)
	w.stopAll(ctx, pod, time.Until(deadline))
	w.teardown(ctx, pod)
	if gone {
		return
	}
	w.pushFinalStatus(ctx, pod)
	err := w.a.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To(int64(0)),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
		w.a.cfg.Log.Warn("finalise deleted pod", "pod", w.key(), "err", err)
	}
	w.a.cfg.Log.Info("pod removed", "pod", w.key())
}

// pushFinalStatus reports the containers as terminated and the pod not ready,
// so controllers see the end before the object goes.
func (w *podWorker) pushFinalStatus(ctx context.Context, pod *corev1.Pod) {
	w.mu.Lock()
	for _, c := range append(append([]*container{}, w.inits...), w.ctrs...) {
		c.waitingReason = ""
	}
	w.mu.Unlock()
	w.pushStatus(ctx, pod)
}

// stopAll stops every running container in parallel, each with grace.
func (w *podWorker) stopAll(_ context.Context, _ *corev1.Pod, grace time.Duration) {
	if grace < 0 {
		grace = 0
	}
	var wg sync.WaitGroup
	for _, c := range append(append([]*container{}, w.inits...), w.ctrs...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.kill(c, grace)
		}()
	}
	wg.Wait()
}

// preStop runs the containers' preStop hooks in parallel until deadline.
func (w *podWorker) preStop(ctx context.Context, pod *corev1.Pod, deadline time.Time) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if w.sb == nil {
		return
	}
	ip := w.sb.ip.String()
	var wg sync.WaitGroup
	for _, c := range w.ctrs {
		w.mu.Lock()
		running, pid := c.running, c.pid
		w.mu.Unlock()
		if !running || c.spec.Lifecycle == nil || c.spec.Lifecycle.PreStop == nil {
			continue
		}
		h := c.spec.Lifecycle.PreStop
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch {
			case h.HTTPGet != nil:
				err = httpProbe(ctx, h.HTTPGet, c, ip)
			case h.Exec != nil:
				err = ExecIn(ctx, pid, h.Exec.Command)
			case h.Sleep != nil:
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
				}
			}
			if err != nil {
				w.a.cfg.Log.Warn("preStop hook failed", "pod", pod.Namespace+"/"+pod.Name, "container", c.spec.Name, "err", err)
			}
		}()
	}
	wg.Wait()
}

// shutdown stops the pod quickly when the agent itself stops; the API object
// is left alone (the cluster is going away).
func (w *podWorker) shutdown() {
	pod, _ := w.snapshot()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w.stopAll(ctx, pod, shutdownGrace)
	w.teardown(ctx, pod)
}
