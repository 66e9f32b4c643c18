package containerinit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// oldRoot is where the host root stays reachable until setup is done.
const oldRoot = "/.mctl-oldroot"

// Run sets the container up and executes its program; it returns only on
// failure. The calling process must be alone in fresh mount and UTS
// namespaces (the agent clones it so).
func Run(s *Spec) error {
	// Namespace membership and exec are per thread: stay on this one.
	runtime.LockOSThread()
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if s.Netns != "" {
		if err := joinNetns(s.Netns); err != nil {
			return err
		}
	}
	if err := mountRoot(s); err != nil {
		return err
	}
	if err := pivot(s.RootDir); err != nil {
		return err
	}
	if err := mountSystem(s.Netns != ""); err != nil {
		return err
	}
	if err := populate(s); err != nil {
		return err
	}
	if err := unix.Unmount(oldRoot, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach host root: %w", err)
	}
	_ = os.Remove(oldRoot)
	if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
		return fmt.Errorf("set hostname %q: %w", s.Hostname, err)
	}
	return execute(s)
}

func joinNetns(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open network namespace %s (was the pod sandbox removed?): %w", path, err)
	}
	defer func() { _ = f.Close() }()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("join network namespace %s: %w", path, err)
	}
	return nil
}

// mountRoot mounts the writable tmpfs and the overlay of the host root.
func mountRoot(s *Spec) error {
	size := "size=" + s.TmpfsSize
	if err := unix.Mount("tmpfs", s.ScratchDir, "tmpfs", 0, size); err != nil {
		return fmt.Errorf("mount writable layer on %s: %w", s.ScratchDir, err)
	}
	upper, work := filepath.Join(s.ScratchDir, "upper"), filepath.Join(s.ScratchDir, "work")
	for _, d := range []string{upper, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	opts := fmt.Sprintf("lowerdir=/,upperdir=%s,workdir=%s", upper, work)
	if err := unix.Mount("overlay", s.RootDir, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount container root on %s: %w", s.RootDir, err)
	}
	return nil
}

func pivot(root string) error {
	put := filepath.Join(root, oldRoot)
	if err := os.MkdirAll(put, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", put, err)
	}
	if err := unix.PivotRoot(root, put); err != nil {
		return fmt.Errorf("pivot into container root %s: %w", root, err)
	}
	return os.Chdir("/")
}

// mountSystem provides /proc, /sys (the pod's own network devices) and /dev.
func mountSystem(ownNetns bool) error {
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	if ownNetns {
		if err := unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("mount /sys: %w", err)
		}
	} else if err := bind(oldRoot+"/sys", "/sys", true); err != nil {
		return err
	}
	return bind(oldRoot+"/dev", "/dev", false)
}

// populate creates image directories, binds volumes and writes files.
func populate(s *Spec) error {
	for _, d := range s.Dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create image directory %s: %w", d, err)
		}
	}
	for _, b := range s.Binds {
		if err := bind(filepath.Join(oldRoot, b.Source), b.Target, b.ReadOnly); err != nil {
			return err
		}
	}
	for path, content := range s.Files {
		_ = os.Remove(path) // may be a symlink into the host's /run
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create directory for %s: %w", path, err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// bind mounts source at target (created as a directory or an empty file to
// match source), read-only when asked.
func bind(source, target string, readOnly bool) error {
	fi, err := os.Stat(source)
	if err != nil {
		return fmt.Errorf("volume source %s: %w", strings.TrimPrefix(source, oldRoot), err)
	}
	if fi.IsDir() {
		err = os.MkdirAll(target, 0o755)
	} else if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
		var f *os.File
		if f, err = os.OpenFile(target, os.O_CREATE|os.O_RDONLY, 0o644); err == nil {
			_ = f.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("create mount point %s: %w", target, err)
	}
	if err := unix.Mount(source, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %w", strings.TrimPrefix(source, oldRoot), target, err)
	}
	if readOnly {
		flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
		if err := unix.Mount("", target, "", flags, ""); err != nil {
			return fmt.Errorf("make %s read-only: %w", target, err)
		}
	}
	return nil
}

func execute(s *Spec) error {
	dir := s.WorkingDir
	if dir == "" {
		dir = "/"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create working directory %s: %w", dir, err)
	}
	if err := os.Chdir(dir); err != nil {
		return fmt.Errorf("enter working directory %s: %w", dir, err)
	}
	path, err := lookPath(s.Path, s.Env)
	if err != nil {
		return err
	}
	err = syscall.Exec(path, s.Argv, s.Env)
	return fmt.Errorf("execute %s: %w", path, err)
}

// lookPath finds file in the container's PATH (or a default one).
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("executable %q not found in PATH %s: %w", file, path, exec.ErrNotFound)
}
