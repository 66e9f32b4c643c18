//go:build conformance

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
	"github.com/mimirctl/mimirctl/plans"
)

// planCase is one built-in plan, with its parameters, run step by step on a
// Grafana test environment of the versions it supports.
type planCase struct {
	plan   string
	params map[string]string
	// versions are the mimirVersions names the plan supports (its
	// mimirVersions range; the late 2.x module is main after 2.16.0).
	versions []string
	// start is the Grafana test file the plan starts from, and edit (when
	// set) the change to it that makes it the plan's starting state, with
	// the reason in the case's comment.
	start string
	edit  func(src string) string
	// grafana maps a step id to Grafana's own test file for the state after
	// that step (the same migration as numbered test files), with the
	// differences the plan explains.
	grafana map[string]grafanaState
	// inert lists the steps whose change renders nothing new from this
	// start, with the reason; any other inert step fails.
	inert map[string]string
	// overridden lists flags a step sets through a hidden *_args field for
	// some of the containers it reaches only, where the library's own value
	// comes last in the others: "field[flag] container-prefix" → reason.
	overridden map[string]string
	// after (when set) is a plan run to its end on the start first: its
	// jsonnet changes, every step's, are in the overlay before this plan's
	// first step, as a run of it leaves the environment.
	after *priorRun
}

// priorRun is a built-in plan with its parameters.
type priorRun struct {
	plan   string
	params map[string]string
}

// grafanaState is a Grafana test file the plan's state must equal, object
// by object, except for the objects in explained (object key → reason).
type grafanaState struct {
	test      string
	explained map[string]string
}

var (
	allVersions = []string{"2.9", "2.x-2025-05", "3.x"}
	twoX        = []string{"2.9", "2.x-2025-05"}
)

// consulKept is the difference every ring-plan state after the teardown
// has from Grafana's: Grafana's step 5 lets the library remove Consul, the
// plan keeps it (consul_enabled) because the operator removes the old store
// once nothing else uses it (the plan's note).
var consulKept = map[string]string{
	"apps/v1 Deployment/default/consul":                                "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
	"policy/v1 PodDisruptionBudget/default/consul":                     "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
	"v1 ConfigMap/default/consul":                                      "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
	"v1 Service/default/consul":                                        "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
	"v1 ServiceAccount/default/consul-sidekick":                        "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
	"rbac.authorization.k8s.io/v1 Role/default/consul-sidekick":        "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
	"rbac.authorization.k8s.io/v1 RoleBinding/default/consul-sidekick": "the plan keeps the old store running (consul_enabled: true); Grafana's step 5 removes it",
}

