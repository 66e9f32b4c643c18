package nodeagent

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mimirctl/mimirctl/e2e/local/internal/podnet"
)

// runInits runs init containers one after the other; true once all have
// succeeded.
func (w *podWorker) runInits(ctx context.Context, pod *corev1.Pod) bool {
	for _, c := range w.inits {
		w.mu.Lock()
		running, ok, last, due := c.running, c.succeeded(), c.last, !now().Before(c.nextStart)
		w.mu.Unlock()
		switch {
		case ok:
			continue
		case running:
			return false
		case last != nil && pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return false // checkTerminal fails the pod
		case due:
			w.bumpRestarts(c)
			w.start(ctx, pod, c)
		default:
			w.setWaiting(c, "CrashLoopBackOff")
		}
		return false
	}
	return true
}

// runContainers (re)starts application containers the restart policy wants
// running.
func (w *podWorker) runContainers(ctx context.Context, pod *corev1.Pod) {
	for _, c := range w.ctrs {
		w.mu.Lock()
		running, last, due := c.running, c.last, !now().Before(c.nextStart)
		w.mu.Unlock()
		if running || (last != nil && !restartWanted(pod.Spec.RestartPolicy, last.ExitCode)) {
			continue
		}
		if !due {
			w.setWaiting(c, "CrashLoopBackOff")
			continue
		}
		w.bumpRestarts(c)
		w.start(ctx, pod, c)
	}
}

func restartWanted(policy corev1.RestartPolicy, code int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return code != 0
	}
	return true
}

// bumpRestarts counts a restart when the container ran before.
func (w *podWorker) bumpRestarts(c *container) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.last != nil && c.counted != c.last {
		c.restarts++
		c.counted = c.last
	}
}

func (w *podWorker) setWaiting(c *container, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.last != nil && reason == "CrashLoopBackOff" {
		c.waitingReason = reason
		c.waitingMessage = fmt.Sprintf("back-off %s restarting failed container %s", c.backoff, c.spec.Name)
	}
}

// checkTerminal ends pods whose restart policy lets them finish: Succeeded
// when every container exited 0, Failed when one failed for good.
func (w *podWorker) checkTerminal(ctx context.Context, pod *corev1.Pod) {
	if pod.Spec.RestartPolicy == corev1.RestartPolicyAlways || pod.Spec.RestartPolicy == "" {
		return
	}
	w.mu.Lock()
	failed, done := false, true
	for _, c := range w.inits {
		if c.last != nil && c.last.ExitCode != 0 && !c.running && pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
			failed = true
		}
	}
	for _, c := range w.ctrs {
		if c.running || c.last == nil || restartWanted(pod.Spec.RestartPolicy, c.last.ExitCode) {
			done = false
		} else if c.last.ExitCode != 0 {
			failed = true
		}
	}
	w.mu.Unlock()
	switch {
	case failed:
		w.stopAll(ctx, pod, 0)
		w.terminal = corev1.PodFailed
	case done:
		w.terminal = corev1.PodSucceeded
	default:
		return
	}
	w.teardown(ctx, pod)
}

// kill stops one run of c: SIGTERM, then SIGKILL of its process group and
// everything in its mount namespace after grace.
func (w *podWorker) kill(c *container, grace time.Duration) {
	w.mu.Lock()
	running, pid, exited := c.running, c.pid, c.exited
	w.mu.Unlock()
	if !running {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-exited:
		return
	case <-t.C:
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	<-exited
}

// killNamespace SIGKILLs processes left in a finished container's mount
// namespace (daemons that escaped its process group).
func killNamespace(mnt string) {
	if mnt == "" {
		return
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, _ := os.Readlink("/proc/" + e.Name() + "/ns/mnt"); ns == mnt {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// resolvConfFor honours dnsPolicy and dnsConfig; every policy points at the
// cluster DNS, which answers only for the cluster (nothing is forwarded).
func resolvConfFor(pod *corev1.Pod, dns netip.Addr) []byte {
	base := string(podnet.ResolvConf(pod.Namespace, dns))
	cfg := pod.Spec.DNSConfig
	if cfg == nil {
		return []byte(base)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(base), "\n") {
		switch {
		case strings.HasPrefix(line, "search ") && len(cfg.Searches) > 0:
			line += " " + strings.Join(cfg.Searches, " ")
		case strings.HasPrefix(line, "options "):
			for _, o := range cfg.Options {
				if o.Value != nil {
					line += " " + o.Name + ":" + *o.Value
				} else {
					line += " " + o.Name
				}
			}
		}
		b.WriteString(line + "\n")
	}
	for _, ns := range cfg.Nameservers {
		b.WriteString("nameserver " + ns + "\n")
	}
	return []byte(b.String())
}
