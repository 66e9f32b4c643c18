//go:build conformance

package conformance

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
)

// reviewHelpMasked are the lines docs/internal/multizone-migration-review-help/
// generate-files.sh deletes from every rendered file before it diffs two
// steps (config checksums, chart and version labels, Mimir images).
var reviewHelpMasked = regexp.MustCompile(`^\s+(checksum/config|(helm\.sh/)?chart|app\.kubernetes\.io/version|image: "grafana/(mimir|enterprise-metrics)):`)

// TestMultizoneMigrationReviewHelp renders the steps of the Helm guide
// "Migrate from single zone to zone-aware replication" the way Grafana's
// docs/internal/multizone-migration-review-help/generate-files.sh does
// (`helm template krajo CHART -f base.yaml -f <component>-step<i>.yaml`,
// <N> replaced by 3, the masked lines deleted), with pkg/helmenv, from the
// chart and the guide's values of each module, and compares what changes
// from one step to the next with the committed diffs
// (diff-step<i-1>-step<i>.patch): the same templates change, and in each,
// the same lines go and come. The subcharts (rollout_operator) are
// stand-ins here, so the patches' "Only in .../charts" lines are not
// compared.
//
// The committed diffs were generated once, from the chart of their time;
// where a chart has changed the lines since, the difference is listed in
// reviewHelpDrift with its reason and must still be there, so that a
// change of pkg/helmenv or of the chart that moves anything else fails.
func TestMultizoneMigrationReviewHelp(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			mod, _, chartDir := grafanaChart(t, v)
			dir := filepath.Join(mod, "docs", "internal", "multizone-migration-review-help")
			for _, component := range []string{"alertmanager", "ingester", "storegateway"} {
				prev := renderReviewStep(t, chartDir, dir, component, 0)
				for i := 1; ; i++ {
					if _, err := os.Stat(filepath.Join(dir, component, fmt.Sprintf("%s-step%d.yaml", component, i))); err != nil {
						if i == 1 {
							t.Fatalf("%s: no step values: %v", component, err)
						}
						break
					}
					cur := renderReviewStep(t, chartDir, dir, component, i)
					patch, err := os.ReadFile(filepath.Join(dir, component, fmt.Sprintf("diff-step%d-step%d.patch", i-1, i)))
					if err != nil {
						t.Fatal(err)
					}
					want := parseContextDiff(t, string(patch))
					got := changedLines(prev, cur)
					step := fmt.Sprintf("%s %s step%d", v.Name, component, i)
					for _, d := range compareChanges(got, want, func(file string) bool {
						key := step + " " + file
						driftMu.Lock()
						defer driftMu.Unlock()
						if _, ok := reviewHelpDrift[key]; ok {
							seenDrift[key] = true
							return true
						}
						return false
					}) {
						t.Errorf("%s: %s", step, d)
					}
					prev = cur
				}
			}
		})
	}
	t.Cleanup(func() {
		for k, why := range reviewHelpDrift {
			if !seenDrift[k] {
				t.Errorf("reviewHelpDrift lists %q (%s), which no longer differs: remove it", k, why)
			}
		}
	})
}

// seenDrift records the reviewHelpDrift entries met.
var (
	driftMu   sync.Mutex
	seenDrift = map[string]bool{}
)

// reviewHelpDrift are the templates ("<chart> <component> step<i>
// <template>") whose whole objects a step adds or removes, where the
// committed diffs (generated once, from the chart of 2022) show the
// objects as that chart rendered them and the module's chart has changed
// them since; for these, only the objects' names are compared (the same
// objects come and go), with the reason. An entry no longer needed fails
// the test.
var reviewHelpDrift = func() map[string]string {
	out := map[string]string{}
	statefulSets := map[string][]string{
		"alertmanager": {"1 alertmanager/alertmanager-statefulset.yaml", "3 alertmanager/alertmanager-statefulset.yaml"},
		"ingester":     {"1 ingester/ingester-statefulset.yaml", "7 ingester/ingester-statefulset.yaml"},
		"storegateway": {"1 store-gateway/store-gateway-statefulset.yaml", "3 store-gateway/store-gateway-statefulset.yaml"},
	}
	for _, chart := range []string{"2.9", "2.x-2025-05", "3.x"} {
		for component, entries := range statefulSets {
			for _, e := range entries {
				step, file, _ := strings.Cut(e, " ")
				out[fmt.Sprintf("%s %s step%s mimir-distributed/templates/%s", chart, component, step, file)] =
					"the zone StatefulSets added (or the single one removed) are rendered whole; the chart's pod templates have since gained the restricted securityContext, the active-queries volume and other defaults"
				if chart == "2.9" {
					continue
				}
				svc := strings.Replace(file, "-statefulset.yaml", "-svc.yaml", 1)
				out[fmt.Sprintf("%s %s step%s mimir-distributed/templates/%s", chart, component, step, svc)] =
					"the zone Services added (or the single one removed) are rendered whole; the chart renders internalTrafficPolicy: Cluster since 2023"
			}
		}
	}
	return out
}()

// reviewHelpLine reports a rendered line that is compared: not masked,
// not blank, not a document separator or "# Source:" comment (which a
// template rendering several objects repeats).
func reviewHelpLine(line string) bool {
	return strings.TrimSpace(line) != "" && line != "---" && !strings.HasPrefix(line, "# Source: ") && !reviewHelpMasked.MatchString(line)
}

