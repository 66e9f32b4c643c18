// Command mimirctl carries Grafana Mimir clusters on Kubernetes through long
// operational procedures. See README.md.
package main

import (
	"os"

	"github.com/mimirctl/mimirctl/pkg/cli"
	"github.com/mimirctl/mimirctl/plans"
)

func main() {
	os.Exit(cli.Main("", plans.FS, os.Args[1:]))
}
