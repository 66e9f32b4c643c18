package ingestershutdown

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

type testZone struct {
	f     *fakeMimir
	fc    *fakeCluster
	zone  *Zone
	p     *fakeProgress
	clock *testkit.Clock
}

// newTestZone builds zones a (2 ingesters), b and c (1 each) and the pods
// that answer /config: W = max(1m, 2×15s, 2×20s) = 1m.
func newTestZone(t *testing.T, siblingAnnotations map[string]string) *testZone {
	t.Helper()
	return newTestZoneFor(t, "ingester-zone-a", siblingAnnotations)
}

// newTestZoneFor is newTestZone shutting down target instead of zone a.
func newTestZoneFor(t *testing.T, target string, siblingAnnotations map[string]string) *testZone {
	t.Helper()
	f := newFakeMimir(t)
	fc := &fakeCluster{Clientset: fake.NewClientset(
		testkit.StatefulSet("ingester-zone-a", testkit.Label("rollout-group", "ingester"), testkit.Replicas(2)),
		testkit.StatefulSet("ingester-zone-b", testkit.Label("rollout-group", "ingester"), testkit.Replicas(1), testkit.Annotations(siblingAnnotations)),
		testkit.StatefulSet("ingester-zone-c", testkit.Label("rollout-group", "ingester"), testkit.Replicas(1)),
	), f: f}
	fc.scaleReactor()
	fc.addIngester(t, "ingester-zone-a", "zone-a", 0, 2)
	fc.addIngester(t, "ingester-zone-a", "zone-a", 1, 1)
	fc.addIngester(t, "ingester-zone-b", "zone-b", 0, 2)
	fc.addIngester(t, "ingester-zone-c", "zone-c", 0, 2)
	for pod, kv := range map[string]map[string]string{
		"querier-0":       {mimir.KeyQueryStoreAfter: "1m0s"},
		"store-gateway-0": {mimir.KeySyncInterval: "15s", mimir.KeyIgnoreBlocksWithin: "0s"},
		"compactor-0":     {mimir.KeyCleanupInterval: "20s"},
	} {
		fc.addPod(t, pod, strings.TrimSuffix(pod, "-0"))
		f.configs[pod] = kv
	}
	tz := &testZone{f: f, fc: fc, clock: testkit.NewClock(f.now)}
	now := tz.clock.Now
	spec := &Spec{StatefulSet: target, Zone: strings.TrimPrefix(target, "ingester-"),
		RingPods: podaccess.Selector{Labels: "name in (ingester-zone-a, ingester-zone-b, ingester-zone-c)"},
		Config: ConfigPods{Querier: podaccess.Selector{Labels: "name=querier"}, StoreGateway: podaccess.Selector{Labels: "name=store-gateway"},
			Compactor: podaccess.Selector{Labels: "name=compactor"}}}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	tz.zone = New(spec, Deps{Kube: fc, Namespace: "mimir", Pods: podaccess.NewDirect(nil), Observer: fakeObserver{f: f}, Now: now})
	tz.p = newFakeProgress(now)
	tz.p.onSleep = tz.clock.Advance // the run's clock
	return tz
}

