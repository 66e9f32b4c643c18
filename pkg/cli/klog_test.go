package cli

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/klog/v2"
)

// client-go logs through klog ("E1204 ... memcache.go:265] couldn't get
// current server API group list"); those lines repeat errors mimirctl
// reports itself, so they reach stderr only with -v.
func TestClientGoLogsOnlyWithVerbose(t *testing.T) {
	var buf bytes.Buffer
	klog.LogToStderr(false)
	klog.SetOutput(&buf)
	t.Cleanup(func() {
		klog.ClearLogger()
		klog.SetOutput(nil)
		klog.LogToStderr(true)
	})
	quietClientGo(0)
	klog.Error("couldn't get current server API group list (quiet)")
	klog.Flush()
	if buf.Len() > 0 {
		t.Errorf("without -v klog wrote:\n%s", buf.String())
	}
	quietClientGo(1)
	klog.Error("couldn't get current server API group list (verbose)")
	klog.Flush()
	if !strings.Contains(buf.String(), "(verbose)") {
		t.Errorf("with -v klog wrote %q", buf.String())
	}
}
