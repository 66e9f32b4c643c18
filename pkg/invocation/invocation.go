// Package invocation knows how the user runs this program, so that hints
// in errors and messages name the commands they can type: "mimirctl
// resume" for the mimirctl binary, "kubectl mimir resume" for the kubectl
// plugin (cmd/kubectl-mimir), which kubectl runs for `kubectl mimir ...`
// (Kubernetes' "Extend kubectl with plugins": a plugin named kubectl-mimir
// is invoked as `kubectl mimir`).
//
// The name is the process's: pkg/cli sets it once when it builds the
// command tree (from Factory.DisplayName); a program that uses the
// library packages without pkg/cli keeps "mimirctl".
package invocation

import (
	"strings"
	"sync/atomic"
)

// Default is the name of the mimirctl binary.
const Default = "mimirctl"

var name atomic.Pointer[string]

// SetName makes the command that hints name n, e.g. "kubectl mimir"; ""
// restores Default.
func SetName(n string) {
	if n == "" {
		n = Default
	}
	name.Store(&n)
}

// Name is the command as the user types it: Default unless SetName chose
// another.
func Name() string {
	if n := name.Load(); n != nil {
		return *n
	}
	return Default
}

// Command is the command line that runs args, e.g. Command("approve",
// "step-1") = "mimirctl approve step-1", or "kubectl mimir approve step-1"
// under the kubectl plugin.
func Command(args ...string) string {
	return strings.Join(append([]string{Name()}, args...), " ")
}

// NewError returns an error whose message is made by message each time it
// is read, so that the commands it names follow SetName. It is for the
// sentinel errors that callers compare with errors.Is, which are made
// before the program knows its name.
func NewError(message func() string) error {
	return &lazyError{message: message}
}

type lazyError struct{ message func() string }

func (e *lazyError) Error() string { return e.message() }
