package engine

import (
	"path/filepath"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// testProject is envchange's small Tanka project, whose environment the
// jsonnet steps of these tests change.
const testProject = "../envchange/testdata/project"

// testEnv copies the test Tanka project to a temporary directory and returns
// its environment's directory.
func testEnv(t testing.TB) string {
	t.Helper()
	return filepath.Join(testkit.CopyTree(t, testProject), "environments", "default")
}