var planCases = []planCase{
	{
		plan: "ring-kv-to-memberlist", params: map[string]string{"oldStore": "consul"}, versions: allVersions,
		start: "test-memberlist-migration-step-0-before",
		grafana: map[string]grafanaState{
			"1-enable-multi-kv": {test: "test-memberlist-migration-step-1"},
			"2-mirror":          {test: "test-memberlist-migration-step-2"},
			"3-switch-primary":  {test: "test-memberlist-migration-step-3"},
			"4-stop-mirroring":  {test: "test-memberlist-migration-step-4"},
			"5-teardown":        {test: "test-memberlist-migration-step-5", explained: consulKept},
			"6-cleanup":         {test: "test-memberlist-migration-step-6-final", explained: consulKept},
		},
	},
	{
		plan: "memberlist-cluster-label", params: map[string]string{"label": "my-cluster-label"}, versions: allVersions,
		start: "test-memberlist-cluster-label-migration-step-0-before",
		grafana: map[string]grafanaState{
			"1-verification-off": {test: "test-memberlist-cluster-label-migration-step-1"},
			"2-set-label":        {test: "test-memberlist-cluster-label-migration-step-2"},
			"3-verification-on":  {test: "test-memberlist-cluster-label-migration-step-3"},
		},
	},
	{
		plan: "ingester-zone-shutdown", params: map[string]string{"zone": "zone-b", "tankaField": "ingester_zone_b_statefulset"},
		versions: allVersions, start: "test-multi-zone",
	},
	{
		// Grafana's migration-mode test environment without its
		// deployment_mode and with ruler remote evaluation on: a multi-zone
		// microservices cluster as users run it, which the plan takes to
		// read-write mode (step 5.6 turns remote evaluation off).
		plan: "microservices-to-read-write", versions: twoX,
		start: "test-deployment-mode-migration", edit: microservicesWithRemoteEvaluation,
		inert: map[string]string{"1-zone-awareness": "the start is zone-aware already (multi_zone_ingester_enabled and multi_zone_store_gateway_enabled in Grafana's file)"},
	},
	{
		plan: "microservices-to-read-write", params: map[string]string{"mimirReadAutoscaling": "true"}, versions: twoX,
		start: "test-deployment-mode-migration", edit: microservicesWithRemoteEvaluation,
		inert: map[string]string{"1-zone-awareness": "the start is zone-aware already (multi_zone_ingester_enabled and multi_zone_store_gateway_enabled in Grafana's file)"},
	},
	{
		// mimir_write_replicas and mimir_backend_replicas are 3 in Grafana's
		// file (the library's defaults): the microservices come back at 3.
		plan: "read-write-to-microservices", params: wayBack, versions: twoX, start: "test-read-write-deployment-mode-s3",
		inert: map[string]string{"5.5-ruler-settings-back": "the start evaluates no rules remotely (the library refuses remote evaluation in read-write mode) and does not autoscale the ruler-querier: its own settings are the ones step 1 pinned"},
	},
	{
		// The round trip: the way back from the environment
		// microservices-to-read-write leaves (its overlay on the
		// microservices start), which the e2e suite's forward run previews
		// the way back from on a live cluster. The start evaluates rules
		// remotely, which the forward run turns off (its step 5.6): with its
		// default parameters the way back gives that setting back to the
		// environment (its step 5.5), so the round trip ends with the start's
		// workloads, the ruler-query path included.
		plan: "read-write-to-microservices", params: wayBack, versions: twoX,
		start: "test-deployment-mode-migration", edit: microservicesWithRemoteEvaluation,
		after: &priorRun{plan: "microservices-to-read-write"},
	},
	{
		plan: "read-write-to-microservices", params: map[string]string{"ingesterReplicas": "6", "storeGatewayReplicas": "6", "rulerRemoteEvaluation": "true"}, versions: twoX,
		start: "test-read-write-deployment-mode-s3",
	},
	{
		// Grafana's multi-zone test environment without its multi_zone_*
		// settings is the single-zone cluster the plan starts from; the
		// plan must end exactly where Grafana's file is (its replicas are 3
		// and 3: one batch).
		plan: "single-zone-to-zone-aware", params: map[string]string{"ingesterReplicas": "3", "storeGatewayReplicas": "3"}, versions: allVersions,
		start: "test-multi-zone", edit: withoutMultiZone,
		grafana:    map[string]grafanaState{"2.12-series-limits-back": {test: "test-multi-zone"}},
		overridden: oldIngestersZone,
	},
	{
		// The other branches: batches (6 zone ingesters, 3 at a time), the
		// store-gateways' path with downtime, no shuffle sharding.
		// Tenants written with the library's user classes and an ingester
		// instance limit: step 2.2 must double each exactly once.
		plan: "single-zone-to-zone-aware", params: map[string]string{"ingesterReplicas": "6", "storeGatewayReplicas": "3", "batchSize": "3", "storeGatewayDowntime": "true", "shuffleSharding": "false"},
		versions: allVersions, start: "test-defaults", edit: func(src string) string { return withTenants(withRuler(src)) }, overridden: oldIngestersZone,
	},
	{
		// Mimir 3.x's library runs the HA tracker on memberlist; a cluster
		// that still has it in etcd sets the distributor flags itself, as
		// the start does here.
		plan: "ha-tracker-kv-to-memberlist", params: map[string]string{"oldStore": "etcd"}, versions: []string{"3.x"},
		start: "test-defaults", edit: haTrackerInEtcd,
	},
}

var wayBack = map[string]string{"ingesterReplicas": "3", "storeGatewayReplicas": "3"}

func microservicesWithRemoteEvaluation(src string) string {
	src = regexp.MustCompile(`(?m)^\s*deployment_mode: 'migration',\n`).ReplaceAllString(src, "")
	return strings.Replace(src, "ruler_remote_evaluation_enabled: false", "ruler_remote_evaluation_enabled: true", 1)
}

