package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// TestCase11PlanShowsWhatADoneCheckFound is the `plan` half of shared case
// 11 (11-mimir-write-capacity): a writeCapacity check that passes is done,
// and its per-zone arithmetic must still be shown next to the step's
// pending actions.
func TestCase11PlanShowsWhatADoneCheckFound(t *testing.T) {
	detail := "zone-a: ceil(mimirWriteReplicas 9 / 3 zones) = 3; 3 ingesters now; 7.1M series in the zone (3 pods) → 2.4M per mimir-write pod"
	var out bytes.Buffer
	renderActionPreview(&out, plan.ActionPreview{Label: "check", Kind: "writeCapacity", Status: plan.PreviewDone, Detail: detail}, progress.Style(false))
	if !strings.Contains(out.String(), "= writeCapacity: check\n        "+detail+"\n") {
		t.Errorf("got:\n%s", out.String())
	}
}
