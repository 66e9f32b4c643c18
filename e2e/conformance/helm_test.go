//go:build conformance

package conformance

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
)

// helmChartVersions are the module versions whose mimir-distributed chart
// is rendered against the output Grafana generated from it
// (operations/helm/tests/<values>-generated, written by
// operations/helm/scripts/build.sh with `helm template`).
var helmChartVersions = []mimirVersion{
	{"2.9", "v0.0.0-20230630050318-e4d286c69115"},
	{"2.x-2025-05", "v0.0.0-20250501105506-4584085047c0"},
	{"3.x", "v1.3.1-0.20260423142704-aced80d74930"},
}

// TestHelmChartRendersAsGrafanasTemplates renders the mimir-distributed
// chart of Grafana's module with pkg/helmenv for each values file of its CI
// (ci/*.yaml, ci/offline/*.yaml) the way Grafana's build.sh runs `helm
// template` (release named after the values file, namespace citestns,
// --set-string regoTestGenerateValues=true) and compares the objects of the
// chart's own templates, object by object, with Grafana's output.
//
// The chart's subcharts (minio, rollout-operator, grafana-agent-operator)
// come from chart repositories and are not in the module. The parent's
// templates call five of their named templates, so the test gives the
// chart stand-in subcharts (writeSubchartStandIns) that define only those;
// the subcharts' own objects (Grafana's output under charts/) are not
// compared.
func TestHelmChartRendersAsGrafanasTemplates(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			mod, src, chartDir := grafanaChart(t, v)
			defaultKubeVersion := buildDefaultKubeVersion(t, mod)
			tests, err := filepath.Glob(filepath.Join(mod, "operations", "helm", "tests", "*-generated"))
			if err != nil || len(tests) == 0 {
				t.Fatalf("no generated Helm tests in %s: %v", mod, err)
			}
			identical, refusedAsKnown := 0, 0
			for _, dir := range tests {
				name := strings.TrimSuffix(filepath.Base(dir), "-generated")
				valuesFile := ""
				for _, c := range []string{filepath.Join(src, "ci", name+".yaml"), filepath.Join(src, "ci", "offline", name+".yaml"), filepath.Join(src, strings.TrimSuffix(name, "-values")+".yaml")} {
					if _, err := os.Stat(c); err == nil {
						valuesFile = c
						break
					}
				}
				if valuesFile == "" {
					t.Errorf("%s: no values file for it in the chart", name)
					continue
				}
				set := []string{"regoTestGenerateValues=true"}
				if raw, err := os.ReadFile(valuesFile); err != nil {
					t.Fatal(err)
				} else if !kubeVersionOverride.Match(raw) {
					// build.sh's default unless the file sets its own.
					set = append(set, "kubeVersionOverride="+defaultKubeVersion)
				}
				env := helmenv.Environment{
					Chart: chartDir, Release: name, Namespace: "citestns",
					ValuesFiles: []string{valuesFile}, StringValues: set,
				}
				out, err := env.Render(context.Background(), nil, helmenv.Capabilities{})
				if want, refused := helmRefusals[v.Name+"/"+name]; refused {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("%s: err %v, want Helm 4.3 to refuse it with %q (helmRefusals)", name, err, want)
					} else {
						refusedAsKnown++
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				rendered := map[string]map[string]any{}
				objs := out.Objects
				for _, h := range out.Hooks {
					objs = append(objs, h.Object)
				}
				for _, o := range objs {
					if o.GetKind() == "Values" {
						// templates/values-for-rego-tests.yaml, which build.sh deletes.
						continue
					}
					o := normalise(t, o.Object)
					dropGeneratedLines(o)
					rendered[objectKey(o)] = o
				}
				generated := generatedChartObjects(t, filepath.Join(dir, "mimir-distributed", "templates"))
				if known := helmNullDifferences[name]; known != nil {
					for k, o := range rendered {
						if g, ok := generated[k]; ok {
							known(o, g)
						}
					}
				}
				if diffs, _ := compare(rendered, generated); len(diffs) > 0 {
					t.Errorf("%s (%s): %s", name, filepath.Base(valuesFile), describe(diffs))
					continue
				}
				identical++
			}
			t.Logf("mimir-distributed of %s: %d of %d values files render as Grafana's helm template output, %d refused by Helm 4.3 as known (helmRefusals)", v.Name, identical, len(tests), refusedAsKnown)
		})
	}
}

