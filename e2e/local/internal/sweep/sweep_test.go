package sweep

import (
	"os"
	"strings"
	"testing"
)

func TestHasVar(t *testing.T) {
	env := []byte("PATH=/bin\x00MCTL_LOCALCLUSTER=/tmp/mctl-localcluster\x00HOME=/root\x00")
	if !hasVar(env, []byte("MCTL_LOCALCLUSTER=/tmp/mctl-localcluster")) {
		t.Error("marker not found")
	}
	if hasVar(env, []byte("MCTL_LOCALCLUSTER=/tmp/mctl")) {
		t.Error("a prefix of the marker matched: another cluster's processes would be killed")
	}
}

func TestUnescapeMount(t *testing.T) {
	if got := unescapeMount(`/tmp/with\040space`); got != "/tmp/with space" {
		t.Errorf("got %q", got)
	}
}

func TestRemoveStateDirNeedsStamp(t *testing.T) {
	dir := t.TempDir()
	if err := removeStateDir(dir); err == nil || !strings.Contains(err.Error(), StampFile) {
		t.Errorf("unstamped directory: err = %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal("unstamped directory was removed")
	}
	_ = os.WriteFile(dir+"/"+StampFile, nil, 0o644)
	if err := removeStateDir(dir); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("stamped directory still there")
	}
}

func TestLeftoversString(t *testing.T) {
	l := Leftovers{Processes: []int{12, 34}, Netns: []string{"mctl-a"}}
	if got := l.String(); got != "processes 12,34; netns mctl-a" || l.Empty() {
		t.Errorf("got %q", got)
	}
	if (Leftovers{}).String() != "nothing" || !(Leftovers{}).Empty() {
		t.Error("empty leftovers")
	}
}
