// Package procs starts and stops the local cluster's host processes (etcd,
// the Kubernetes control plane, Prometheus). Each one carries the cluster's
// marker in its environment, writes a pid file and logs to its own file, so
// that cleanup can find it even when the supervisor is gone.
package procs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Spec describes one host process.
type Spec struct {
	Name    string
	Path    string
	Args    []string
	Env     []string // added to the supervisor's environment
	LogFile string
	PIDFile string
}

// Process is a started Spec.
type Process struct {
	Spec Spec
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start runs spec with marker ("KEY=VALUE") in its environment.
func Start(spec Spec, marker string) (*Process, error) {
	if _, err := os.Stat(spec.Path); err != nil {
		return nil, fmt.Errorf("start %s: %w (build it with e2e/local/tools/build.sh)", spec.Name, err)
	}
	if err := os.MkdirAll(filepath.Dir(spec.LogFile), 0o755); err != nil {
		return nil, fmt.Errorf("create log directory for %s: %w", spec.Name, err)
	}
	log, err := os.OpenFile(spec.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log of %s: %w", spec.Name, err)
	}
	defer func() { _ = log.Close() }()
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(append(os.Environ(), spec.Env...), marker)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", spec.Name, spec.Path, err)
	}
	p := &Process{Spec: spec, cmd: cmd, done: make(chan struct{})}
	if spec.PIDFile != "" {
		_ = os.MkdirAll(filepath.Dir(spec.PIDFile), 0o755)
		_ = os.WriteFile(spec.PIDFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the exit error, valid after Done.
func (p *Process) Err() error { return p.err }

// Stop sends SIGTERM, waits up to grace, then kills the process group.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		<-p.done
	}
	if p.Spec.PIDFile != "" {
		_ = os.Remove(p.Spec.PIDFile)
	}
	var exit *exec.ExitError
	if p.err != nil && !errors.As(p.err, &exit) {
		return fmt.Errorf("stop %s: %w", p.Spec.Name, p.err)
	}
	return nil
}

// ReadPID reads a pid file; 0 when missing or invalid.
func ReadPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(string(trimSpace(data)))
	return pid
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// Alive reports whether pid is a live (not zombie) process.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	return processState(data) != 'Z' && processState(data) != 'X'
}

// processState extracts the state letter from /proc/PID/stat.
func processState(stat []byte) byte {
	for i := len(stat) - 1; i > 0; i-- {
		if stat[i] == ')' && i+2 < len(stat) {
			return stat[i+2]
		}
	}
	return 0
}