// helmNullDifferences undo, in an object rendered for one values file, a
// difference between Helm versions that the file meets: a value set to
// null in the user's values for a key the chart's own values.yaml does not
// have. The helm that generated the 3.x module's output (g, the same
// object) dropped such a key; Helm 4.3 (helm.sh/helm/v4 v4.3.1, mimirctl's
// SDK) keeps it as null, so the templates see it, as the helm of the
// 2025-05 module's output did (Helm's null handling changed several times:
// helm/helm #31919, #31946, #31979, #32530). Each function removes what the
// kept null renders where g does not have it; everything else is compared.
var helmNullDifferences = map[string]func(o, g map[string]any){
	// extraArgs {flag-empty: null}: Helm 4.3 renders the flag "-flag-empty=".
	"test-extra-args-values": func(o, g map[string]any) {
		var generated []map[string]any
		forEachContainer(g, func(c map[string]any, _ int) { generated = append(generated, c) })
		forEachContainer(o, func(c map[string]any, i int) {
			args, ok := c["args"].([]any)
			if !ok || i >= len(generated) {
				return
			}
			if gargs, _ := generated[i]["args"].([]any); !slices.Contains(gargs, any("-flag-empty=")) {
				c["args"] = slices.DeleteFunc(args, func(a any) bool { return a == "-flag-empty=" })
			}
		})
	},
	// resources {requests: null, limits: null}, for components whose
	// defaults have requests only: Helm 4.3 keeps limits: null.
	"test-oss-values":                   dropNullLimits,
	"test-oss-logical-multizone-values": dropNullLimits,
}

// helmRefusals are values files ("version/file") whose render Helm 4.3
// refuses where the helm that generated Grafana's output did not, with the
// message expected. The 2.9 module's chart (4.5.0) fails its own
// validate.yaml with openshift-values: the file sets
// rollout_operator.podSecurityContext's fsGroup, runAsGroup and runAsUser
// to null, Helm 4.3 keeps a user's nulls under a subchart's key (helm/helm
// #32538), and that chart refuses the keys present; later charts (5.x, 6.x)
// refuse only a non-null value.
var helmRefusals = map[string]string{
	"2.9/openshift-values": "you must set the values fsGroup, runAsGroup, runAsUser to null in rollout_operator.podSecurityContext",
}

// dropNullLimits removes resources.limits: null from the containers of o
// whose counterpart in g has no limits at all.
// grafanaChart copies the mimir-distributed chart of Grafana's module of
// version v to a temporary directory, ready to render: its subcharts
// given as stand-ins (writeSubchartStandIns) and its mixins/ copied back.
// It returns the module's directory, the chart's directory in it, and the
// copy's.
func grafanaChart(t *testing.T, v mimirVersion) (mod, src, chartDir string) {
	t.Helper()
	mod = moduleDir(t, "github.com/grafana/mimir@"+v.Module)
	src = filepath.Join(mod, "operations", "helm", "charts", "mimir-distributed")
	chartDir = filepath.Join(t.TempDir(), "mimir-distributed")
	if err := os.CopyFS(chartDir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	writeSubchartStandIns(t, chartDir)
	// The chart's mixins/ (alerts, rules, dashboards that its
	// metamonitoring templates read with .Files) are symlinks to
	// operations/mimir-mixin-compiled in Grafana's repository, which
	// the module's zip leaves out: copied back here.
	if err := os.CopyFS(filepath.Join(chartDir, "mixins"), os.DirFS(filepath.Join(mod, "operations", "mimir-mixin-compiled"))); err != nil {
		t.Fatal(err)
	}
	return mod, src, chartDir
}

func dropNullLimits(o, g map[string]any) {
	var generated []map[string]any
	forEachContainer(g, func(c map[string]any, _ int) { generated = append(generated, c) })
	forEachContainer(o, func(c map[string]any, i int) {
		r, _ := c["resources"].(map[string]any)
		if l, has := r["limits"]; !has || l != nil || i >= len(generated) {
			return
		}
		if gr, _ := generated[i]["resources"].(map[string]any); gr != nil {
			if _, has := gr["limits"]; !has {
				delete(r, "limits")
			}
		}
	})
}

// forEachContainer calls f for each container of a workload's pod
// template (init containers first) with its index in that order.
func forEachContainer(o map[string]any, f func(c map[string]any, i int)) {
	spec, _ := o["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	i := 0
	for _, key := range []string{"initContainers", "containers"} {
		cs, _ := pod[key].([]any)
		for _, c := range cs {
			if cm, ok := c.(map[string]any); ok {
				f(cm, i)
			}
			i++
		}
	}
}

// buildDefaultKubeVersion reads DEFAULT_KUBE_VERSION, the
// kubeVersionOverride build.sh gives a values file without its own, from
// the module's operations/helm/scripts/build.sh.
func buildDefaultKubeVersion(t *testing.T, mod string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(mod, "operations", "helm", "scripts", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^DEFAULT_KUBE_VERSION="([^"]+)"`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("build.sh sets no DEFAULT_KUBE_VERSION")
	}
	return string(m[1])
}

// kubeVersionOverride finds a values file's own kubeVersionOverride, as
// build.sh greps for it.
var kubeVersionOverride = regexp.MustCompile(`(?m)^kubeVersionOverride:`)

// generatedLineKeys are the keys whose lines build.sh deletes from
// Grafana's output with sed (values that change with every release: the
// chart's version, config checksums, Mimir's image).
var generatedLineKeys = map[string]bool{"checksum/config": true, "checksum/alertmanager-fallback-config": true, "chart": true, "helm.sh/chart": true, "app.kubernetes.io/version": true}

