//go:build e2e

package suite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/scenario"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
)

// haPair is an HA Prometheus pair: two replicas writing the same series.
var haPair = map[string]map[string]string{
	"replica-1": {"writer": "ha", "cluster": "prom-ha", "__replica__": "replica-1"},
	"replica-2": {"writer": "ha", "cluster": "prom-ha", "__replica__": "replica-2"},
}

// TestKVStoresMoveToMemberlist runs a Mimir 3.0.5 cluster deployed from
// Grafana's jsonnet library (e2e/grafanalib) whose rings live in Consul (the
// library's memberlist_ring_enabled false) and whose HA tracker lives in etcd
// (grafanalib.KVStartLib), with both replicas of an HA pair
// writing, through three plans: the rings to memberlist, the HA tracker to
// memberlist, and a memberlist cluster label, whose run starts here and is
// finished by an in-cluster Job (deploy/job/job.yaml as the ServiceAccount
// of deploy/rbac, the suite's mimirctl as the image, --pod-access=direct,
// JSON events), as a nightly window would. Then Consul and etcd are
// stopped: the cluster must not notice, which proves the switch was real.
// Throughout, exactly one replica's samples are stored at a time and every
// stored sample can be read back.
func TestKVStoresMoveToMemberlist(t *testing.T) {
	t.Parallel() // each scenario has its own namespace; they share the cluster
	const ns = "e2e-kv"
	envRoot := envRootInCluster(t, ns)
	if envRoot == "" {
		envRoot = t.TempDir()
	}
	e := deployGrafanaEnvIn(t, envRoot, grafanalib.Mimir305, ns, "(import '"+grafanalib.KVStartLib+"')")
	// Grafana's library renders the ingester and store-gateway zones
	// OnDelete: the rollout-operator stand-in rolls them when a step changes
	// their pods.
	startRolloutController(t, ns)
	installDeployRBAC(t, ns)
	gateways(t, ns, map[string]map[string]string{scenario.GatewayWrite: scenario.Name("distributor"), scenario.GatewayRead: scenario.Name("query-frontend")})
	tr := startTraffic(t, ns, haPair)
	time.Sleep(45 * time.Second)

	common := []string{"--env", e.Dir, "--prometheus-url", harness.prometheus, "--yes", "-o", "json"}
	if r := cli(t, ns, append([]string{"apply", "ring-kv-to-memberlist", "-p", "oldStore=consul"}, common...)...); r.code != 0 {
		t.Fatalf("rings to memberlist: exit %d", r.code)
	}
	assertDone(t, ns, "ring-kv-to-memberlist")
	assertConverged(t, ns, e)
	assertRingsWhole(t, ns)

	if r := cli(t, ns, append([]string{"apply", "ha-tracker-kv-to-memberlist", "-p", "oldStore=etcd"}, common...)...); r.code != 0 {
		t.Fatalf("HA tracker to memberlist: exit %d", r.code)
	}
	assertDone(t, ns, "ha-tracker-kv-to-memberlist")
	assertConverged(t, ns, e)

	// The cluster label: a first window here, too short for the plan; the
	// rest in the cluster. No PromQL gate in this plan, so no Prometheus
	// address is recorded for the Job (the suite's is this host's loopback).
	members := len(podsWithLabel(t, ns, "gossip_ring_member=true"))
	label := []string{"apply", "memberlist-cluster-label", "-p", "label=e2e.mimir-kv", "-p", fmt.Sprintf("members=%d", members),
		"--env", e.Dir, "--yes", "-o", "json"}
	if harness.cluster == nil {
		t.Log("memberlist cluster label from this host: the in-cluster Job needs the local cluster's hostPath volumes")
		if r := cli(t, ns, label...); r.code != 0 {
			t.Fatalf("memberlist cluster label: exit %d", r.code)
		}
	} else {
		if r := cli(t, ns, append(label, "--window", "90s")...); r.code != 5 {
			t.Fatalf("memberlist cluster label, first window: exit %d, want 5 (the window ended before the plan)", r.code)
		}
		before := status(t, ns).State
		job := runJob(t, windowJob(t, ns, envRoot, []string{"resume", "--window=30m", "--pod-access=direct", "--output=json", "--namespace=" + ns}), 35*time.Minute)
		if job.exit != 0 {
			t.Fatalf("the window Job %s exited %d, want 0 (the plan finished)", job.name, job.exit)
		}
		assertJobFinishedTheRun(t, job, before)
	}
	assertDone(t, ns, "memberlist-cluster-label")
	// The Job wrote the environment's overlay where this host reads it.
	assertConverged(t, ns, e)

	// Stop the old stores: nothing may change.
	accepted := tr.Accepted()
	for _, w := range []kube.Workload{{Kind: "Deployment", Namespace: ns, Name: "consul"}, {Kind: "StatefulSet", Namespace: ns, Name: "etcd"}} {
		if _, err := kube.Scale(context.Background(), harness.clients.Kube, w, 0); err != nil {
			t.Fatalf("stop %s: %v", w, err)
		}
	}
	time.Sleep(90 * time.Second)
	if after := tr.Accepted(); after < accepted+10 {
		t.Errorf("writes stalled after Consul and etcd stopped: %d stored pushes before, %d after", accepted, after)
	}
	assertRingsWhole(t, ns)

	tr.Stop()
	report(t, tr)
	assertOneReplicaAtATime(t, tr)
	assertFewRefusals(t, tr)
	checkHANoLoss(t, tr)
}

