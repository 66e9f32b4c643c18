// Package localmimir runs a small real Grafana Mimir cluster on loopback for
// integration tests and for capturing test payloads: Mimir processes with
// free ports, one working directory each, memberlist on 127.0.0.1 with unique
// node names and every ring registering an explicit instance id, address and
// zone; plus the etcd and Prometheus such a cluster needs.
//
// Mimir and etcd binaries come from e2e/local/bin (built by
// e2e/local/tools/build.sh); Prometheus is Debian's /usr/bin/prometheus.
package localmimir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Major selects the Mimir build: 2 (2.9.0) or 3 (3.0.5).
type Major int

// Binary returns the path of the Mimir binary for major, failing the test
// with the command to build it when it is missing. MIMIRCTL_BIN_DIR
// overrides the directory.
func Binary(t testing.TB, major Major) string {
	t.Helper()
	dir := os.Getenv("MIMIRCTL_BIN_DIR")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("find the mimirctl repository root: %v", err)
		}
		dir = filepath.Join(root, "e2e", "local", "bin")
	}
	p := filepath.Join(dir, fmt.Sprintf("mimir%d", major))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Mimir %d.x binary %s is missing: build it with `e2e/local/tools/build.sh mimir%d` (about 2-4 minutes cold)", major, p, major)
	}
	return p
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/mimirctl/mimirctl\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of github.com/mimirctl/mimirctl above the working directory")
		}
		dir = parent
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port on 127.0.0.1: %v", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is one running Mimir.
type Process struct {
	Name           string
	HTTPPort       int
	GRPCPort       int
	MemberlistPort int
	Dir            string
	cmd            *exec.Cmd
	done           chan struct{}
	logPath        string
}

// HTTPAddr is host:port of the HTTP server.
func (p *Process) HTTPAddr() string { return "127.0.0.1:" + strconv.Itoa(p.HTTPPort) }

// MemberlistAddr is host:port other processes join.
func (p *Process) MemberlistAddr() string { return "127.0.0.1:" + strconv.Itoa(p.MemberlistPort) }

// URL returns the address of path on the HTTP server.
func (p *Process) URL(path string) string { return "http://" + p.HTTPAddr() + path }

// Running reports whether the process has not exited.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM and waits for the exit (SIGKILL after timeout).
func (p *Process) Stop(timeout time.Duration) error {
	return p.signal(syscall.SIGTERM, timeout)
}

// Kill sends SIGKILL: the process leaves its ring entries behind.
func (p *Process) Kill() error { return p.signal(syscall.SIGKILL, 10*time.Second) }

func (p *Process) signal(sig syscall.Signal, timeout time.Duration) error {
	if !p.Running() {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s to %s: %w", sig, p.Name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %s of %s; killed", p.Name, timeout, sig)
	}
}

// poll calls check every 250ms until it reports done or ctx ends; the error
// carries check's last note.
func poll(ctx context.Context, check func() (done bool, note string)) error {
	for {
		done, note := check()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting (last: %s): %w", strings.TrimSpace(note), ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// LogTail returns the last n lines of the process log.
func (p *Process) LogTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func get(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b), err
}

// spawn starts bin in p.Dir with its output in p.Dir/<name>.log and stops it
// when the test ends.
func spawn(t testing.TB, p *Process, bin string, args []string) {
	t.Helper()
	p.done = make(chan struct{})
	p.logPath = filepath.Join(p.Dir, filepath.Base(bin)+".log")
	logf, err := os.Create(p.logPath)
	if err != nil {
		t.Fatalf("create log of %s: %v", p.Name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = p.Dir, logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		t.Fatalf("start %s (%s): %v", p.Name, bin, err)
	}
	p.cmd = cmd
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(p.done) }()
	t.Cleanup(func() {
		if err := p.Stop(30 * time.Second); err != nil {
			t.Logf("stop %s: %v", p.Name, err)
		}
		if t.Failed() {
			t.Logf("%s log tail:\n%s", p.Name, p.LogTail(20))
		}
	})
}