// generatedImage matches the image values whose lines build.sh deletes.
var generatedImage = regexp.MustCompile(`^(docker\.io/)?grafana/(mimir|enterprise-metrics)`)

// dropGeneratedLines deletes from a rendered object, at any depth, what
// build.sh's sed deletes from Grafana's output: a key of
// generatedLineKeys with a scalar value, and an image of Grafana's Mimir.
// A map left empty becomes null, as its key's line, left alone by sed,
// reads in YAML.
func dropGeneratedLines(v any) any {
	switch x := v.(type) {
	case map[string]any:
		dropped := false
		for k, e := range x {
			_, nested := e.(map[string]any)
			_, list := e.([]any)
			img, isString := e.(string)
			switch {
			case generatedLineKeys[k] && !nested && !list:
				delete(x, k)
				dropped = true
			case k == "image" && isString && generatedImage.MatchString(img):
				delete(x, k)
				dropped = true
			default:
				x[k] = dropGeneratedLines(e)
			}
		}
		if dropped && len(x) == 0 {
			return nil
		}
	case []any:
		for i, e := range x {
			x[i] = dropGeneratedLines(e)
		}
	}
	return v
}

// generatedChartObjects reads every object of Grafana's output of the
// chart's own templates (dir), by objectKey.
func generatedChartObjects(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		for k, o := range parseGenerated(t, path) {
			out[k] = o
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fullnameTemplate defines NAME.fullname as Helm's `helm create` scaffold
// does: fullnameOverride, else the release name when it holds the chart's
// name (or nameOverride), else RELEASE-NAME; 63 characters at most.
func fullnameTemplate(name string) string {
	return strings.ReplaceAll(`
{{- define "NAME.fullname" -}}
{{- if .Values.fullnameOverride -}}{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}{{- end -}}{{- end -}}
{{- end -}}`, "NAME", name)
}

// minioMCTags are the mc image tags of the minio chart versions the
// modules' charts depend on, as Grafana's generated output shows them.
var minioMCTags = map[string]string{
	"5.0.7": "RELEASE.2023-01-28T20-29-38Z",
	"5.4.0": "RELEASE.2024-11-21T17-21-54Z",
}

// writeSubchartStandIns writes into chartDir/charts fakes of the subcharts
// the mimir-distributed chart depends on, each with the name and version
// its Chart.yaml asks for and only the named templates the parent's
// templates call, defined the way Helm's `helm create` scaffold defines
// them (name from nameOverride or the chart's name, fullname from
// fullnameOverride or release-name, 63 characters at most). They render no
// object.
func writeSubchartStandIns(t *testing.T, chartDir string) {
	t.Helper()
	fakes := map[string]struct{ values, helpers string }{
		// The defaults of the minio chart that the parent's templates read
		// (.Values.minio.*), as Grafana's output of them shows them; the mc
		// image's tag is the minio chart version's (minioMCTags).
		"minio": {`
service: {port: 9000}
mcImage: {repository: quay.io/minio/mc, tag: MC_TAG, pullPolicy: IfNotPresent}
makeBucketJob:
  securityContext: {enabled: false}
  resources: {requests: {memory: 128Mi}}
tls: {enabled: false}
`, fullnameTemplate("minio") + `
{{- define "minio.name" -}}{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}{{- end -}}
{{- define "minio.chart" -}}{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}{{- end -}}
{{- define "minio.imagePullSecrets" -}}{{- end -}}
`},
		"rollout-operator": {"", fullnameTemplate("rollout-operator") + `
{{- define "rollout-operator.serviceAccountName" -}}{{- include "rollout-operator.fullname" . -}}{{- end -}}
`},
		"grafana-agent-operator": {"", ""},
	}
	// Each stand-in has the version the parent's Chart.yaml asks for.
	var parent struct {
		Dependencies []struct{ Name, Version string }
	}
	if raw, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml")); err != nil {
		t.Fatal(err)
	} else if err := yaml.Unmarshal(raw, &parent); err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, d := range parent.Dependencies {
		versions[d.Name] = d.Version
	}
	for _, name := range slices.Sorted(maps.Keys(fakes)) {
		f := fakes[name]
		dir := filepath.Join(chartDir, "charts", name)
		if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
			t.Fatal(err)
		}
		if versions[name] == "" {
			t.Fatalf("%s: the chart does not depend on %s", chartDir, name)
		}
		chartYAML := "apiVersion: v2\nname: " + name + "\nversion: " + versions[name] + "\ndescription: a stand-in written by mimirctl's conformance test, not the real chart\n"
		if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(chartYAML), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "templates", "_helpers.tpl"), []byte(f.helpers), 0o644); err != nil {
			t.Fatal(err)
		}
		values := f.values
		if name == "minio" {
			tag := minioMCTags[versions[name]]
			if tag == "" {
				t.Fatalf("%s: no mc image tag known for minio chart %s (minioMCTags)", chartDir, versions[name])
			}
			values = strings.ReplaceAll(values, "MC_TAG", tag)
		}
		if err := os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