func TestAZoneShutsDownInTheDocumentedOrder(t *testing.T) {
	tz := newTestZone(t, nil)
	ctx := context.Background()
	if done, detail, err := tz.zone.Check(ctx); done || err != nil {
		t.Fatalf("check before: %v %s %v", done, detail, err)
	}
	if err := tz.zone.Apply(ctx, tz.p); err != nil {
		t.Fatalf("apply: %v", err)
	}
	want := []string{
		"ingester-zone-a-0 read-only", "ingester-zone-a-1 read-only",
		"ingester-zone-a-0 flush", "ingester-zone-a-1 flush",
		"ingester-zone-a-0 shutdown", "ingester-zone-a-1 shutdown",
		"ingester-zone-a scale 0",
	}
	if got := strings.Join(tz.f.calls, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if p, _ := tz.p.Get(keyPath); p != string(PathReadOnlyShutdown) {
		t.Errorf("path = %q", p)
	}
	stopped, _ := time.Parse(time.RFC3339, tz.p.data[keyStopped])
	if got := tz.p.waits[keyQueryable]; !got.Equal(stopped.Add(time.Minute)) {
		t.Errorf("waits until %s, want stop %s + 1m", got, stopped)
	}
	if why := tz.p.data[keyWaitWhy]; !strings.Contains(why, "query-store-after 1m0s [querier-0]") || !strings.Contains(why, "= 1m0s") {
		t.Errorf("wait explanation = %q", why)
	}
	sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(ctx, "ingester-zone-a", metav1.GetOptions{})
	if sts.Annotations[AnnotationQueryableAt] != stopped.Add(time.Minute).Format(time.RFC3339) {
		t.Errorf("annotations = %v", sts.Annotations)
	}
	if done, detail, _ := tz.zone.Check(ctx); done {
		t.Errorf("done before the wait ended: %s", detail)
	}
	tz.clock.Advance(time.Minute)
	if done, detail, err := tz.zone.Check(ctx); !done || err != nil {
		t.Errorf("not done after the wait: %s %v", detail, err)
	}
}

// TestAResumedZoneShutdownNeverRepeatsOrSkipsACall cuts the procedure at each
// record it makes and resumes it: every ingester is put read-only and shut
// down exactly once, flushed at least once, and the zone ends down with the
// same wait.
func TestAResumedZoneShutdownNeverRepeatsOrSkipsACall(t *testing.T) {
	ref := newTestZone(t, nil)
	if err := ref.zone.Apply(context.Background(), ref.p); err != nil {
		t.Fatal(err)
	}
	for cut := 1; cut <= ref.p.sets; cut++ {
		t.Run(fmt.Sprintf("cut at record %d of %d", cut, ref.p.sets), func(t *testing.T) {
			tz := newTestZone(t, nil)
			tz.p.failSetAt = cut
			if err := tz.zone.Apply(context.Background(), tz.p); !errors.Is(err, errCrash) {
				t.Fatalf("first apply: %v", err)
			}
			tz.p.failSetAt = 0
			tz.clock.Advance(10 * time.Second)
			if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
				t.Fatalf("resumed apply: %v", err)
			}
			for _, what := range []string{"read-only", "shutdown"} {
				if got := tz.f.callsTo(what); strings.Join(got, ",") != "ingester-zone-a-0,ingester-zone-a-1" {
					t.Errorf("%s calls = %v, want each pod once", what, got)
				}
			}
			// A flush is safe to repeat: one cut between the call and its
			// record flushes that pod again.
			if got := tz.f.callsTo("flush"); len(got) < 2 || len(got) > 3 {
				t.Errorf("flush calls = %v, want each pod once (one of them at most twice)", got)
			}
			if _, ok := tz.p.waits[keyQueryable]; !ok {
				t.Error("the resumed run did not wait for the blocks to be queryable")
			}
		})
	}
}

