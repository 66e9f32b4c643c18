package sweep

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

	"golang.org/x/sys/unix"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/podnet"
)

// StampFile marks a directory as a local cluster's state directory; Remove
// deletes only directories that carry it.
const StampFile = ".mctl-localcluster"

// runNetnsRecord, in the state directory's run/ folder, says that this
// cluster made /run/netns a mount point (ip netns add does so on first use),
// so the sweep unmounts it again once no namespace is left in it. Its content
// says whether the directory itself was new ("dir") and goes too.
const runNetnsRecord = "run-netns-mount-created"

// RecordRunNetns notes, before the first network namespace is created,
// whether /run/netns is a mount point (and a directory) yet.
func RecordRunNetns(l config.Layout) error {
	record := filepath.Join(l.PIDDir(), runNetnsRecord)
	if _, err := os.Stat(record); err == nil || isMountPoint(config.NetnsRunDir) {
		return nil
	}
	if err := os.MkdirAll(l.PIDDir(), 0o755); err != nil {
		return err
	}
	content := ""
	if _, err := os.Stat(config.NetnsRunDir); os.IsNotExist(err) {
		content = "dir"
	}
	return os.WriteFile(record, []byte(content), 0o644)
}

// Remove kills, unmounts and deletes every leftover of the cluster at
// stateDir; with keepFiles the state directory's files (logs) stay.
func Remove(ctx context.Context, stateDir string, keepFiles bool) error {
	if err := killMarked(ctx, stateDir); err != nil {
		return err
	}
	l, err := Find(stateDir)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range l.Mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	for _, ns := range l.Netns {
		errs = append(errs, podnet.DeleteNetns(ctx, ns, ""))
	}
	for _, link := range prefixed("/sys/class/net", config.NamesFor(stateDir).LinkPrefix()) {
		errs = append(errs, podnet.DeleteLink(ctx, link))
	}
	for _, e := range l.EtcNetns {
		errs = append(errs, os.RemoveAll(filepath.Join(config.NetnsEtcDir, e)))
	}
	errs = append(errs, removeRunNetnsMount(config.Layout{Root: stateDir}))
	if !keepFiles {
		errs = append(errs, removeStateDir(stateDir))
	}
	return errors.Join(errs...)
}

// killMarked SIGKILLs marked processes until none is left (bounded by ctx
// and 20 s).
func killMarked(ctx context.Context, stateDir string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		pids, err := MarkedProcesses(stateDir)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v of the cluster at %s survive SIGKILL (stuck in the kernel?)", pids, stateDir)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func removeRunNetnsMount(l config.Layout) error {
	record := filepath.Join(l.PIDDir(), runNetnsRecord)
	content, err := os.ReadFile(record)
	if err != nil {
		return nil
	}
	if entries, err := os.ReadDir(config.NetnsRunDir); err == nil && len(entries) > 0 {
		return nil // someone else's namespaces live there now
	}
	if isMountPoint(config.NetnsRunDir) {
		if err := unix.Unmount(config.NetnsRunDir, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %w", config.NetnsRunDir, err)
		}
	}
	if string(content) == "dir" {
		_ = os.Remove(config.NetnsRunDir) // only if still empty
	}
	return os.Remove(record)
}

func removeStateDir(dir string) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, StampFile)); err != nil {
		return fmt.Errorf("not removing %s: it has no %s stamp, so it is not a local cluster's state directory", dir, StampFile)
	}
	if err := os.RemoveAll(dir); err != nil {
		// Files written by root-owned processes with odd modes: fall back to rm.
		if out, rmErr := exec.Command("rm", "-rf", dir).CombinedOutput(); rmErr != nil {
			return fmt.Errorf("remove state directory %s: %w: %s", dir, err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// isMountPoint reports whether path is a mount point in this namespace.
func isMountPoint(path string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && unescapeMount(f[4]) == path {
			return true
		}
	}
	return false
}
