package cluster

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
	"github.com/mimirctl/mimirctl/e2e/local/internal/sweep"
)

// DownOptions configure Down.
type DownOptions struct {
	// StateDir is the cluster's state directory ("" for the default).
	StateDir string
	// KeepFiles leaves the state directory (logs, PV data) in place.
	KeepFiles bool
	// Grace bounds the supervisor's orderly shutdown before everything is
	// killed (default 30 s).
	Grace time.Duration
}

// Down stops the cluster at the state directory and removes everything it
// created: processes, network namespaces, links, mounts, /etc/netns entries
// and (unless KeepFiles) the state directory. It works after a crash or
// kill -9 too, and does nothing when there is nothing to remove.
func Down(ctx context.Context, opts DownOptions) error {
	dir := opts.StateDir
	if dir == "" {
		dir = config.DefaultStateDir
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	unlock, err := lock(ctx, dir)
	if err != nil {
		return err
	}
	defer unlock()
	opts.StateDir = dir
	return down(ctx, opts)
}

// down is Down without the lock (Up holds it already); opts.StateDir is
// absolute (Down and Options.withDefaults make it so).
func down(ctx context.Context, opts DownOptions) error {
	dir := opts.StateDir
	if opts.Grace == 0 {
		opts.Grace = 30 * time.Second
	}
	l := config.Layout{Root: dir}
	if pid := procs.ReadPID(l.SupervisorPID()); procs.Alive(pid) && isSupervisor(pid, dir) {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		wctx, cancel := context.WithTimeout(ctx, opts.Grace)
		_ = poll(wctx, 100*time.Millisecond, func() (bool, error) { return !procs.Alive(pid), nil })
		cancel()
	}
	if err := sweep.Remove(ctx, dir, opts.KeepFiles); err != nil {
		return fmt.Errorf("clean up local cluster %s: %w", dir, err)
	}
	left, err := sweep.Find(dir)
	if err != nil {
		return err
	}
	if !left.Empty() {
		return fmt.Errorf("local cluster %s left behind: %s", dir, left)
	}
	return nil
}

// isSupervisor checks the marker so that a recycled pid is never signalled.
func isSupervisor(pid int, dir string) bool {
	pids, err := sweep.MarkedProcesses(dir)
	if err != nil {
		return false
	}
	for _, p := range pids {
		if p == pid {
			return true
		}
	}
	return false
}

// LeftoverSet is what a cluster left on the host; see Leftovers.
type LeftoverSet = sweep.Leftovers

// Leftovers lists what a cluster at stateDir left on the host (processes,
// mounts, network namespaces, links, /etc/netns entries); tests assert it is
// empty after Down.
func Leftovers(stateDir string) (LeftoverSet, error) {
	if stateDir == "" {
		stateDir = config.DefaultStateDir
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return sweep.Leftovers{}, err
	}
	return sweep.Find(abs)
}

// Processes lists the live processes of the cluster at stateDir: the
// supervisor, host components and every container (found by the marker in
// their environment).
func Processes(stateDir string) ([]int, error) {
	if stateDir == "" {
		stateDir = config.DefaultStateDir
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, err
	}
	return sweep.MarkedProcesses(abs)
}
