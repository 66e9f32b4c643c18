package podlogs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	l := config.Layout{Root: t.TempDir()}
	write(t, l.ContainerLog("mimir", "ingester-0", "old-uid", "ingester", 0), "old pod\n")
	time.Sleep(10 * time.Millisecond)
	write(t, l.ContainerLog("mimir", "ingester-0", "new-uid", "ingester", 0), "run 0\n")
	write(t, l.ContainerLog("mimir", "ingester-0", "new-uid", "ingester", 1), "run 1\n")
	write(t, l.ContainerLog("mimir", "ingester-0", "new-uid", "ingester", 10), "run 10\n")
	write(t, l.ContainerLog("mimir", "ingester-0-extra", "x", "ingester", 0), "another pod\n")

	read := func(path string) string { b, _ := os.ReadFile(path); return string(b) }
	t.Run("the latest run of the newest pod of that name", func(t *testing.T) {
		p, err := Find(l, "mimir", "ingester-0", "", false)
		if err != nil || read(p) != "run 10\n" {
			t.Errorf("got %q (%s), %v", read(p), p, err)
		}
	})
	t.Run("previous is the run before", func(t *testing.T) {
		p, err := Find(l, "mimir", "ingester-0", "ingester", true)
		if err != nil || read(p) != "run 1\n" {
			t.Errorf("got %q, %v", read(p), err)
		}
	})
	t.Run("an unknown pod says where it looked", func(t *testing.T) {
		if _, err := Find(l, "mimir", "nope", "", false); err == nil || !strings.Contains(err.Error(), l.PodLogsRoot()) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	write(t, path, "a\nb\nc\n")
	var b bytes.Buffer
	if err := Tail(&b, path, 2); err != nil || b.String() != "b\nc\n" {
		t.Errorf("Tail 2 = %q, %v", b.String(), err)
	}
}
