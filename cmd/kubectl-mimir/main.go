// Command kubectl-mimir is mimirctl as a kubectl plugin: installed on the
// PATH (by hand or with krew, deploy/krew/mimir.yaml), `kubectl mimir plan
// ...` runs it with the arguments after "mimir". kubectl passes no flags of
// its own to a plugin; the plugin reads --kubeconfig, --context, --cluster,
// --user, -n/--namespace and $KUBECONFIG with client-go's loading rules,
// exactly as kubectl does. See "kubectl plugin" in README.md.
//
// Shell completion: kubectl (1.26 and later) completes a plugin's arguments
// by running kubectl_complete-<plugin> from the PATH with the words typed so
// far. Linked (or copied) under that name, this binary answers as the
// hidden __complete command, so `kubectl mimir plan <TAB>` offers the
// built-in plans.
package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/cli"
	"github.com/mimirctl/mimirctl/plans"
)

// completionHelper is the name kubectl runs for the plugin's completions.
const completionHelper = "kubectl_complete-mimir"

func main() {
	args := os.Args[1:]
	if strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") == completionHelper {
		args = append([]string{cobra.ShellCompRequestCmd}, args...)
	}
	os.Exit(cli.Main("kubectl mimir", plans.FS, args))
}