func TestAZoneShutdownRefuses(t *testing.T) {
	future := time.Date(2026, 11, 23, 12, 30, 0, 0, time.UTC).Format(time.RFC3339)
	tests := map[string]struct {
		setup func(*testZone)
		want  string
	}{
		"when an ingester of another zone is not ACTIVE": {
			setup: func(tz *testZone) { tz.f.members["ingester-zone-b-0"].state = "LEAVING" },
			want:  "ingester-zone-b-0 (zone-b): LEAVING",
		},
		"when a sibling zone's blocks are not queryable yet": {
			setup: func(*testZone) {},
			want:  "zone ingester-zone-b was shut down recently: its blocks become queryable at " + future,
		},
		"when the wait cannot be read from a live component": {
			setup: func(tz *testZone) { delete(tz.f.configs["compactor-0"], mimir.KeyCleanupInterval) },
			want:  "compactor-0: /config has no compactor.cleanup_interval",
		},
		"when the ingesters use ingest storage": {
			setup: func(tz *testZone) { tz.f.ingest = true },
			want:  "the ingesters use ingest storage, whose partitions need the partition downscale procedure",
		},
		"when an ingester of another zone is read-only": {
			setup: func(tz *testZone) { tz.f.readOnlyInRing = "ingester-zone-c-0" },
			want:  "ingester-zone-c-0 (zone-c): read-only, so it takes no writes",
		},
		"when the pods selector misses a pod of the zone": {
			setup: func(tz *testZone) { tz.zone.spec.Pods = podaccess.Selector{Names: "ingester-zone-a-0"} },
			want:  "selects 1 pods but StatefulSet ingester-zone-a has 2 replicas",
		},
		"when another zone is not fully ready": {
			setup: func(tz *testZone) {
				sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(context.Background(), "ingester-zone-c", metav1.GetOptions{})
				sts.Status.ReadyReplicas = 0
				_, _ = tz.fc.AppsV1().StatefulSets("mimir").Update(context.Background(), sts, metav1.UpdateOptions{})
			},
			want: "StatefulSet ingester-zone-c (of rollout group ingester) has 0 of 1 pods ready",
		},
		"when the zone has no rollout group and a StatefulSet serving the ring is not fully ready": {
			// The old ingesters of a move to zones: Mimir's jsonnet gives
			// their StatefulSet no rollout group.
			setup: func(tz *testZone) {
				ctx := context.Background()
				for name, ready := range map[string]int32{"ingester-zone-a": 2, "ingester-zone-c": 0} {
					sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(ctx, name, metav1.GetOptions{})
					delete(sts.Labels, kube.LabelRolloutGroup)
					sts.Status.ReadyReplicas = ready
					_, _ = tz.fc.AppsV1().StatefulSets("mimir").Update(ctx, sts, metav1.UpdateOptions{})
				}
			},
			want: "StatefulSet ingester-zone-c (its pods serve the ingester ring (ringPods)) has 0 of 1 pods ready",
		},
		"when another zone's shutdown has not recorded its wait": {
			setup: func(tz *testZone) {
				sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(context.Background(), "ingester-zone-c", metav1.GetOptions{})
				sts.Annotations = map[string]string{AnnotationQueryableAt: queryablePending}
				_, _ = tz.fc.AppsV1().StatefulSets("mimir").Update(context.Background(), sts, metav1.UpdateOptions{})
			},
			want: "zone ingester-zone-c was scaled down by a mimirctl run that has not finished waiting",
		},
		"when webhook configurations cannot be listed": {
			setup: func(tz *testZone) {
				tz.fc.PrependReactor("list", "mutatingwebhookconfigurations", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "mutatingwebhookconfigurations"}, "", errors.New("RBAC"))
				})
			},
			want: "cannot tell whether rollout-operator would refuse, undo or spread the scale-down of ingester-zone-a: no permission to list MutatingWebhookConfigurations",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var ann map[string]string
			if strings.Contains(name, "sibling") {
				ann = map[string]string{AnnotationQueryableAt: future}
			}
			tz := newTestZone(t, ann)
			tc.setup(tz)
			err := tz.zone.Apply(context.Background(), tz.p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if len(tz.f.calls) != 0 {
				t.Errorf("changed something before refusing: %v", tz.f.calls)
			}
		})
	}
}

func TestNothingStopsWhenABlockIsNotShipped(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.f.uploadBad = true
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "so nothing was stopped") || !strings.Contains(err.Error(), "1 block upload failed on ingester-zone-a-0 during the flush (counter 0 → 1") {
		t.Fatalf("err = %v", err)
	}
	if len(tz.f.callsTo("scale 0")) != 0 {
		t.Error("scaled down although blocks were not shipped")
	}
	if tz.p.data["flushed/ingester-zone-a-0"] != "retry" {
		t.Errorf("pod not marked for another flush: %v", tz.p.data)
	}
}

func TestOlderIngestersSkipReadOnlyMode(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.f.readOnly = false
	if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
		t.Fatal(err)
	}
	if len(tz.f.callsTo("read-only")) != 0 || len(tz.f.callsTo("flush")) != 2 || len(tz.f.callsTo("shutdown")) != 2 {
		t.Errorf("calls = %v", tz.f.calls)
	}
	if p := tz.p.data[keyPath]; p != string(PathShutdownOnly) {
		t.Errorf("path = %q", p)
	}
}

