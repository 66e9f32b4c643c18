// Command mimirctl carries Grafana Mimir clusters on Kubernetes through long
// operational procedures. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mimirctl/mimirctl/pkg/cli"
	"github.com/mimirctl/mimirctl/plans"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the run saves its state and stops; a second
		// one kills the process at once.
		<-ctx.Done()
		stop()
	}()
	streams := cli.SystemStreams()
	err := cli.Run(ctx, cli.NewFactory(streams, plans.FS), os.Args[1:])
	stop()
	cli.PrintError(streams.ErrOut, err)
	os.Exit(cli.ExitCode(err))
}
