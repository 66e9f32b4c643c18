package cli

import (
	"context"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
)

// Main runs the program with args (without the program name) on the
// process's streams and returns its exit code (see ExitCode). displayName
// is "" for mimirctl and "kubectl mimir" for the kubectl plugin
// (cmd/kubectl-mimir); builtin holds the built-in plans.
//
// The first SIGINT or SIGTERM cancels the run, which saves its state and
// stops; a second one kills the process at once. Unless GOMEMLIMIT is set,
// the process runs with DefaultMemoryLimit.
func Main(displayName string, builtin fs.FS, args []string) int {
	setDefaultMemoryLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	streams := SystemStreams()
	f := NewFactory(streams, builtin)
	f.DisplayName = displayName
	err := Run(ctx, f, args)
	stop()
	PrintError(streams.ErrOut, err)
	return ExitCode(err)
}
