package kvmigrate

import (
	"path/filepath"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// captured is where pages captured from Mimir 2.9.0 and 3.0.5 processes
// are kept (see its README.md).
var captured = filepath.Join("..", "mimirapi", "testdata")

// capturedPage is the route answering a captured page, e.g.
// "mimir-3.0.5/memberlist.json".
func capturedPage(name string) gatetest.Route {
	return gatetest.Route{File: filepath.Join(captured, name)}
}

var distributors = mimirapi.PodsSpec{Pods: podaccess.Selector{Labels: "name=distributor"}}

func intp(n int) *int { return &n }
