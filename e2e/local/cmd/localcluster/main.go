// Command localcluster runs the local Kubernetes test cluster (see package
// e2e/local/cluster):
//
//	localcluster up       start it in the background, return when ready
//	localcluster down     stop it and remove everything it created
//	localcluster status   show whether its components answer
//	localcluster env      print shell exports (KUBECONFIG, PROMETHEUS_URL, ...)
//	localcluster logs NAMESPACE/POD [CONTAINER]   print a container's log
//
// The hidden commands "supervise" and "container-init" are the cluster's own
// supervisor process and the start of every container.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mimirctl/mimirctl/e2e/local/internal/containerinit"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "container-init" {
		containerinit.Main(os.Args[2]) // never returns
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	var u usageError
	switch {
	case err == nil:
		os.Exit(exitOK)
	case errors.As(err, &u):
		fmt.Fprintf(os.Stderr, "localcluster: %v\n\n%s", err, usage)
		os.Exit(exitUsage)
	default:
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
		os.Exit(exitError)
	}
}