func TestAZoneAlreadyDownIsDone(t *testing.T) {
	past := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC).Format(time.RFC3339)
	tz := newTestZone(t, nil)
	ctx := context.Background()
	sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(ctx, "ingester-zone-a", metav1.GetOptions{})
	zero := int32(0)
	sts.Spec.Replicas = &zero
	sts.Annotations = map[string]string{AnnotationQueryableAt: past}
	_, _ = tz.fc.AppsV1().StatefulSets("mimir").Update(ctx, sts, metav1.UpdateOptions{})
	for _, pod := range []string{"ingester-zone-a-0", "ingester-zone-a-1"} {
		_ = tz.fc.CoreV1().Pods("mimir").Delete(ctx, pod, metav1.DeleteOptions{})
		tz.f.members[pod].inRing = false
	}
	done, detail, err := tz.zone.Check(ctx)
	if !done || err != nil || !strings.Contains(detail, "queryable since "+past) {
		t.Fatalf("check = %v %q %v", done, detail, err)
	}
}

func TestAShutdownThatLeavesTheIngesterRunningStopsTheZoneAndSaysWhatReadySaid(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.f.keepsRunning = map[string]bool{"ingester-zone-a-0": true}
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "ingester-zone-a-0: /ingester/shutdown did not stop its ingester (/ready still reports it running 30s after the call: 200 \"ready\")") {
		t.Fatalf("err = %v", err)
	}
	if len(tz.f.callsTo("scale 0")) != 0 {
		t.Error("scaled down although an ingester still runs")
	}
}

func TestReadyLaggingBehindAShutdownIsWaitedFor(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.f.readyLags = map[string]int{"ingester-zone-a-0": 3}
	if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
		t.Fatalf("a /ready that says \"ready\" for three polls after the 204 failed the zone: %v", err)
	}
	if got := tz.f.callsTo("shutdown"); strings.Count(strings.Join(got, ","), "ingester-zone-a-0") != 1 {
		t.Errorf("shutdown calls %v: want ingester-zone-a-0 once", got)
	}
}

func TestAPodRestartedAfterItsShutdownIsFlushedAgainBeforeTheScaleDown(t *testing.T) {
	tz := newTestZone(t, nil)
	restarted := false
	tz.p.onSet = func(k, _ string) {
		if k == keyShutDown+"ingester-zone-a-1" && !restarted { // evicted and started anew, not read-only
			restarted = true
			tz.f.mu.Lock()
			in := tz.f.members["ingester-zone-a-1"]
			in.stopped, in.inRing, in.readOnlySince, in.started, in.users = false, true, 0, in.started+600, 1
			tz.f.mu.Unlock()
		}
	}
	err := tz.zone.Apply(context.Background(), tz.p)
	if err == nil || !strings.Contains(err.Error(), "ingester-zone-a-1 restarted after mimirctl saw its blocks shipped") {
		t.Fatalf("err = %v", err)
	}
	if len(tz.f.callsTo("scale 0")) != 0 {
		t.Fatal("scaled down a restarted pod that was never flushed")
	}
	if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
		t.Fatalf("resume: %v", err)
	}
	for _, what := range []string{"read-only", "flush", "shutdown"} {
		if got := tz.f.callsTo(what); strings.Count(strings.Join(got, ","), "ingester-zone-a-1") != 2 {
			t.Errorf("%s calls %v: want ingester-zone-a-1 twice (before and after its restart)", what, got)
		}
	}
}

func TestAZoneScaledDownButNotYetWaitedForIsNotDone(t *testing.T) {
	tz := newTestZone(t, nil)
	ctx := context.Background()
	tz.fc.setReplicas(t, "ingester-zone-a", 0)
	for _, pod := range []string{"ingester-zone-a-0", "ingester-zone-a-1"} {
		_ = tz.fc.CoreV1().Pods("mimir").Delete(ctx, pod, metav1.DeleteOptions{})
		tz.f.members[pod].inRing = false
	}
	if err := tz.zone.markPending(ctx); err != nil {
		t.Fatal(err)
	}
	if done, detail, err := tz.zone.Check(ctx); done || err != nil {
		t.Fatalf("check = %v %q %v, want not done while the wait is not recorded", done, detail, err)
	}
}

