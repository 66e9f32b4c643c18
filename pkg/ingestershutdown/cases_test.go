package ingestershutdown

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// The tests in this file are the cases of testdata/cases (small inputs from
// operator reports; each README says what mimirctl must do). Each failed on
// the code before its fix.

func caseFile(t *testing.T, c, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cases", c, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flatConfig reads a /config YAML fragment as dotted keys.
func flatConfig(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				walk(strings.TrimPrefix(prefix+"."+k, "."), x)
			}
			return
		}
		out[prefix] = fmt.Sprint(v)
	}
	walk("", doc)
	return out
}

func TestCase01IgnoreBlocksWithinWait(t *testing.T) {
	const c = "01-ignore-blocks-within-wait"
	tz := newTestZone(t, nil)
	var action struct {
		Spec Spec `yaml:"ingesterZoneShutdown"`
	}
	if err := yaml.Unmarshal(caseFile(t, c, "action.yaml"), &action); err != nil {
		t.Fatal(err)
	}
	if err := action.Spec.Validate(); err != nil {
		t.Fatal(err)
	}
	for pod, label := range map[string]string{"mimir-read-0": "mimir-read", "mimir-backend-zone-a-0": "mimir-backend-zone-a", "mimir-backend-zone-b-0": "mimir-backend-zone-b"} {
		tz.fc.addPod(t, pod, label)
		tz.f.configs[pod] = flatConfig(t, caseFile(t, c, pod+".config.yaml"))
	}
	// The plans now also select the rulers, which query the store with their
	// own query_store_after (mimir-backend runs the ruler in read-write mode).
	action.Spec.Config.Ruler = podaccess.Selector{Labels: "name in (ruler, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)"}
	tz.zone.spec = &action.Spec
	err := tz.zone.Apply(context.Background(), tz.p)
	if err != nil && strings.Contains(err.Error(), "ignore_blocks_within") && len(tz.f.calls) == 0 {
		return // refusing before any change is the README's other right answer
	}
	if err != nil {
		t.Fatal(err)
	}
	wait, _ := time.ParseDuration(tz.p.data[keyWait])
	if wait < 12*time.Hour {
		t.Errorf("recorded wait %s, want at least ignore_blocks_within 10h + 2×sync_interval 1h = 12h (%s)", wait, tz.p.data[keyWaitWhy])
	}
	why := tz.p.data[keyWaitWhy]
	for _, want := range []string{"ignore-blocks-within 10h0m0s", "2×sync-interval 1h0m0s [mimir-backend-zone-b-0", "query-store-after 12h0m0s"} {
		if !strings.Contains(why, want) {
			t.Errorf("the wait's explanation %q does not name %q", why, want)
		}
	}
}

func TestCase01AnUnreadablePodFailsTheWait(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.fc.addPod(t, "store-gateway-1", "store-gateway")
	tz.f.configs["store-gateway-1"] = map[string]string{mimir.KeySyncInterval: "1h"} // no ignore_blocks_within: unreadable
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "store-gateway-1: /config has no "+mimir.KeyIgnoreBlocksWithin) {
		t.Fatalf("err = %v", err)
	}
	if len(tz.f.calls) != 0 {
		t.Errorf("changed something before refusing: %v", tz.f.calls)
	}
}

// case02RequestTimeout is the client's request timeout in case 02: long
// enough that every quick request (/ready, /metrics, the ring) of the fake
// answers within it under -race on a loaded CI machine (100 ms did not,
// once; a run makes dozens of them, so 400 ms left too little), short
// enough that the slow flush outlasts it several times.
const case02RequestTimeout = time.Second

// case02Zone is the zone of case 02: ingester-zone-a-1 holds two earlier
// upload failures, and its flush or shutdown takes 5× the client's request
// timeout, during which one block upload fails (a fifth of the way in).
func case02Zone(t *testing.T) *testZone {
	tz := newTestZone(t, nil)
	tz.zone.d.Pods = podaccess.NewDirect(&http.Client{Timeout: case02RequestTimeout})
	tz.f.members["ingester-zone-a-1"].failures = 2
	tz.f.slow["ingester-zone-a-1"] = 5 * case02RequestTimeout
	tz.f.failOnce["ingester-zone-a-1"] = true
	return tz
}

const case02Want = "1 block upload failed on ingester-zone-a-1 during the flush (counter 2 → 3 since the run started)"

func TestCase02SlowShutdownCall(t *testing.T) {
	t.Parallel() // seconds of real-time slow calls, each test on its own fakes
	tz := case02Zone(t)
	var errs []error
	for run := 1; run <= 3; run++ { // apply, then the operator's two resumes
		err := tz.zone.Apply(context.Background(), tz.p)
		if err == nil {
			t.Fatalf("run %d succeeded with a block left unshipped", run)
		}
		errs = append(errs, err)
	}
	if len(tz.f.callsTo("scale 0")) != 0 {
		t.Fatal("scaled the zone down with a block left unshipped")
	}
	if !strings.Contains(errs[0].Error(), case02Want) {
		t.Fatalf("err = %v, want %q", errs[0], case02Want)
	}
	for _, err := range errs[1:] {
		if !strings.Contains(err.Error(), "ingester-zone-a-1 still holds an unshipped block") {
			t.Errorf("a resumed run says %v", err)
		}
	}
}

