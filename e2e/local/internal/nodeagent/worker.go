package nodeagent

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// syncPeriod is how often a worker re-evaluates its pod without events.
const syncPeriod = time.Second

// podWorker owns one pod (by UID) from first sight to finalisation. Its run
// loop is the only writer of sandbox and container lifecycle; probes and
// process waiters only record results under mu and wake it.
type podWorker struct {
	a    *Agent
	wake chan struct{}

	mu      sync.Mutex
	pod     *corev1.Pod // latest object from the API
	deleted bool        // the object is gone from the API

	sb           *sandbox
	volumesReady bool
	setupErr     string // why the sandbox or volumes are not ready
	lastVolSync  time.Time
	inits        []*container
	ctrs         []*container
	terminal     corev1.PodPhase // Succeeded or Failed once the pod is done
	startTime    time.Time
	conds        map[corev1.PodConditionType]condState
	lastPushed   []byte
}

type condState struct {
	status corev1.ConditionStatus
	since  time.Time
}

func newPodWorker(a *Agent, pod *corev1.Pod) *podWorker {
	w := &podWorker{a: a, wake: make(chan struct{}, 1), pod: pod, startTime: now(), conds: map[corev1.PodConditionType]condState{}}
	for _, c := range pod.Spec.InitContainers {
		w.inits = append(w.inits, newContainer(c, true))
	}
	for _, c := range pod.Spec.Containers {
		w.ctrs = append(w.ctrs, newContainer(c, false))
	}
	return w
}

// update records the latest pod object and wakes the worker.
func (w *podWorker) update(pod *corev1.Pod, deleted bool) {
	w.mu.Lock()
	w.pod = pod
	w.deleted = w.deleted || deleted
	w.mu.Unlock()
	w.poke()
}

func (w *podWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *podWorker) snapshot() (*corev1.Pod, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod, w.deleted
}

func (w *podWorker) key() string {
	pod, _ := w.snapshot()
	return pod.Namespace + "/" + pod.Name
}

// run drives the pod until it is finalised or ctx ends (cluster shutdown).
func (w *podWorker) run(ctx context.Context) {
	t := time.NewTicker(syncPeriod)
	defer t.Stop()
	for {
		if done := w.sync(ctx); done {
			return
		}
		select {
		case <-ctx.Done():
			w.shutdown()
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// sync moves the pod one step towards its desired state; true when the
// worker is finished.
func (w *podWorker) sync(ctx context.Context) bool {
	pod, deleted := w.snapshot()
	if deleted || pod.DeletionTimestamp != nil {
		w.terminate(ctx, pod, deleted)
		return true
	}
	if w.terminal == "" {
		if w.sb == nil || !w.volumesReady {
			w.setup(ctx, pod)
		}
		if w.sb != nil && w.volumesReady {
			w.refreshVolumes(ctx, pod)
			if w.runInits(ctx, pod) {
				w.runContainers(ctx, pod)
			}
			w.checkTerminal(ctx, pod)
		}
	}
	w.pushStatus(ctx, pod)
	return false
}
