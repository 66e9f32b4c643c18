//go:build conformance

package conformance

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// BenchmarkRenderLargestGrafanaEnvironment renders the largest Grafana test
// environment of the newest Mimir version (the last entry of mimirVersions,
// which lists them oldest first) with pkg/tanka and with the real Tanka CLI,
// side by side in one run, on the same project directory laid out as
// TestGrafanaTestEnvironments lays it out.
//
// "Largest" is the test file whose test-*-generated.yaml (Grafana's own
// `tk show` output) holds the most objects, ties broken by the larger file
// and then by name; the setup determines it from the files, so a new module
// version picks its own largest environment without rendering all of them
// (render time would need every environment rendered first, minutes on a
// loaded machine, and ranks them by the machine's noise as much as by their
// size).
//
// Sub-benchmarks, one op being one render of that environment:
//   - pkg-tanka: tanka.Load in-process, as mimirctl renders;
//   - tk: `tk show --dangerous-allow-redirect <env>` of MIMIRCTL_TEST_TK,
//     the process start included, since that is how users call Tanka.
//
// Both report objects/op, the number of Kubernetes objects one render gives.
// Before timing, the setup renders the environment once with each and fails
// unless both give the same objects (compare); each timed render must then
// give that many objects again. Without MIMIRCTL_TEST_TK the benchmark is
// skipped, unless CI=true, where it fails. `make bench-conformance` runs it.
func BenchmarkRenderLargestGrafanaEnvironment(b *testing.B) {
	tk := os.Getenv("MIMIRCTL_TEST_TK")
	if tk == "" {
		if os.Getenv("CI") == "true" {
			b.Fatal("CI=true but MIMIRCTL_TEST_TK is not set: build tk with `e2e/local/tools/build.sh tk` and run `make bench-conformance`, which passes it")
		}
		b.Skip("MIMIRCTL_TEST_TK is not set: the benchmark compares pkg/tanka with the tk binary; build it with `e2e/local/tools/build.sh tk` and run `make bench-conformance`")
	}
	v := mimirVersions[len(mimirVersions)-1]
	operations := filepath.Join(moduleDir(b, "github.com/grafana/mimir@"+v.Module), "operations")
	name, all := largestTestEnvironment(b, operations)
	env := filepath.Join(project(b, kubernetesLibrary(b), operations, []string{name}, all), "environments", name)
	ctx := context.Background()

	// Once, outside the timed loops: both renderers give the same objects.
	res, err := tanka.Load(ctx, env, tanka.Options{})
	if err != nil {
		b.Fatalf("Mimir %s %s: pkg/tanka: %v", v.Name, name, err)
	}
	ours := map[string]map[string]any{}
	for _, o := range res.Objects {
		n := normalise(b, o.Object)
		ours[objectKey(n)] = n
	}
	out, err := runTkShow(tk, env)
	if err != nil {
		b.Fatalf("Mimir %s %s: %v", v.Name, name, err)
	}
	theirs := parseObjects(b, "tk show "+env, out)
	if diffs, _ := compare(ours, theirs); len(diffs) > 0 {
		b.Fatalf("Mimir %s %s: pkg/tanka and tk differ, not benchmarking: %s", v.Name, name, describe(diffs))
	}
	objects := len(res.Objects)
	if objects != len(ours) || countDocuments(out) != objects {
		b.Fatalf("Mimir %s %s: pkg/tanka rendered %d objects under %d distinct keys, tk printed %d documents", v.Name, name, objects, len(ours), countDocuments(out))
	}
	b.Logf("Mimir %s (github.com/grafana/mimir@%s) %s: %d objects, the same from pkg/tanka and %s", v.Name, v.Module, name, objects, tk)

	b.Run("pkg-tanka", func(b *testing.B) {
		for b.Loop() {
			res, err := tanka.Load(ctx, env, tanka.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Objects) != objects {
				b.Fatalf("rendered %d objects, %d before", len(res.Objects), objects)
			}
		}
		b.ReportMetric(float64(objects), "objects/op")
	})
	b.Run("tk", func(b *testing.B) {
		for b.Loop() {
			out, err := runTkShow(tk, env)
			if err != nil {
				b.Fatal(err)
			}
			if n := countDocuments(out); n != objects {
				b.Fatalf("tk show printed %d objects, %d before", n, objects)
			}
		}
		b.ReportMetric(float64(objects), "objects/op")
	})
}

// largestTestEnvironment returns the name of the test file under
// operations/mimir-tests whose generated YAML holds the most objects (ties:
// the larger file, then the first name), and the names of all test files.
func largestTestEnvironment(tb testing.TB, operations string) (largest string, all []string) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(operations, "mimir-tests", "test-*.jsonnet"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no operations/mimir-tests/test-*.jsonnet in %s (%v)", operations, err)
	}
	type candidate struct {
		name           string
		objects, bytes int
	}
	var cands []candidate
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonnet")
		all = append(all, name)
		raw, err := os.ReadFile(filepath.Join(operations, "mimir-tests", name+"-generated.yaml"))
		if err != nil {
			tb.Fatal(err)
		}
		cands = append(cands, candidate{name, len(parseObjects(tb, name+"-generated.yaml", raw)), len(raw)})
	}
	best := slices.MinFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.objects, a.objects), cmp.Compare(b.bytes, a.bytes), strings.Compare(a.name, b.name))
	})
	return best.name, all
}

// runTkShow runs `tk show --dangerous-allow-redirect envDir` and returns what
// it printed (YAML documents); an error carries tk's stderr.
func runTkShow(tk, envDir string) ([]byte, error) {
	cmd := exec.Command(tk, "show", "--dangerous-allow-redirect", envDir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tk show %s: %v: %s", envDir, err, stderr.String())
	}
	return out, nil
}

// countDocuments is the number of non-blank YAML documents in raw.
func countDocuments(raw []byte) int {
	n := 0
	for _, doc := range documentSeparator.Split(string(raw), -1) {
		if strings.TrimSpace(doc) != "" {
			n++
		}
	}
	return n
}
