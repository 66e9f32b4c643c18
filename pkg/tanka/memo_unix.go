//go:build unix

package tanka

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ownedBySelf refuses a file another user owns.
func ownedBySelf(fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("render memo directory is owned by uid %d, not by this user (%d)", st.Uid, os.Geteuid())
	}
	return nil
}
