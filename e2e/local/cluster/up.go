package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
	"github.com/mimirctl/mimirctl/e2e/local/internal/sweep"
)

// Up starts a cluster in the background and returns once it is ready. A
// cluster already running at the state directory is returned as is; the
// leftovers of a crashed one are removed first. On failure the cluster is
// stopped and its logs are kept (remove them with Down).
func Up(ctx context.Context, opts Options) (*Cluster, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	unlock, err := lock(ctx, opts.StateDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c, err := Load(opts.StateDir); err == nil {
		fmt.Fprintf(opts.Progress, "✓ local cluster already running (%s)\n", c.StateDir)
		return c, nil
	}
	if err := preflight(opts); err != nil {
		return nil, err
	}
	if err := down(ctx, DownOptions{StateDir: opts.StateDir}); err != nil {
		return nil, fmt.Errorf("remove the previous cluster's leftovers: %w", err)
	}
	if err := ensureSupervisor(ctx, opts); err != nil {
		return nil, err
	}
	l := config.Layout{Root: opts.StateDir}
	if err := os.MkdirAll(l.Root, 0o755); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(l.Root, sweep.StampFile), nil, 0o644); err != nil {
		return nil, err
	}
	if err := writeJSON(l.Options(), opts); err != nil {
		return nil, err
	}
	fmt.Fprintf(opts.Progress, "• starting local cluster in %s (log: %s)\n", l.Root, l.SupervisorLog())
	if err := spawnSupervisor(opts, l); err != nil {
		return nil, err
	}
	c, err := waitReady(ctx, opts, l)
	if err != nil {
		_ = down(context.WithoutCancel(ctx), DownOptions{StateDir: opts.StateDir, KeepFiles: true})
		return nil, fmt.Errorf("%w (logs kept in %s; remove them with: localcluster down)", err, l.Root)
	}
	fmt.Fprintf(opts.Progress, "✓ local cluster ready in %.1fs: KUBECONFIG=%s\n", c.StartupSeconds, c.Kubeconfig)
	return c, nil
}

// spawnSupervisor starts "localcluster supervise" detached (own session),
// with the cluster's marker so that Down finds it.
func spawnSupervisor(opts Options, l config.Layout) error {
	log, err := os.OpenFile(l.SupervisorLog(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open supervisor log: %w", err)
	}
	defer func() { _ = log.Close() }()
	cmd := exec.Command(opts.Supervisor, "supervise", "--state-dir", l.Root)
	cmd.Env = append(os.Environ(), config.MarkerEnv+"="+l.Root)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start supervisor %s: %w", opts.Supervisor, err)
	}
	// Reap it if it dies while this process lives (tests); otherwise it is
	// adopted by init when this process exits.
	go func() { _ = cmd.Wait() }()
	return nil
}

// waitReady waits for the description, the supervisor's death or the timeout.
func waitReady(ctx context.Context, opts Options, l config.Layout) (*Cluster, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
	defer cancel()
	var c *Cluster
	pid := 0
	err := poll(ctx, 250*time.Millisecond, func() (bool, error) {
		if _, err := os.Stat(l.Description()); err == nil {
			var lerr error
			c, lerr = Load(l.Root)
			return lerr == nil, lerr
		}
		if _, err := os.Stat(l.Failure()); err == nil {
			return false, fmt.Errorf("local cluster failed to start: %s", failureReason(l))
		}
		if pid == 0 {
			pid = procs.ReadPID(l.SupervisorPID())
		}
		if pid != 0 && !procs.Alive(pid) {
			return false, fmt.Errorf("local cluster failed to start: %s", failureReason(l))
		}
		return false, nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("local cluster not ready after %s: %s", opts.ReadyTimeout, failureReason(l))
	}
	return c, err
}

// failureReason is the supervisor's recorded failure or its log's tail.
func failureReason(l config.Layout) string {
	if b, err := os.ReadFile(l.Failure()); err == nil {
		return strings.TrimSpace(string(b))
	}
	b, _ := os.ReadFile(l.SupervisorLog())
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "supervisor log ends with:\n" + strings.Join(lines, "\n")
}

// ensureSupervisor builds the localcluster binary when it is missing or
// older than the Go sources under e2e/local.
func ensureSupervisor(ctx context.Context, opts Options) error {
	root, rootErr := ModuleRoot()
	fi, err := os.Stat(opts.Supervisor)
	if err == nil && (rootErr != nil || !newerSources(filepath.Join(root, "e2e", "local"), fi.ModTime())) {
		return nil
	}
	if rootErr != nil {
		return fmt.Errorf("no supervisor binary at %s and no module to build it from: %w", opts.Supervisor, rootErr)
	}
	fmt.Fprintf(opts.Progress, "• building %s\n", opts.Supervisor)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", opts.Supervisor, "./e2e/local/cmd/localcluster")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build localcluster: %w: %s", err, out)
	}
	return nil
}

// newerSources reports whether a .go file under dir (outside tools/ and
// bin/) or go.mod changed after t.
func newerSources(dir string, t time.Time) bool {
	newer := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || newer {
			return filepath.SkipDir
		}
		if d.IsDir() && (d.Name() == "tools" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			if info, err := d.Info(); err == nil && info.ModTime().After(t) {
				newer = true
			}
		}
		return nil
	})
	// The e2e module's go.mod (e2e/go.mod): dir is e2e/local.
	if fi, err := os.Stat(filepath.Join(dir, "..", "go.mod")); err == nil && fi.ModTime().After(t) {
		newer = true
	}
	return newer
}