func TestCase02AFailureDuringAnInterruptedFlushIsNotAbsorbed(t *testing.T) {
	t.Parallel() // seconds of real-time slow calls, each test on its own fakes
	tz := case02Zone(t)
	// Ctrl-C during the flush: right after the upload failed,
	// long before the flush ends (an event, not a time: on a loaded machine
	// the run can take any time to reach the flush).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tz.f.onUploadFailure = func(string) { cancel() }
	if err := tz.zone.Apply(ctx, tz.p); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted apply: %v", err)
	}
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), case02Want) {
		t.Fatalf("resumed apply: err = %v, want %q", err, case02Want)
	}
	if len(tz.f.callsTo("shutdown"))+len(tz.f.callsTo("scale 0")) != 0 {
		t.Errorf("stopped ingesters although a block is unshipped: %v", tz.f.calls)
	}
	// Once the bucket works again, a resume flushes again and goes on.
	tz.f.mu.Lock()
	tz.f.members["ingester-zone-a-1"].unshipped = 0
	tz.f.mu.Unlock()
	if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
		t.Fatalf("resume after the repair: %v", err)
	}
}

func TestCase02APodShutDownBeforeItsBlocksWereSeenShippedIsNotScaled(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.f.members["ingester-zone-a-1"].stopped = true // e.g. an old run's /ingester/shutdown
	tz.f.members["ingester-zone-a-1"].unshipped = float64(tz.f.now.Unix())
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "never saw, while its TSDBs were open, that it shipped every block") {
		t.Fatalf("err = %v", err)
	}
	if len(tz.f.callsTo("scale 0")) != 0 {
		t.Error("scaled down")
	}
}

func TestCase02AnUploadFailedDuringTheShutdownStopsTheScaleDown(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.f.onCall = func(pod, what string) {
		if what == "shutdown" && pod == "ingester-zone-a-0" {
			tz.f.members[pod].failures++
		}
	}
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "1 block upload failed on ingester-zone-a-0 during its shutdown") {
		t.Fatalf("err = %v", err)
	}
	if err := tz.zone.Apply(context.Background(), tz.p); err == nil || len(tz.f.callsTo("scale 0")) != 0 {
		t.Fatalf("resumed without a restart: err = %v, calls %v", err, tz.f.calls)
	}
}

// case03Zone has three ingesters per zone and serves the ring pages of case
// 03 in turn: all ACTIVE until the zone is read-only, then ingester-zone-b-2
// LEAVING.
func case03Zone(t *testing.T) *testZone {
	const c = "03-unhealthy-zone-during-shutdown"
	tz := newTestZone(t, nil)
	tz.fc.addIngester(t, "ingester-zone-a", "zone-a", 2, 1)
	for _, z := range []string{"b", "c"} {
		for i := 1; i <= 2; i++ {
			tz.fc.addIngester(t, "ingester-zone-"+z, "zone-"+z, i, 1)
		}
	}
	for _, z := range []string{"a", "b", "c"} {
		tz.fc.setReplicas(t, "ingester-zone-"+z, 3)
	}
	tz.f.ringPage = caseFile(t, c, "ring-ingester-at-preflight.json")
	tz.f.onCall = func(_, what string) {
		if what == "read-only" {
			tz.f.ringPage = caseFile(t, c, "ring-ingester-before-scale-down.json")
		}
	}
	return tz
}

func TestCase03UnhealthyZoneDuringShutdown(t *testing.T) {
	const want = "ingester-zone-b-2 (zone-b): LEAVING"
	tz := case03Zone(t)
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "not stopping ingester-zone-a while another zone is degraded") ||
		!strings.Contains(err.Error(), "its ingesters are read-only and take no writes") {
		t.Fatalf("err = %v", err)
	}
	// /ingester/shutdown makes the ingesters leave the ring: it is a stop too.
	if len(tz.f.callsTo("scale 0"))+len(tz.f.callsTo("shutdown")) != 0 {
		t.Fatalf("stopped zone-a while zone-b is degraded: %v", tz.f.calls)
	}
	// On resume zone-b is still degraded (now UNHEALTHY): nothing happens.
	tz.f.ringPage = caseFile(t, "03-unhealthy-zone-during-shutdown", "ring-ingester-on-resume.json")
	calls := len(tz.f.calls)
	err = tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "ingester-zone-b-2 (zone-b)") {
		t.Fatalf("resume: err = %v", err)
	}
	if len(tz.f.calls) != calls {
		t.Fatalf("the resumed run acted although zone-b is degraded: %v", tz.f.calls[calls:])
	}
	// Once zone-b is whole again, the resumed run goes on.
	tz.f.ringPage = nil
	if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
		t.Fatalf("resume once zone-b is whole: %v", err)
	}
	if len(tz.f.callsTo("scale 0")) != 1 {
		t.Errorf("calls = %v", tz.f.calls)
	}
}