// oldIngestersZone: single-zone-to-zone-aware gives the old ingesters the
// zone zone-default through ingester_args, which the zone ingesters share.
var oldIngestersZone = map[string]string{
	"ingester_args[ingester.ring.instance-availability-zone] StatefulSet/default/ingester-zone-": "each zone ingester sets its own zone after ingester_args: the flag is for the old ingesters",
}

// withRuler turns the ruler on in a Grafana test file that has it off.
func withRuler(src string) string {
	return strings.Replace(src, "blocks_storage_bucket_name: 'blocks-bucket',", "blocks_storage_bucket_name: 'blocks-bucket',\n    ruler_enabled: true,\n    ruler_storage_bucket_name: 'rules-bucket',", 1)
}

// withTenants gives a Grafana test file tenants as operators write them,
// from the library's user classes, and an ingester instance limit.
func withTenants(src string) string {
	return strings.TrimRight(src, "\n") + ` + {
  _config+:: {
    ingester_instance_limits: { max_series: 1500000 },
    overrides+: {
      'tenant-a': $._config.overrides.medium_user,
      'tenant-b': $._config.overrides.big_user { max_global_series_per_metric: 50000 },
    },
  },
}
`
}

// withoutMultiZone drops the multi_zone_* settings of a Grafana test file.
func withoutMultiZone(src string) string {
	return regexp.MustCompile(`(?m)^\s*multi_zone_\w+: \w+,\n`).ReplaceAllString(src, "")
}

func haTrackerInEtcd(src string) string {
	return strings.TrimRight(src, "\n") + ` + {
  distributor_args+:: {
    'distributor.ha-tracker.store': 'etcd',
    'distributor.ha-tracker.etcd.endpoints': 'etcd-client.default.svc.cluster.local.:2379',
  },
}
`
}

// state is one rendered state of a plan run: its objects by objectKey and
// the top-level fields of the evaluated environment.
type state struct {
	objects map[string]map[string]any
	fields  map[string]any
}

func render(envDir string, o *tanka.Overlay) (*state, error) {
	res, err := tanka.Load(context.Background(), envDir, tanka.Options{Overlay: o})
	if err != nil {
		return nil, err
	}
	st := &state{objects: map[string]map[string]any{}}
	for _, obj := range res.Objects {
		st.objects[objectKey(obj.Object)] = obj.Object
	}
	st.fields, _ = res.Tree.(map[string]any)
	return st, nil
}

// checkScaled runs JsonnetSpec.VerifyScaled for each change of a step:
// after against the environment rendered with overlay minus that change's
// scale. It logs where each limit was verified and returns the problems.
func checkScaled(t *testing.T, envDir string, overlay *tanka.Overlay, changes []*envchange.JsonnetSpec, after *state) []string {
	var errs []string
	for _, ch := range changes {
		verified, err := ch.VerifyScaled(after.list(), overlay, func(u *tanka.Overlay) ([]*unstructured.Unstructured, error) {
			unscaled, err := render(envDir, u)
			if err != nil {
				return nil, err
			}
			return unscaled.list(), nil
		})
		switch {
		case err != nil:
			errs = append(errs, err.Error())
		case len(verified) > 0:
			t.Logf("%s: %s", envDir, strings.Join(verified, "; "))
		}
	}
	return errs
}

// list is the state's objects as the API reads them.
func (s *state) list() []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, len(s.objects))
	for _, k := range slices.Sorted(maps.Keys(s.objects)) {
		out = append(out, &unstructured.Unstructured{Object: s.objects[k]})
	}
	return out
}

// changed lists the keys of the objects that differ between a and b
// (added, removed or changed).
func changed(a, b *state) []string {
	var out []string
	for _, k := range keyUnion(a.objects, b.objects) {
		if !reflect.DeepEqual(normaliseAny(a.objects[k]), normaliseAny(b.objects[k])) {
			out = append(out, k)
		}
	}
	return out
}

// normaliseAny makes maps from different decoders compare alike (a JSON
// round trip); nil stays nil.
func normaliseAny(o map[string]any) any {
	if o == nil {
		return nil
	}
	raw, err := json.Marshal(o)
	if err != nil {
		return err.Error()
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return err.Error()
	}
	return out
}

// fieldObject returns the key of the object a top-level field renders, ""
// when the field is null or absent.
func (s *state) fieldObject(field string) string {
	o, ok := s.fields[field].(map[string]any)
	if !ok || o["kind"] == nil {
		return ""
	}
	return objectKey(o)
}

