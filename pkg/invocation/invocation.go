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
	"io"
	"regexp"
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

var commands atomic.Pointer[regexp.Regexp]

// SetCommands names the program's subcommands (pkg/cli gives its command
// tree's): Spell rewrites "mimirctl NAME" for these names only, so prose
// such as "what mimirctl applied" stays as written.
func SetCommands(names []string) {
	if len(names) == 0 {
		commands.Store(nil)
		return
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	commands.Store(regexp.MustCompile(`\b` + Default + ` (` + strings.Join(quoted, "|") + `)\b`))
}

// Spell returns text with every command it names as "mimirctl NAME" (NAME
// one of SetCommands) spelled as the user types it, e.g. "kubectl mimir
// approve STEP" under the kubectl plugin. Texts that are not code, such as
// plan files' notes and instructions, write commands as "mimirctl ..."
// and are spelled when shown; text is returned unchanged under Default.
func Spell(text string) string {
	re := commands.Load()
	if re == nil || Name() == Default {
		return text
	}
	return re.ReplaceAllString(text, Name()+" $1")
}

// SpellingWriter returns a writer that writes what it is given to w
// through Spell, for output meant for people. Each Write is spelled on its
// own, so a command split over two writes stays as written. Under Default
// it returns w.
func SpellingWriter(w io.Writer) io.Writer {
	if Name() == Default {
		return w
	}
	return spellingWriter{w}
}

type spellingWriter struct{ w io.Writer }

func (s spellingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, Spell(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