// caseObjects decodes the Kubernetes objects of a case file.
func caseObjects(t *testing.T, c, name string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(string(caseFile(t, c, name))))
	var out []map[string]any
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break
		}
		out = append(out, obj)
	}
	return out
}

// adoptStatefulSets gives the fixture's StatefulSets the labels and
// annotations of the case's StatefulSets of the same name.
func adoptStatefulSets(t *testing.T, tz *testZone, objs []map[string]any) {
	t.Helper()
	ctx := context.Background()
	for _, o := range objs {
		if o["kind"] != "StatefulSet" {
			continue
		}
		meta := o["metadata"].(map[string]any)
		sts, err := tz.fc.AppsV1().StatefulSets("mimir").Get(ctx, meta["name"].(string), metav1GetOptions)
		if err != nil {
			continue
		}
		sts.Labels, sts.Annotations = stringMap(meta["labels"]), stringMap(meta["annotations"])
		if _, err := tz.fc.AppsV1().StatefulSets("mimir").Update(ctx, sts, metav1UpdateOptions); err != nil {
			t.Fatal(err)
		}
	}
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}

func TestCase04RolloutOperatorReplicaFollowers(t *testing.T) {
	const c = "04-rollout-operator-replica-followers"
	tests := []struct {
		file, target string
		want         []string
	}{
		{"statefulsets-leader-chain.yaml", "ingester-zone-a", []string{"ingester-zone-b follows ingester-zone-a", "ingester-zone-c follows ingester-zone-b",
			"grafana.com/rollout-downscale-leader", "scale ingester-zone-b and then ingester-zone-c to 0"}},
		{"statefulsets-leader-chain.yaml", "ingester-zone-b", []string{"takes its replicas from ingester-zone-a"}},
		{"statefulsets-mirror-replicas.yaml", "ingester-zone-a", []string{"replicas come from ReplicaTemplate/ingester-zone-a", "would undo a direct scale-down"}},
		{"statefulsets-mirror-replicas.yaml", "ingester-zone-b", []string{"replicas come from ReplicaTemplate/ingester-zone-a", "takes ingesters out of read-only mode"}},
	}
	for _, tc := range tests {
		t.Run(tc.file+" "+tc.target, func(t *testing.T) {
			tz := newTestZoneFor(t, tc.target, nil)
			adoptStatefulSets(t, tz, caseObjects(t, c, tc.file))
			err := tz.zone.Apply(context.Background(), tz.p)
			if err == nil {
				t.Fatal("shut the zone down")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant %q", err, w)
				}
			}
			if len(tz.f.calls) != 0 {
				t.Errorf("changed something before refusing: %v", tz.f.calls)
			}
			change, err := tz.zone.Preview(context.Background())
			if err != nil || !strings.Contains(change.Summary, tc.want[0]) {
				t.Errorf("plan shows %q (%v), want the same explanation", change.Summary, err)
			}
		})
	}
}

func TestCase05ZoneTrackerConfigMap(t *testing.T) {
	const c = "05-zone-tracker-configmap"
	const want = "ingester-zone-a was scaled down at 2030-03-04T08:00:00Z (rollout-operator zone tracker, ConfigMap rollout-operator-zone-tracker) " +
		"and asks for 12h0m0s between zone downscales: run again after 2030-03-04T20:00:00Z"
	for _, variant := range []string{"as given", "without the label on zone-b"} {
		t.Run(variant, func(t *testing.T) {
			tz := newTestZoneFor(t, "ingester-zone-b", nil)
			tz.clock.Set(time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC))
			objs := caseObjects(t, c, "live-objects.yaml")
			adoptStatefulSets(t, tz, objs)
			if variant != "as given" {
				sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(context.Background(), "ingester-zone-b", metav1GetOptions)
				delete(sts.Labels, "grafana.com/min-time-between-zones-downscale")
				_, _ = tz.fc.AppsV1().StatefulSets("mimir").Update(context.Background(), sts, metav1UpdateOptions)
			}
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "rollout-operator-zone-tracker", Namespace: "mimir"}, Data: stringMap(objs[0]["data"])}
			if _, err := tz.fc.CoreV1().ConfigMaps("mimir").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			err := tz.zone.Apply(context.Background(), tz.p)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v\nwant %q", err, want)
			}
			if len(tz.f.calls) != 0 {
				t.Errorf("changed something before refusing: %v", tz.f.calls)
			}
			change, _ := tz.zone.Preview(context.Background())
			if !strings.Contains(change.Summary, want) {
				t.Errorf("plan shows %q", change.Summary)
			}
		})
	}
}