// libraryReads reports whether the library's sources read the _config key:
// `_config.<key>` or a `%(<key>)s` format against $._config.
func libraryReads(sources, key string) bool {
	re := regexp.MustCompile(`_config\.` + regexp.QuoteMeta(key) + `\b|%\(` + regexp.QuoteMeta(key) + `\)`)
	return re.MatchString(sources)
}

// librarySources concatenates operations/mimir's jsonnet files.
func librarySources(t *testing.T, operations string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(filepath.Join(operations, "mimir"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(p, ".libsonnet") && !strings.HasSuffix(p, ".jsonnet")) {
			return err
		}
		raw, err := os.ReadFile(p)
		b.Write(raw)
		b.WriteByte('\n')
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// probeFlag is the flag a probe render adds to a hidden *_args field to
// find the containers the field reaches: -mimirctl-probe=<field>.
const probeFlag = "mimirctl-probe"

// containerArgs returns, per container of every workload ("<object key>
// <container>"), the values of each -<flag>= argument in order.
func containerArgs(objects map[string]map[string]any) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for k, o := range objects {
		spec, _ := o["spec"].(map[string]any)
		tmpl, _ := spec["template"].(map[string]any)
		pod, _ := tmpl["spec"].(map[string]any)
		containers, _ := pod["containers"].([]any)
		for _, c := range containers {
			cm, _ := c.(map[string]any)
			args, _ := cm["args"].([]any)
			flags := map[string][]string{}
			for _, a := range args {
				s, _ := a.(string)
				if flag, value, ok := strings.Cut(strings.TrimPrefix(s, "-"), "="); ok && strings.HasPrefix(s, "-") {
					flags[flag] = append(flags[flag], value)
				}
			}
			out[k+" "+fmt.Sprint(cm["name"])] = flags
		}
	}
	return out
}

// reach renders o with the probe flag in each hidden *_args field of
// changes and returns the containers each field reaches.
func reach(envDir string, o *tanka.Overlay, changes []*envchange.JsonnetSpec) (map[string][]string, error) {
	probe := o.Clone()
	var fields []string
	for _, c := range changes {
		for f := range c.Hidden {
			if strings.HasSuffix(f, "_args") {
				fields = append(fields, f)
				probe.Merge(tanka.Overlay{Hidden: map[string]map[string]any{f: {probeFlag + "-" + f: "x"}}})
			}
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	st, err := render(envDir, probe)
	if err != nil {
		return nil, fmt.Errorf("probe render: %w", err)
	}
	out := map[string][]string{}
	for where, flags := range containerArgs(st.objects) {
		for _, f := range fields {
			if len(flags[probeFlag+"-"+f]) > 0 {
				out[f] = append(out[f], where)
			}
		}
	}
	return out, nil
}

// planStep is one step of a plan with the jsonnet changes it makes.
type planStep struct {
	id      string
	changes []*envchange.JsonnetSpec
}

func jsonnetSteps(p *plan.Plan) []planStep {
	refs, specs := envchange.JsonnetChanges(p)
	var out []planStep
	for i, r := range refs {
		id := p.Steps[r.Step].ID
		if len(out) == 0 || out[len(out)-1].id != id {
			out = append(out, planStep{id: id})
		}
		out[len(out)-1].changes = append(out[len(out)-1].changes, specs[i])
	}
	return out
}

// checkStep holds a step's rendered state to what its changes claim and
// returns what is wrong: a change the library does not read, an object
// override that changes nothing, an object-only step that changes objects it
// does not name, a flag whose last value is not the one set. An override
// whose object stays as it was is inert unless holds(field) reports that the
// step's other changes would have changed it without the override (a zone
// kept at 0 while the knob sizing every zone goes up).
func checkStep(sources string, changes []*envchange.JsonnetSpec, before, after *state, reached map[string][]string, holds func(field string) (bool, error)) []string {
	var errs []string
	claimed := map[string]bool{}
	objectsOnly := true
	for _, c := range changes {
		for k := range c.Config {
			objectsOnly = false
			if !libraryReads(sources, k) {
				errs = append(errs, fmt.Sprintf("sets _config.%s, which the library never reads", k))
			}
		}
		if c.Remove != nil && (len(c.Remove.Config) > 0 || len(c.Remove.Hidden) > 0 || len(c.Remove.Scale) > 0) {
			objectsOnly = false
		}
		for path := range c.Scale {
			objectsOnly = false
			if k, _, _ := strings.Cut(path, "."); !libraryReads(sources, k) {
				errs = append(errs, fmt.Sprintf("scales _config.%s, which the library never reads", path))
			}
		}
		for field := range c.Hidden {
			objectsOnly = false
			if !strings.Contains(sources, field+"::") && !strings.Contains(sources, field+"+::") {
				errs = append(errs, fmt.Sprintf("merges into hidden field %s, which the library does not have", field))
			}
			if strings.HasSuffix(field, "_args") && len(reached[field]) == 0 {
				errs = append(errs, fmt.Sprintf("merges flags into %s, which reaches no container", field))
			}
		}
		fields := slices.Collect(maps.Keys(c.Objects))
		if c.Remove != nil {
			for _, o := range c.Remove.Objects {
				fields = append(fields, strings.Split(o, ".")[0])
			}
		}
		for _, f := range fields {
			b, a := before.fieldObject(f), after.fieldObject(f)
			if b == "" && a == "" {
				continue // not rendered in this environment (e.g. an autoscaler that is off)
			}
			claimed[b], claimed[a] = true, true
			if b != a || !reflect.DeepEqual(normaliseAny(before.objects[b]), normaliseAny(after.objects[a])) {
				continue
			}
			if _, set := c.Objects[f]; set {
				held, err := holds(f)
				if err != nil {
					errs = append(errs, fmt.Sprintf("overrides %s (%s): %v", f, a, err))
					continue
				}
				if held {
					continue
				}
			}
			errs = append(errs, fmt.Sprintf("overrides %s (%s), which does not change", f, a))
		}
	}
	errs = append(errs, checkFlags(changes, after, reached)...)
	if objectsOnly {
		for _, k := range changed(before, after) {
			if !claimed[k] {
				errs = append(errs, fmt.Sprintf("changes %s, which none of its object overrides names", k))
			}
		}
	}
	return errs
}

// checkFlags checks that every flag a step sets through a hidden *_args
// field is the last value of that flag in each container the field reaches.
// When two of the step's fields reach a container with different values for
// a flag (store_gateway_args and mimir_backend_args both reach mimir-backend
// in later 2.x), the plan means the narrower one (the field that reaches
// fewer containers) for it.
func checkFlags(changes []*envchange.JsonnetSpec, after *state, reached map[string][]string) []string {
	type setting struct {
		field, value string
		reach        int
	}
	want := map[string]map[string]setting{} // container → flag → setting
	for _, c := range changes {
		for field, kv := range c.Hidden {
			for flag, v := range kv {
				if v == nil || !strings.HasSuffix(field, "_args") {
					continue
				}
				s := setting{field: field, value: fmt.Sprint(v), reach: len(reached[field])}
				for _, where := range reached[field] {
					if want[where] == nil {
						want[where] = map[string]setting{}
					}
					if have, ok := want[where][flag]; !ok || s.reach < have.reach {
						want[where][flag] = s
					}
				}
			}
		}
	}
	var errs []string
	args := containerArgs(after.objects)
	for _, where := range slices.Sorted(maps.Keys(want)) {
		for _, flag := range slices.Sorted(maps.Keys(want[where])) {
			s := want[where][flag]
			got := args[where][flag]
			if len(got) == 0 || got[len(got)-1] != s.value {
				errs = append(errs, fmt.Sprintf("sets %s[%s]=%s, and %s runs with %v (Mimir keeps the last value: the library's own wins)", s.field, flag, s.value, where, got))
			}
		}
	}
	return errs
}

// planRun tallies the plan steps rendered across the cases.
type planRun struct {
	mu               sync.Mutex
	rendered, failed int
}

func (r *planRun) add(ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rendered++
	if !ok {
		r.failed++
	}
}

// TestBuiltinPlansAgainstGrafanasLibrary applies every built-in plan's
// jsonnet changes step by step, through the overlay a run writes
// (mimirctl.libsonnet, imported by main.jsonnet as `mimirctl init` wires
// it), to a Grafana test environment of each Mimir version the plan
// supports, and checks each step's render: no error; the step changes
// something (or is listed in inert with the reason); every _config key it
// sets is one the library reads; every flag it sets through a *_args field
// reaches the containers and is the last value there; every object override
// changes its object, and a step made only of object overrides changes no
// other object. Where Grafana ships the same migration as numbered test
// files, the state after the step equals Grafana's, object by object, or the
// difference is explained in the case.
func TestBuiltinPlansAgainstGrafanasLibrary(t *testing.T) {
	k8sLib := kubernetesLibrary(t)
	only := map[string]bool{}
	for _, v := range strings.Split(os.Getenv("CONFORMANCE_VERSIONS"), ",") {
		if v != "" {
			only[v] = true
		}
	}
	run := &planRun{}
	for _, v := range mimirVersions {
		if len(only) > 0 && !only[v.Name] {
			continue
		}
		operations := filepath.Join(moduleDir(t, "github.com/grafana/mimir@"+v.Module), "operations")
		files, err := filepath.Glob(filepath.Join(operations, "mimir-tests", "test-*.jsonnet"))
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, f := range files {
			all = append(all, strings.TrimSuffix(filepath.Base(f), ".jsonnet"))
		}
		root := project(t, k8sLib, operations, nil, all)
		sources := librarySources(t, operations)
		for i, c := range planCases {
			if !slices.Contains(c.versions, v.Name) {
				continue
			}
			name := fmt.Sprintf("%s/%s%v", v.Name, c.plan, c.params)
			if c.after != nil {
				name += fmt.Sprintf("-after-%s%v", c.after.plan, c.after.params)
			}
			envDir := filepath.Join(root, "environments", fmt.Sprintf("plan-%d", i))
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runPlanCase(t, c, v, operations, envDir, all, sources, run)
			})
		}
	}
	t.Cleanup(func() {
		summaryLines = append(summaryLines, fmt.Sprintf("plan steps against the real library: %d rendered, %d failed", run.rendered, run.failed))
	})
}

// editedEnvironment writes at envDir a Tanka environment whose main.jsonnet
// is Grafana's test file start edited by edit (nil: as it is), links the
// test files of all into it, and wires mimirctl's overlay into it (Init).
// An edit that changes nothing fails the test: Grafana's file changed.
func editedEnvironment(t *testing.T, operations, envDir, start string, all []string, edit func(string) string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(operations, "mimir-tests", start+".jsonnet"))
	if err != nil {
		t.Fatal(err)
	}
	main := string(src)
	if edit != nil {
		main = edit(main)
		if main == string(src) {
			t.Fatalf("the edit of %s changes nothing: Grafana's file changed, revisit the case", start)
		}
	}
	if err := grafanalib.WriteEnvironment(envDir, main, "default"); err != nil {
		t.Fatal(err)
	}
	if err := grafanalib.LinkTestFiles(envDir, operations, all); err != nil {
		t.Fatal(err)
	}
	if _, err := tanka.Init(context.Background(), envDir, tanka.Options{}); err != nil {
		t.Fatalf("mimirctl init on %s: %v", start, err)
	}
}