func TestTheStopTimeoutCoversThePodsGracePeriod(t *testing.T) {
	z := New(&Spec{StatefulSet: "ingester-zone-a"}, Deps{})
	grace := int64(1200) // Mimir's jsonnet
	sts := testkit.StatefulSet("ingester-zone-a", testkit.Label("rollout-group", "ingester"), testkit.Replicas(1))
	if got := z.stopTimeout(sts); got != 15*time.Minute {
		t.Errorf("without a grace period: %s", got)
	}
	sts.Spec.Template.Spec.TerminationGracePeriodSeconds = &grace
	if got := z.stopTimeout(sts); got != 25*time.Minute {
		t.Errorf("with a 20m grace period: %s, want 25m", got)
	}
}

// A maintenance window that ends at any poll of a zone shutdown stops it
// there (the executor's WindowClosedError comes back unchanged), and the
// next window's run finishes it with the same end state: each ingester put
// read-only and shut down once, the zone down, the queryable wait recorded.
func TestAWindowEndingAtAnyPollOfAZoneShutdownLeavesItResumable(t *testing.T) {
	ref := newTestZone(t, nil)
	ref.fc.slowStop = 3 // each pod stops only after a few polls
	if err := ref.zone.Apply(context.Background(), ref.p); err != nil {
		t.Fatal(err)
	}
	if ref.p.sleeps == 0 {
		t.Fatal("the zone shutdown never polled through the run's clock: nothing to cut")
	}
	for cut := 1; cut <= ref.p.sleeps; cut++ {
		t.Run(fmt.Sprintf("window ends at poll %d of %d", cut, ref.p.sleeps), func(t *testing.T) {
			tz := newTestZone(t, nil)
			tz.fc.slowStop = 3
			tz.p.windowAt = cut
			var wc *plan.WindowClosedError
			if err := tz.zone.Apply(context.Background(), tz.p); !errors.As(err, &wc) {
				t.Fatalf("first window: %v, want the window to close", err)
			}
			tz.p.windowAt, tz.p.sleeps = 0, 0
			tz.clock.Advance(8 * time.Hour)
			if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
				t.Fatalf("next window: %v", err)
			}
			for _, what := range []string{"read-only", "shutdown"} {
				if got := tz.f.callsTo(what); strings.Join(got, ",") != "ingester-zone-a-0,ingester-zone-a-1" {
					t.Errorf("%s calls = %v, want each pod once", what, got)
				}
			}
			if _, ok := tz.p.waits[keyQueryable]; !ok {
				t.Error("the resumed run did not wait for the blocks to be queryable")
			}
			sts, _ := tz.fc.AppsV1().StatefulSets("mimir").Get(context.Background(), "ingester-zone-a", metav1.GetOptions{})
			if *sts.Spec.Replicas != 0 {
				t.Errorf("replicas = %d", *sts.Spec.Replicas)
			}
		})
	}
}

// TestTheZonesPodsAreTheStatefulSetsWhateverTheirLabels: Grafana's Helm
// chart names a zone's StatefulSet mimir-ingester-zone-a and labels its pods
// name=ingester-zone-a, so a default selector of name=<statefulSet> found
// none of them. The StatefulSet's pods are found by the names it gives them.
func TestTheZonesPodsAreTheStatefulSetsWhateverTheirLabels(t *testing.T) {
	tz := newTestZone(t, nil)
	ctx := context.Background()
	pods := tz.fc.CoreV1().Pods("mimir")
	for _, name := range []string{"ingester-zone-a-0", "ingester-zone-a-1"} {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Labels = map[string]string{"app.kubernetes.io/component": "ingester", "name": "zone-a-as-a-chart-labels-it"}
		if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tz.zone.Apply(ctx, tz.p); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got := strings.Join(tz.f.calls, "\n"); !strings.Contains(got, "ingester-zone-a-1 flush") || !strings.HasSuffix(got, "ingester-zone-a scale 0") {
		t.Errorf("calls:\n%s\nwant both pods flushed, then the scale-down", got)
	}
}
