package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/containerinit"
	"github.com/mimirctl/mimirctl/e2e/local/internal/images"
	"github.com/mimirctl/mimirctl/e2e/local/internal/volumes"
)

// container is one container of a pod across its restarts. Fields are
// guarded by the worker's mu, except spec and init.
type container struct {
	spec corev1.Container
	init bool

	running    bool
	everRan    bool
	pid        int
	mntNS      string // the container's mount namespace, to find stragglers
	id         string
	startedAt  time.Time
	exited     chan struct{}
	stopProbes context.CancelFunc

	last      *corev1.ContainerStateTerminated // the latest finished run
	counted   *corev1.ContainerStateTerminated // the run restarts already counts
	restarts  int32
	backoff   time.Duration
	nextStart time.Time
	ready     bool
	started   bool

	// waiting explains why a container that is not running waits.
	waitingReason, waitingMessage string
}

func newContainer(spec corev1.Container, init bool) *container {
	return &container{spec: spec, init: init, waitingReason: "ContainerCreating"}
}

// succeeded reports whether the latest run ended with exit code 0.
func (c *container) succeeded() bool { return c.last != nil && c.last.ExitCode == 0 && !c.running }

// start launches one run of c. Errors become the container's waiting reason.
func (w *podWorker) start(ctx context.Context, pod *corev1.Pod, c *container) {
	cmd, spec, err := w.prepare(pod, c)
	if err != nil {
		w.mu.Lock()
		c.waitingReason, c.waitingMessage = reasonOf(err), err.Error()
		c.nextStart = now().Add(config.RestartBackoffInitial)
		w.mu.Unlock()
		w.a.cfg.Log.Warn("cannot start container", "pod", w.key(), "container", c.spec.Name, "err", err)
		return
	}
	_ = os.Remove(spec.ErrorFile)
	if err := cmd.Start(); err != nil {
		w.mu.Lock()
		c.waitingReason, c.waitingMessage = "CreateContainerError", err.Error()
		c.nextStart = now().Add(config.RestartBackoffInitial)
		w.mu.Unlock()
		return
	}
	_ = cmd.Stdout.(*os.File).Close() // the child has its own copy
	pid := cmd.Process.Pid
	mnt, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	pidFile := filepath.Join(filepath.Dir(spec.ErrorFile), "pid")
	_ = os.WriteFile(pidFile, []byte(fmt.Sprintf("%d\n", pid)), 0o644)
	probeCtx, stopProbes := context.WithCancel(ctx)
	w.mu.Lock()
	c.running, c.everRan, c.pid, c.mntNS = true, true, pid, mnt
	c.startedAt = now()
	c.id = fmt.Sprintf("mctl://%s-%s-%d", shortUID(pod), c.spec.Name, c.restarts)
	c.exited = make(chan struct{})
	c.stopProbes = stopProbes
	c.ready, c.started = false, c.spec.StartupProbe == nil
	c.waitingReason, c.waitingMessage = "", ""
	w.mu.Unlock()
	w.a.cfg.Log.Info("container started", "pod", w.key(), "container", c.spec.Name, "pid", pid, "restarts", c.restarts)
	go w.wait(cmd, c, spec.ErrorFile)
	if !c.init {
		go w.probe(probeCtx, pod, c, w.sb.ip.String())
	}
}

// prepare builds the container-init command and writes its spec file.
func (w *podWorker) prepare(pod *corev1.Pod, c *container) (*exec.Cmd, *containerinit.Spec, error) {
	spec, err := w.containerSpec(pod, c)
	if err != nil {
		return nil, nil, err
	}
	dir := w.a.cfg.Layout.ContainerDir(string(pod.UID), c.spec.Name)
	for _, d := range []string{spec.RootDir, spec.ScratchDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	specPath := filepath.Join(dir, "spec.json")
	if err := containerinit.WriteSpec(specPath, spec); err != nil {
		return nil, nil, err
	}
	logPath := w.a.cfg.Layout.ContainerLog(pod.Namespace, pod.Name, string(pod.UID), c.spec.Name, int(c.restarts))
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, nil, fmt.Errorf("create log directory: %w", err)
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open container log: %w", err)
	}
	cmd := exec.Command(w.a.cfg.InitBinary, "container-init", specPath)
	cmd.Env = []string{w.a.cfg.Marker}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS, Setpgid: true}
	return cmd, spec, nil
}

