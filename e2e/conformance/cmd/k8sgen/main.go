// Command k8sgen writes the Kubernetes API jsonnet library that the
// conformance harness vendors as k8s-libsonnet (see package k8sgen).
//
//	go run ./e2e/conformance/cmd/k8sgen -swagger .../api/openapi-spec/swagger.json > main.libsonnet
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mimirctl/mimirctl/e2e/conformance/k8sgen"
)

func main() {
	swagger := flag.String("swagger", "", "path of the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of k8s.io/kubernetes)")
	groups := flag.String("groups", strings.Join(k8sgen.DefaultGroups, ","), "comma-separated API groups to generate")
	flag.Parse()
	out, err := k8sgen.Generate(*swagger, strings.Split(*groups, ","))
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8sgen:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}
