package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// FileLocker locks a local state file through "<path>.lock": flock(2) on
// Unix (lock_file_unix.go), LockFileEx on Windows (lock_file_windows.go).
// The operating system releases the lock when the holding process dies, so
// a crashed run never leaves it behind; the file records who holds it, as
// the JSON of a LockInfo from byte 0, which stays readable by other
// processes while the lock is held on every platform.
type FileLocker struct {
	path string
	// Now is the clock of the holder's record in the lock file (time.Now
	// when nil): the wall clock, for the people reading it.
	Now func() time.Time
}

var _ Locker = (*FileLocker)(nil)

// NewFileLocker returns a locker for the state file at statePath.
func NewFileLocker(statePath string) *FileLocker {
	return &FileLocker{path: statePath + ".lock", Now: time.Now}
}

// Describe names the lock file.
func (l *FileLocker) Describe() string { return "lock file " + l.path }

// errLockHeld is what tryLockFile returns when another open file (another
// process, or another handle in this one) holds the lock.
var errLockHeld = errors.New("held by another open file")

// Acquire takes the file lock and records the holder.
func (l *FileLocker) Acquire(_ context.Context, holder string) (Lock, error) {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", l.Describe(), err)
	}
	if err := tryLockFile(f, true); err != nil {
		f.Close() //nolint:errcheck,gosec // nothing was written
		if errors.Is(err, errLockHeld) {
			info, _ := l.read()
			if info == nil {
				info = &LockInfo{Holder: "another process"}
			}
			return nil, &LockedError{Where: l.Describe(), Info: *info}
		}
		return nil, fmt.Errorf("lock %s: %w", l.Describe(), err)
	}
	now := l.Now()
	info := LockInfo{ID: newLockID(), Holder: holder, Acquired: now, Renewed: now, Expires: now.Add(100 * 365 * 24 * time.Hour)}
	b, _ := json.Marshal(info)
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(b, 0)
		if err != nil {
			f.Close() //nolint:errcheck,gosec // the write error is the one to report
			return nil, fmt.Errorf("record holder in %s: %w", l.Describe(), err)
		}
	}
	return &fileLock{f: f, id: info.ID, lost: make(chan struct{})}, nil
}

func (l *FileLocker) read() (*LockInfo, error) {
	b, err := os.ReadFile(l.path)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	var info LockInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Inspect reports the holder if the file lock is held.
func (l *FileLocker) Inspect(_ context.Context) (*LockInfo, error) {
	f, err := os.Open(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read-only
	if err := tryLockFile(f, false); err == nil {
		_ = unlockFile(f)
		return nil, nil
	}
	return l.read()
}

// ForceUnlock cannot break a file lock held by a live process; it says so.
func (l *FileLocker) ForceUnlock(ctx context.Context, id string) error {
	info, err := l.Inspect(ctx)
	if err != nil || info == nil {
		return err
	}
	return fmt.Errorf("%s is held by a live process (%s, lock ID %s); a file lock disappears when its process exits: stop that process instead", l.Describe(), info.Holder, info.ID)
}

type fileLock struct {
	f    *os.File
	id   string
	lost chan struct{}
}

func (h *fileLock) ID() string            { return h.id }
func (h *fileLock) Lost() <-chan struct{} { return h.lost }

func (h *fileLock) Release(_ context.Context) error {
	_ = h.f.Truncate(0)
	if err := unlockFile(h.f); err != nil {
		h.f.Close() //nolint:errcheck,gosec // the unlock error is the one to report
		return err
	}
	return h.f.Close()
}
