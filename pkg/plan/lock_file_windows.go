//go:build windows

package plan

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// The byte range of the lock file that LockFileEx locks: one byte at
// offset 2^63-2, far past the holder record written from byte 0. Windows
// locks are mandatory: a locked range cannot be read or written through any
// other handle, even one of the same process, so locking the record itself
// would hide the holder from the run that is refused and from Inspect.
// Locking a range beyond the end of the file is allowed ("Locking a region
// that goes beyond the current end-of-file position is not an error",
// Microsoft's LockFileEx documentation); it only serves as the token.
const (
	lockRangeOffsetLow  = 0xFFFFFFFE
	lockRangeOffsetHigh = 0x7FFFFFFF
	lockRangeBytes      = 1
)

func lockRange() *windows.Overlapped {
	return &windows.Overlapped{Offset: lockRangeOffsetLow, OffsetHigh: lockRangeOffsetHigh}
}

// tryLockFile takes LockFileEx on f's lock range without waiting
// (LOCKFILE_FAIL_IMMEDIATELY): exclusive for a run, shared for a look.
// Windows locks belong to the handle, so another handle of the same file in
// this process is refused too, as with flock on Unix. It returns
// errLockHeld when the range is locked (ERROR_LOCK_VIOLATION), other errors
// as LockFileEx gives them.
func tryLockFile(f *os.File, exclusive bool) error {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, lockRangeBytes, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLockHeld
	}
	return err
}

// unlockFile releases the range locked by tryLockFile.
func unlockFile(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, lockRangeBytes, 0, lockRange())
}