// renderReviewStep renders step i of component (0: base.yaml alone) as
// generate-files.sh does, and returns each chart template's lines, masked.
func renderReviewStep(t *testing.T, chartDir, dir, component string, i int) map[string][]string {
	t.Helper()
	files := []string{filepath.Join(dir, "base.yaml")}
	if i > 0 {
		raw, err := os.ReadFile(filepath.Join(dir, component, fmt.Sprintf("%s-step%d.yaml", component, i)))
		if err != nil {
			t.Fatal(err)
		}
		step := filepath.Join(t.TempDir(), "step.yaml")
		if err := os.WriteFile(step, []byte(strings.ReplaceAll(string(raw), "<N>", "3")), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, step)
	}
	values, err := (&helmenv.Environment{Chart: chartDir, Release: "krajo", ValuesFiles: files}).Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	text, err := helmenv.Template(context.Background(), chartDir, helmenv.TemplateOptions{Release: "krajo", Values: values})
	if err != nil {
		t.Fatalf("%s step %d: %v", component, i, err)
	}
	out := map[string][]string{}
	source := ""
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, " \t\r\n")
		if s, ok := strings.CutPrefix(line, "# Source: "); ok {
			source = s
			continue
		}
		if !reviewHelpLine(line) || source == "" || !strings.HasPrefix(source, "mimir-distributed/templates/") {
			continue
		}
		out[source] = append(out[source], line)
	}
	return out
}

// fileChange is what changed in one template's output: the lines that
// went and those that came, sorted (a multiset).
type fileChange struct{ removed, added []string }

// changedLines compares two renders template by template.
func changedLines(prev, cur map[string][]string) map[string]fileChange {
	out := map[string]fileChange{}
	for _, f := range unionKeys(prev, cur) {
		removed, added := multisetDiff(prev[f], cur[f])
		if len(removed)+len(added) > 0 {
			out[f] = fileChange{removed, added}
		}
	}
	return out
}

func unionKeys(a, b map[string][]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// multisetDiff is a − b and b − a, each sorted.
func multisetDiff(a, b []string) (onlyA, onlyB []string) {
	count := map[string]int{}
	for _, l := range a {
		count[l]++
	}
	for _, l := range b {
		count[l]--
	}
	for l, n := range count {
		for ; n > 0; n-- {
			onlyA = append(onlyA, l)
		}
		for ; n < 0; n++ {
			onlyB = append(onlyB, l)
		}
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	return onlyA, onlyB
}

// parseContextDiff reads `diff -c -r` output: for each file, the lines its
// old sections mark removed or changed ("- ", "! ") and its new sections
// mark added or changed ("+ ", "! "), as the rendered lines.
func parseContextDiff(t *testing.T, patch string) map[string]fileChange {
	t.Helper()
	out := map[string]fileChange{}
	var file string
	newSide := false
	for line := range strings.Lines(patch) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "diff -c -r "):
			fields := strings.Fields(line)
			file = strings.SplitN(fields[len(fields)-1], "/", 2)[1]
			newSide = false
		case strings.HasPrefix(line, "Only in "), strings.HasPrefix(line, "***************"):
		case strings.HasPrefix(line, "*** "):
			newSide = false
		case strings.HasPrefix(line, "--- "):
			newSide = true
		case file != "" && len(line) >= 2 && (line[0] == '-' || line[0] == '+' || line[0] == '!') && line[1] == ' ':
			c := out[file]
			text := strings.TrimRight(line[2:], " \t")
			if !reviewHelpLine(text) {
				continue
			}
			if newSide && line[0] != '-' {
				c.added = append(c.added, text)
			} else if !newSide && line[0] != '+' {
				c.removed = append(c.removed, text)
			}
			out[file] = c
		}
	}
	for f, c := range out {
		slices.Sort(c.removed)
		slices.Sort(c.added)
		out[f] = c
	}
	return out
}

// objectNames keeps the lines that name a document's object (its
// metadata.name, indented two spaces).
func objectNames(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "  name: ") {
			out = append(out, l)
		}
	}
	return out
}

// compareChanges lists how got differs from want, file by file; for the
// files namesOnly reports, only the object names of the lines that went
// and came are compared.
func compareChanges(got, want map[string]fileChange, namesOnly func(file string) bool) []string {
	var out []string
	files := map[string]bool{}
	for f := range got {
		files[f] = true
	}
	for f := range want {
		files[f] = true
	}
	for _, f := range slices.Sorted(maps.Keys(files)) {
		g, gok := got[f]
		w, wok := want[f]
		switch {
		case !wok:
			out = append(out, fmt.Sprintf("%s changes, the committed diff does not change it (-%q +%q)", f, g.removed, g.added))
		case !gok:
			out = append(out, fmt.Sprintf("%s does not change, the committed diff changes it (-%q +%q)", f, w.removed, w.added))
		case namesOnly(f):
			if len(objectNames(w.removed))+len(objectNames(w.added)) == 0 {
				out = append(out, fmt.Sprintf("%s: listed in reviewHelpDrift, but the committed diff neither adds nor removes a whole object there", f))
			}
			if r1, r2 := multisetDiff(objectNames(g.removed), objectNames(w.removed)); len(r1)+len(r2) > 0 {
				out = append(out, fmt.Sprintf("%s: removes objects %q, the committed diff %q", f, r1, r2))
			}
			if a1, a2 := multisetDiff(objectNames(g.added), objectNames(w.added)); len(a1)+len(a2) > 0 {
				out = append(out, fmt.Sprintf("%s: adds objects %q, the committed diff %q", f, a1, a2))
			}
		default:
			if r1, r2 := multisetDiff(g.removed, w.removed); len(r1)+len(r2) > 0 {
				out = append(out, fmt.Sprintf("%s: removed lines differ: rendered only %q, committed only %q", f, r1, r2))
			}
			if a1, a2 := multisetDiff(g.added, w.added); len(a1)+len(a2) > 0 {
				out = append(out, fmt.Sprintf("%s: added lines differ: rendered only %q, committed only %q", f, a1, a2))
			}
		}
	}
	return out
}
