package plan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"time"
)

// Locker takes the one lock that lets a run act on a Mimir cluster.
type Locker interface {
	// Acquire takes the lock for holder, or returns *LockedError naming the
	// current holder. An expired lock is taken over.
	Acquire(ctx context.Context, holder string) (Lock, error)
	// Inspect returns the current holder, or nil when the lock is free.
	Inspect(ctx context.Context) (*LockInfo, error)
	// ForceUnlock frees a lock whose ID is id, whoever holds it. It is for
	// a lock left behind by a run that cannot release it.
	ForceUnlock(ctx context.Context, id string) error
	Describe() string
}

// Lock is a held lock.
type Lock interface {
	ID() string
	// Lost is closed when the lock could not be renewed and may be taken by
	// someone else: the run must stop acting.
	Lost() <-chan struct{}
	Release(ctx context.Context) error
}

// LockInfo describes a lock holder.
type LockInfo struct {
	ID       string    `json:"id"`
	Holder   string    `json:"holder"`
	Acquired time.Time `json:"acquired"`
	Renewed  time.Time `json:"renewed"`
	Expires  time.Time `json:"expires"`
}

// LockedError is returned when another run holds the lock.
type LockedError struct {
	Where string
	Info  LockInfo
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is held by %s since %s (lock ID %s, expires %s unless renewed); wait for that run to finish, or if it is gone for good run again with --force-unlock %s",
		e.Where, e.Info.Holder, e.Info.Acquired.UTC().Format(time.RFC3339), e.Info.ID, e.Info.Expires.UTC().Format(time.RFC3339), e.Info.ID)
}

// DefaultHolder names this process for lock and approval records:
// user@host (pid N).
func DefaultHolder() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s@%s (pid %d)", name, host, os.Getpid())
}

// newLockID returns a random ID of the lock being taken; the wall clock's
// nanoseconds only stand in when the system has no randomness (an ID, not
// a time of the run).
func newLockID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b)
}
