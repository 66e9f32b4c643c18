//go:build !windows

package plan

import (
	"errors"
	"os"
	"syscall"
)

// tryLockFile takes flock(2) on f without waiting: exclusive for a run,
// shared for a look. flock locks the open file description, so another
// open of the same file in this process is refused too. It returns
// errLockHeld when the lock is held (EWOULDBLOCK), other errors as flock
// gives them.
func tryLockFile(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLockHeld
	}
	return err
}

// unlockFile releases the flock taken by tryLockFile.
func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
