package plan

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests run on every platform the release builds (flock on Unix,
// LockFileEx on Windows).

func TestFileLockerRecordIsReadableWhileHeld(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	l := NewFileLocker(state)
	held, err := l.Acquire(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	// Another handle reads the record while the lock is held: Windows
	// locks are mandatory, so the locked range must not cover it.
	b, err := os.ReadFile(state + ".lock")
	if err != nil {
		t.Fatalf("read the lock file while held: %v", err)
	}
	var info LockInfo
	if err := json.Unmarshal(b, &info); err != nil || info.Holder != "alice" || info.ID != held.ID() {
		t.Fatalf("record = %q (%v), want alice with ID %s", b, err, held.ID())
	}
	if err := l.ForceUnlock(context.Background(), held.ID()); err == nil || !strings.Contains(err.Error(), "alice") {
		t.Errorf("force-unlock of a live holder: %v", err)
	}
	if err := held.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if info, err := l.Inspect(context.Background()); err != nil || info != nil {
		t.Errorf("inspect after release = %+v, %v; want free", info, err)
	}
	if b, err := os.ReadFile(state + ".lock"); err != nil || len(b) != 0 {
		t.Errorf("lock file after release = %q, %v; want empty", b, err)
	}
}

func TestFileLockerIsFreeWhenNeverTaken(t *testing.T) {
	l := NewFileLocker(filepath.Join(t.TempDir(), "state.json"))
	if info, err := l.Inspect(context.Background()); err != nil || info != nil {
		t.Errorf("inspect = %+v, %v; want free", info, err)
	}
	if err := l.ForceUnlock(context.Background(), "any"); err != nil {
		t.Errorf("force-unlock of a free lock: %v", err)
	}
}

// lockHolderEnv names the state file a child test process locks in
// TestFileLockHolderProcess.
const lockHolderEnv = "MIMIRCTL_TEST_LOCK_HOLDER_STATE"

// TestFileLockHolderProcess is the child of
// TestFileLockerIsFreedWhenItsProcessDies: it holds the lock, says "held"
// and waits to be killed. It does nothing in a normal run.
func TestFileLockHolderProcess(t *testing.T) {
	state := os.Getenv(lockHolderEnv)
	if state == "" {
		t.Skip("the child process of TestFileLockerIsFreedWhenItsProcessDies")
	}
	if _, err := NewFileLocker(state).Acquire(context.Background(), "child process"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdout.WriteString("held\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute)
	t.Fatal("not killed within a minute")
}

func TestFileLockerIsFreedWhenItsProcessDies(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	child := exec.Command(os.Args[0], "-test.run=^TestFileLockHolderProcess$", "-test.count=1") //nolint:gosec // the test binary itself
	child.Env = append(os.Environ(), lockHolderEnv+"="+state)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("child process: %q, %v", line, err)
	}

	l := NewFileLocker(state)
	_, err = l.Acquire(context.Background(), "parent")
	var le *LockedError
	if !errors.As(err, &le) || le.Info.Holder != "child process" {
		t.Fatalf("acquire while the child holds the lock: %v", err)
	}
	if info, err := l.Inspect(context.Background()); err != nil || info == nil || info.Holder != "child process" {
		t.Errorf("inspect while the child holds the lock = %+v, %v", info, err)
	}

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	// The operating system releases a dead process's lock; Windows may take
	// a moment after the process has exited.
	var held Lock
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if held, err = l.Acquire(context.Background(), "parent"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("acquire after the holder died: %v", err)
	}
	if err := held.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
}
