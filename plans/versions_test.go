package plans_test

import (
	"io/fs"
	"path"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// everyMimirRelease is the range that excludes no Mimir release (2.0.0 was
// Mimir's first): a plan that says it needs no version gate.
const everyMimirRelease = ">=2.0.0"

// TestEveryBuiltinPlansMimirVersionsIsEnforced: the range `plans list`
// shows for a built-in plan is the one its preflight checks before any
// step, so a plan never starts on a Mimir it says it does not support.
// (The loader refuses a version gate of another range; this test refuses a
// built-in plan that narrows the versions without a gate.)
func TestEveryBuiltinPlansMimirVersionsIsEnforced(t *testing.T) {
	metas, err := fs.Glob(plans.FS, "*/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range metas {
		name := path.Dir(m)
		p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), Unbound: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.MimirVersions == "" || p.MimirVersions == everyMimirRelease {
			continue
		}
		checked++
		enforced := false
		for _, g := range p.Preflight {
			if vg, ok := g.Spec.(plan.VersionGate); ok && vg.SupportedVersions() == p.MimirVersions {
				enforced = true
			}
		}
		if !enforced {
			t.Errorf("plan %s says it supports Mimir %s, but no preflight version gate checks it: add one (see microservices-to-read-write)", name, p.MimirVersions)
		}
	}
	if checked == 0 {
		t.Fatalf("no built-in plan of %d narrows its Mimir versions: the test checks nothing", len(metas))
	}
}
