package cli

import "fmt"

// FlagError is a usage mistake: the command line itself is wrong.
type FlagError struct{ msg string }

func (e *FlagError) Error() string { return e.msg }

func flagError(format string, args ...any) error {
	return &FlagError{msg: fmt.Sprintf(format, args...)}
}
