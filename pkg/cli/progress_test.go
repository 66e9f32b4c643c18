package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// The -o json stream is read by log pipelines and people alike: a gate's
// PromQL and a version range appear as written, not HTML-escaped.
func TestJSONEventsKeepComparisonsAsWritten(t *testing.T) {
	var out bytes.Buffer
	msg := `sum(up{job="ingester"}) > 2 && version >=2.17.0 <3.0.0`
	newJSONEvents(&out).Emit(plan.Event{V: 1, Type: plan.EventGate, Message: msg})
	if !strings.Contains(out.String(), `> 2 && version >=2.17.0 <3.0.0`) {
		t.Errorf("event line escapes the message: %s", out.String())
	}
	var back plan.Event
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back.Message != msg {
		t.Errorf("event line does not read back: %v, %q", err, back.Message)
	}
}