// containerSpec resolves environment, image and mounts into what
// container-init needs.
func (w *podWorker) containerSpec(pod *corev1.Pod, c *container) (*containerinit.Spec, error) {
	env, envMap, err := w.a.containerEnv(pod, &c.spec, w.sb.ip.String())
	if err != nil {
		return nil, configError{err}
	}
	launch, err := images.Resolve(w.a.cfg.Images, w.a.cfg.BinDir, c.spec.Image,
		images.ExpandAll(c.spec.Command, envMap), images.ExpandAll(c.spec.Args, envMap))
	if err != nil {
		return nil, imageError{err}
	}
	binds, err := volumes.Binds(pod, &c.spec, w.sb.sources, envMap)
	if err != nil {
		return nil, configError{err}
	}
	if filepath.IsAbs(launch.Path) && strings.HasPrefix(launch.Path, w.a.cfg.BinDir) {
		if _, err := os.Stat(launch.Path); err != nil {
			return nil, imageError{fmt.Errorf("image %s needs %s, which is not built: run e2e/local/tools/build.sh (make tools)", c.spec.Image, launch.Path)}
		}
		binds = append([]containerinit.Bind{{Source: w.a.cfg.BinDir, Target: w.a.cfg.BinDir, ReadOnly: true}}, binds...)
	}
	dir := w.a.cfg.Layout.ContainerDir(string(pod.UID), c.spec.Name)
	return &containerinit.Spec{
		Netns: w.sb.netnsPath(), RootDir: filepath.Join(dir, "root"), ScratchDir: filepath.Join(dir, "scratch"),
		TmpfsSize: config.PodTmpfsSize, Hostname: podHostname(pod),
		Files: map[string]string{
			"/etc/hosts": hostsFile(pod, w.sb.ip), "/etc/hostname": podHostname(pod) + "\n",
			"/etc/resolv.conf": string(resolvConfFor(pod, w.a.cfg.HostIP())),
		},
		Dirs: launch.Dirs, Binds: binds, WorkingDir: c.spec.WorkingDir,
		Path: launch.Path, Argv: launch.Argv, Env: env, ErrorFile: filepath.Join(dir, "init-error"),
	}, nil
}

type configError struct{ error }
type imageError struct{ error }

func (e configError) Unwrap() error { return e.error }
func (e imageError) Unwrap() error  { return e.error }

func reasonOf(err error) string {
	var ce configError
	var ie imageError
	switch {
	case errors.As(err, &ie):
		return "ErrImageNeverPull"
	case errors.As(err, &ce):
		return "CreateContainerConfigError"
	}
	return "CreateContainerError"
}

// wait records the end of a run and schedules the next one.
func (w *podWorker) wait(cmd *exec.Cmd, c *container, errorFile string) {
	err := cmd.Wait()
	code, reason, msg := exitOf(cmd, err)
	if b, rerr := os.ReadFile(errorFile); rerr == nil && len(b) > 0 && code == containerinit.ExitSetupFailed {
		reason, msg = "StartError", strings.TrimSpace(string(b))
	}
	w.mu.Lock()
	mnt := c.mntNS
	finished := now()
	ran := finished.Sub(c.startedAt)
	c.running, c.ready = false, false
	c.last = &corev1.ContainerStateTerminated{
		ExitCode: code, Reason: reason, Message: msg, ContainerID: c.id,
		StartedAt: metaTime(c.startedAt), FinishedAt: metaTime(finished),
	}
	c.backoff = nextBackoff(c.backoff, ran)
	c.nextStart = finished.Add(c.backoff)
	c.stopProbes()
	close(c.exited)
	w.mu.Unlock()
	killNamespace(mnt)
	w.a.cfg.Log.Info("container exited", "pod", w.key(), "container", c.spec.Name, "code", code, "reason", reason, "ran", ran.Round(time.Millisecond))
	w.poke()
}

func exitOf(cmd *exec.Cmd, err error) (int32, string, string) {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return 128 + int32(ws.Signal()), "Error", "killed by " + ws.Signal().String()
	case err == nil:
		return 0, "Completed", ""
	}
	return int32(cmd.ProcessState.ExitCode()), "Error", ""
}

// nextBackoff doubles the delay up to the maximum; a run longer than the
// reset period starts over.
func nextBackoff(prev, ran time.Duration) time.Duration {
	if prev == 0 || ran >= config.RestartBackoffReset {
		return config.RestartBackoffInitial
	}
	return min(prev*2, config.RestartBackoffMax)
}

func shortUID(pod *corev1.Pod) string {
	u := string(pod.UID)
	if len(u) > 8 {
		return u[:8]
	}
	return u
}
