package envchange

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// limitsLibrary stands in for the way Mimir's jsonnet library renders the
// series limits: _config.limits as the ingesters' flags (ingester_args wins
// over them), _config.overrides as the runtime configuration.
const limitsLibrary = `{
  _config+:: {
    limits: { max_global_series_per_user: 150000, max_global_series_per_metric: 20000, ingestion_rate: 10000 },
    overrides: { t1: { max_global_series_per_user: 100000 } },
  },
  limitFlags:: {
    ['ingester.' + std.strReplace(k, '_', '-')]: $._config.limits[k]
    for k in ['max_global_series_per_user', 'max_global_series_per_metric']
    if std.objectHas($._config.limits, k)
  },
  ingester_args:: {},
  ingester_statefulset: {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'ingester', namespace: 'mimir' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { name: 'ingester' } },
      template: {
        metadata: { labels: { name: 'ingester' } },
        spec: { containers: [{ name: 'ingester', image: 'grafana/mimir:2.9.0', args: ['-%s=%s' % [k, f[k]] for f in [$.limitFlags + $.ingester_args] for k in std.objectFields(f)] }] },
      },
    },
  },
  overrides_config: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'overrides', namespace: 'mimir' },
    data: { 'overrides.yaml': std.manifestYamlDoc({ overrides: $._config.overrides }) },
  },
}
`

const scaledSteps = `
- id: limits-doubled
  title: Double the series limits
  actions:
    - jsonnet:
        scale: {limits.max_global_series_per_user: 2, overrides.*.max_global_series_per_user: 2}
        expectScaled: {ingester.max-global-series-per-user: 2}
`

// TestAScaleThatMissesOrDoublesALimitTwiceIsRefused: the step's scale must
// multiply every value the environment gives the expected limit by its
// factor; a tenant that inherits the scaled default (late binding) would
// get 4×, a flag set in ingester_args 1×, an unset limit Mimir's default.
func TestAScaleThatMissesOrDoublesALimitTwiceIsRefused(t *testing.T) {
	tests := map[string]struct {
		env  string // merged after the library
		want []string
	}{
		"every limit doubled": {env: `{ _config+:: { overrides+: { t2: { ingestion_rate: 5 } } } }`},
		"a tenant that inherits the default through late binding": {
			env:  `{ _config+:: { overrides+: { t2: $._config.limits { ingestion_rate: 5 } } } }`,
			want: []string{"ConfigMap mimir/overrides overrides.yaml tenant t2: ingester.max-global-series-per-user 150000 → 600000, want ×2 = 300000", "scaled twice"},
		},
		"a limit set in ingester_args": {
			env:  `{ ingester_args+:: { 'ingester.max-global-series-per-user': 200000 } }`,
			want: []string{"StatefulSet mimir/ingester container ingester: ingester.max-global-series-per-user 200000 → 200000, want ×2 = 400000", "unchanged"},
		},
		"a limit set nowhere": {
			env:  `{ _config+:: { limits: { ingestion_rate: 10000 }, overrides: {} } }`,
			want: []string{"Mimir's default 150000 applies"},
		},
	}
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(scaledSteps)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := testEnv(t)
			if err := os.WriteFile(filepath.Join(dir, "app.libsonnet"), []byte(limitsLibrary), 0o644); err != nil {
				t.Fatal(err)
			}
			main := "(import 'app.libsonnet') + " + tc.env + " + (import 'mimirctl.libsonnet')\n"
			if err := os.WriteFile(filepath.Join(dir, "main.jsonnet"), []byte(main), 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := newTestBinder(Deps{}, dir).BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
			if err != nil {
				t.Fatal(err)
			}
			ch, err := a.(plan.Previewer).Preview(context.Background())
			if tc.want == nil {
				if err != nil || !strings.Contains(ch.Diff, "-ingester.max-global-series-per-user=300000") {
					t.Fatalf("err = %v, diff:\n%s", err, ch.Diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; diff:\n%s", ch.Diff)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant %q", err, w)
				}
			}
		})
	}
}
