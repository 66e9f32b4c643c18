package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// FlagError is a usage mistake: the command line itself is wrong.
type FlagError struct{ msg string }

func (e *FlagError) Error() string { return e.msg }

func flagError(format string, args ...any) error {
	return &FlagError{msg: fmt.Sprintf(format, args...)}
}

// PrintError writes err for the operator on w (stderr), unless it is why a
// run stopped and the run's progress on stderr already said so
// (plan.ReportedError): every run prints its events there.
func PrintError(w io.Writer, err error) {
	var reported *plan.ReportedError
	if err == nil || errors.As(err, &reported) {
		return
	}
	fmt.Fprintf(w, "%s: %s\n", invocation.Name(), invocation.Spell(err.Error()))
}
