package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// lock serialises Up and Down of clusters sharing the state directory's
// parent (two test packages calling Up at once must not both start one). It
// takes an advisory lock on the parent directory itself, so nothing is left
// behind, and gives up when ctx ends.
func lock(ctx context.Context, stateDir string) (unlock func(), err error) {
	parent := filepath.Dir(stateDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	f, err := os.Open(parent)
	if err != nil {
		return nil, fmt.Errorf("open %s to lock it: %w", parent, err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", parent, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("wait for another localcluster up/down in %s: %w", parent, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