// assertJobFinishedTheRun checks the Job's JSON events: the run the first
// window started (before, its state then) was continued, not started anew,
// from the step where it stopped, as the Job's user, to run_finished.
func assertJobFinishedTheRun(t *testing.T, job jobRun, before *plan.State) {
	t.Helper()
	if before == nil {
		t.Fatal("no run state after the first window")
	}
	var started, finished bool
	var steps []string
	for _, ev := range job.events {
		if ev.RunID != "" && ev.RunID != before.RunID {
			t.Errorf("Job event %s of run %s, want the run %s the first window started", ev.Type, ev.RunID, before.RunID)
		}
		switch ev.Type {
		case plan.EventRunStarted:
			started = true
		case plan.EventStepStarted:
			steps = append(steps, ev.Step)
		case plan.EventRunFinished:
			finished = true
		}
	}
	if !started || !finished {
		t.Errorf("Job events %s: want run_started and run_finished", eventsOf(job.events))
	}
	for _, s := range before.Steps {
		if s.Status == plan.StepDone && slices.Contains(steps, s.ID) {
			t.Errorf("the Job ran step %s again, done in the first window", s.ID)
		}
	}
	if len(steps) == 0 {
		t.Errorf("the Job ran no step: %s", eventsOf(job.events))
	}
}

func podsWithLabel(t *testing.T, ns, selector string) []string {
	t.Helper()
	list, err := harness.clients.Kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	return names
}

// assertRingsWhole checks that the ingester ring, read as `mimirctl ring
// ingester` reads it (through the library), holds members of its three zones
// (IDs ingester-zone-X...) and none LEAVING, UNHEALTHY or JOINING.
func assertRingsWhole(t *testing.T, ns string) {
	t.Helper()
	res, err := mimirctl.Ring(context.Background(), target(ns), mimirctl.RingOptions{Name: "ingester"})
	if err != nil {
		t.Fatalf("ring ingester: %v", err)
	}
	var page strings.Builder
	if err := ringcheck.Render(&page, res.Ring, ringcheck.FormatTable, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, zone := range []string{"ingester-zone-a", "ingester-zone-b", "ingester-zone-c"} {
		if !slices.ContainsFunc(res.Ring.Instances, func(in ringcheck.Instance) bool { return strings.HasPrefix(in.ID, zone) }) {
			t.Errorf("ring lacks %s:\n%s", zone, page.String())
		}
	}
	unsettled := []string{ringcheck.StateLeaving, ringcheck.StateUnhealthy, ringcheck.StateJoining}
	if slices.ContainsFunc(res.Ring.Instances, func(in ringcheck.Instance) bool { return slices.Contains(unsettled, in.State) }) {
		t.Errorf("ring not settled:\n%s", page.String())
	}
}

// assertOneReplicaAtATime checks that no timestamp was stored from both
// replicas.
func assertOneReplicaAtATime(t *testing.T, tr *scenario.Traffic) {
	t.Helper()
	// A writer may store one timestamp twice (a push delayed past its
	// interval by a slow one, then the next tick in the same interval:
	// load.Writer truncates times to it), the same sample from the same
	// replica: that is one replica.
	stored := map[int64][]string{}
	for _, w := range tr.Writers {
		r := w.Labels["__replica__"]
		for _, ts := range w.Stats().Accepted {
			if !slices.Contains(stored[ts], r) {
				stored[ts] = append(stored[ts], r)
			}
		}
	}
	var both []string
	for ts, replicas := range stored {
		if len(replicas) > 1 {
			both = append(both, time.UnixMilli(ts).UTC().Format(time.TimeOnly))
		}
	}
	sort.Strings(both)
	t.Logf("HA pair: %d timestamps stored, %d from both replicas %v; the stored replica changed at %v", len(stored), len(both), both, replicaChanges(stored))
	if len(both) > 0 {
		t.Errorf("samples of both replicas were accepted at %v", both)
	}
}

// replicaChanges lists the times (UTC) at which the replica whose samples
// were stored changed: the HA tracker's failovers, as the writers saw them.
func replicaChanges(stored map[int64][]string) []string {
	var out []string
	last := ""
	for _, ts := range slices.Sorted(maps.Keys(stored)) {
		r := strings.Join(stored[ts], "+")
		if last != "" && r != last {
			out = append(out, fmt.Sprintf("%s (%s → %s)", time.UnixMilli(ts).UTC().Format(time.TimeOnly), last, r))
		}
		last = r
	}
	return out
}

// checkHANoLoss reads back, as the deduplicated series, every timestamp one
// of the replicas had stored.
func checkHANoLoss(t *testing.T, tr *scenario.Traffic) {
	t.Helper()
	var accepted []int64
	for _, w := range tr.Writers {
		accepted = append(accepted, w.Stats().Accepted...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := tr.ReadBack(ctx, "ha", accepted)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("HA pair: %d samples stored, %d read back, %d lost", rep.Expected, rep.Found, rep.LostCount)
	if rep.LostCount > 0 {
		t.Errorf("%d samples lost: %v", rep.LostCount, rep.Lost)
	}
}