func runPlanCase(t *testing.T, c planCase, v mimirVersion, operations, envDir string, all []string, sources string, run *planRun) {
	editedEnvironment(t, operations, envDir, c.start, all, c.edit)
	p, err := plan.Load(plans.FS, c.plan, plan.LoadOptions{Registry: engine.Registry(), Params: c.params})
	if err != nil {
		t.Fatalf("load %s: %v", c.plan, err)
	}
	steps := jsonnetSteps(p)
	if len(steps) == 0 {
		t.Fatalf("%s%v makes no jsonnet change: nothing to check against the library", c.plan, c.params)
	}
	overlay := &tanka.Overlay{}
	var origin *state // the start before the prior run, when there is one
	if c.after != nil {
		if origin, err = render(envDir, overlay); err != nil {
			t.Fatalf("Mimir %s: the start %s does not render: %v", v.Name, c.start, err)
		}
		prior, err := plan.Load(plans.FS, c.after.plan, plan.LoadOptions{Registry: engine.Registry(), Params: c.after.params})
		if err != nil {
			t.Fatalf("load %s: %v", c.after.plan, err)
		}
		for _, s := range jsonnetSteps(prior) {
			for _, ch := range s.changes {
				ch.ApplyTo(overlay)
			}
		}
	}
	before, err := render(envDir, overlay)
	if err != nil {
		t.Fatalf("Mimir %s: the start %s does not render: %v", v.Name, c.start, err)
	}
	seen := map[string]bool{}
	for _, s := range steps {
		seen[s.id] = true
		for _, ch := range s.changes {
			ch.ApplyTo(overlay)
		}
		after, err := render(envDir, overlay)
		if err != nil {
			run.add(false)
			t.Errorf("Mimir %s, step %s: render failed: %v", v.Name, s.id, err)
			return
		}
		errs := checkScaled(t, envDir, overlay, s.changes, after)
		reached, err := reach(envDir, overlay, s.changes)
		if err != nil {
			t.Errorf("Mimir %s, step %s: %v", v.Name, s.id, err)
		}
		// holds: without the override of field, the step would change its
		// object (one more render, only for an override whose object stays).
		holds := func(field string) (bool, error) {
			probe := overlay.Clone()
			probe.RemoveObject(field)
			without, err := render(envDir, probe)
			if err != nil {
				return false, fmt.Errorf("render without it: %w", err)
			}
			k := after.fieldObject(field)
			return !reflect.DeepEqual(normaliseAny(without.objects[k]), normaliseAny(after.objects[k])), nil
		}
		errs = append(errs, slices.DeleteFunc(checkStep(sources, s.changes, before, after, reached, holds), func(e string) bool {
			for k, reason := range c.overridden {
				setting, container, _ := strings.Cut(k, " ")
				if strings.HasPrefix(e, "sets "+setting+"=") && strings.Contains(e, " "+container) {
					t.Logf("Mimir %s, step %s: %s: %s", v.Name, s.id, e, reason)
					return true
				}
			}
			return false
		})...)
		diff := changed(before, after)
		why, inert := c.inert[s.id]
		switch {
		case len(diff) == 0 && !inert:
			errs = append(errs, "renders nothing new: the change is inert in this library")
		case len(diff) > 0 && inert:
			errs = append(errs, fmt.Sprintf("is listed as inert (%s) but changes %d objects, first %s", why, len(diff), diff[0]))
		}
		if g, ok := c.grafana[s.id]; ok {
			generated := parseGenerated(t, filepath.Join(operations, "mimir-tests", g.test+"-generated.yaml"))
			objs := map[string]map[string]any{}
			for k, o := range after.objects {
				objs[k] = normalise(t, o)
			}
			diffs, _ := compare(objs, generated)
			for _, d := range diffs {
				key := d[:strings.Index(d+":", ":")]
				if reason := explainedBy(g.explained, d); reason != "" {
					t.Logf("Mimir %s, step %s vs Grafana's %s: %s differs: %s", v.Name, s.id, g.test, key, reason)
					continue
				}
				errs = append(errs, fmt.Sprintf("differs from Grafana's %s: %s", g.test, d))
			}
		}
		run.add(len(errs) == 0)
		for _, e := range errs {
			t.Errorf("Mimir %s, %s step %s %s", v.Name, c.plan, s.id, e)
		}
		t.Logf("Mimir %s, step %s: %d objects changed", v.Name, s.id, len(diff))
		before = after
	}
	if origin != nil {
		// The round trip ends where it began: the same workloads.
		got, want := workloads(before), workloads(origin)
		var added, missing []string
		for _, k := range got {
			if !slices.Contains(want, k) {
				added = append(added, k)
			}
		}
		for _, k := range want {
			if !slices.Contains(got, k) {
				missing = append(missing, k)
			}
		}
		if len(added)+len(missing) > 0 {
			t.Errorf("Mimir %s: after %s and %s, workloads the start does not have: %v; the start's missing: %v", v.Name, c.after.plan, c.plan, added, missing)
		}
	}
	for id := range c.grafana {
		if !seen[id] {
			t.Errorf("the case compares step %s, which %s has no jsonnet change in", id, c.plan)
		}
	}
}

// workloads lists the keys of the Deployments and StatefulSets a state
// renders, sorted.
func workloads(s *state) []string {
	var out []string
	for k, o := range s.objects {
		if o["kind"] == "Deployment" || o["kind"] == "StatefulSet" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// explainedBy returns the reason for a difference line whose object is
// explained, "" otherwise.
func explainedBy(explained map[string]string, diff string) string {
	for k, reason := range explained {
		if strings.HasPrefix(diff, k+":") || strings.HasPrefix(diff, k+" ") {
			return reason
		}
	}
	return ""
}
