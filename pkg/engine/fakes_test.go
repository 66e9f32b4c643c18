package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeProgress records reports; the actions these tests apply use nothing
// else.
type fakeProgress struct{ reports []string }

func (*fakeProgress) Get(string) (string, bool)                 { return "", false }
func (*fakeProgress) Set(context.Context, string, string) error { return nil }
func (*fakeProgress) Now() time.Time                            { return time.Now() }
func (*fakeProgress) WaitUntil(context.Context, string, time.Duration, string) error {
	return nil
}
func (*fakeProgress) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
func (p *fakeProgress) Report(msg string)                              { p.reports = append(p.reports, msg) }

// testProject is envchange's small Tanka project, whose environment the
// jsonnet steps of these tests change.
const testProject = "../envchange/testdata/project"

// testEnv copies the test Tanka project to a temporary directory and returns
// its environment's directory.
func testEnv(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(testProject, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(testProject, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "environments", "default")
}
