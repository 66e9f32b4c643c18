//go:build e2e

package suite

import (
	"context"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/scenario"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// migrationArgs are the parameters both read-write plans get here: every
// route is a gateway Service, so no step waits for a person.
func migrationArgs(e *scenario.Env, name string) []string {
	args := []string{"apply", name, "--env", e.Dir, "--prometheus-url", harness.prometheus, "--yes", "--force-flush", "-o", "json",
		"-p", "tenant=" + scenario.Tenant, "-p", "readService=gateway-read", "-p", "backendService=gateway-backend", "-p", "writeService=gateway-write"}
	if name == "microservices-to-read-write" {
		args = append(args, "-p", "mimirReadReplicas=1")
	} else {
		args = append(args, scenario.WayBackReplicas()...)
	}
	return args
}

// TestMigrationRoundTripLosesNoSample takes a Mimir 2.16 cluster deployed
// from Grafana's 2.16 jsonnet library (e2e/grafanalib: OnDelete zone
// StatefulSets, which the rollout-operator stand-in's controller rolls; S3
// storage; the ruler on; the HA tracker on etcd; the stand-in's
// prepare-downscale webhook and zone tracker guarding the ingester zones,
// where the API server can call this process) from microservices to
// read-write and back under continuous writes and queries. The forward run
// is killed (SIGKILL) at a random moment and resumed after a forced unlock;
// the way back runs in 4-minute maintenance windows; both runs must end
// with every step done, every acknowledged sample readable and few failed
// queries.
//
// The two directions are one test on purpose: a run of the way back on its
// own cluster beside the forward one (scenario.ReadWrite) was tried, and the
// two 2.16 clusters with the other scenarios and the conformance harness
// beside them overloaded the 2 cores so that a resumed run's start (it
// renders every remaining jsonnet change, a few seconds of CPU each) took
// most of a 4-minute window.
func TestMigrationRoundTripLosesNoSample(t *testing.T) {
	t.Parallel() // each scenario has its own namespace; they share the cluster
	const ns = "e2e-rw"
	e := deployGrafanaEnv(t, grafanalib.Mimir216, ns, scenario.LongTermData)
	gateways(t, ns, map[string]map[string]string{scenario.GatewayWrite: scenario.Name("distributor"),
		scenario.GatewayRead: scenario.Name("query-frontend"), scenario.GatewayBackend: scenario.Name("ruler")})
	// The microservice ingester zones the forward plan shuts down.
	guardZones(t, ns, "ingester-zone-a", "ingester-zone-b", "ingester-zone-c")
	tr := startTraffic(t, ns, map[string]map[string]string{"migration": nil})
	warm := time.Now()

	// The preview changes nothing: it runs while the traffic warms up.
	pre := cli(t, ns, "plan", "microservices-to-read-write", "--env", e.Dir, "--detailed-exitcode", "-p", "mimirReadReplicas=1")
	if pre.code != 2 || !strings.Contains(pre.stdout, "1-zone-awareness") {
		t.Fatalf("plan before the run: exit %d\n%s", pre.code, tail(pre.stdout, 30))
	}
	time.Sleep(45*time.Second - time.Since(warm))

	killAndResume(t, ns, e, migrationArgs(e, "microservices-to-read-write"))
	assertDone(t, ns, "microservices-to-read-write")
	assertConverged(t, ns, e)
	assertPlacedAtTheEnd(t, ns, e)
	if r := cli(t, ns, "plan", "microservices-to-read-write", "--env", e.Dir, "--detailed-exitcode", "-p", "mimirReadReplicas=1"); r.code != 0 {
		t.Errorf("plan after the run: exit %d, want 0 (nothing left)\n%s", r.code, tail(r.stdout, 30))
	}

	// The way back runs in maintenance windows too short for it.
	inWindows(t, ns, append(migrationArgs(e, "read-write-to-microservices"), "-p", "zoneShutdownMinDuration=1m"), 4*time.Minute)
	assertDone(t, ns, "read-write-to-microservices")
	assertConverged(t, ns, e)
	assertPlacedAtTheEnd(t, ns, e)
	finishTraffic(t, tr)
}

// guardZones starts the rollout-operator stand-in's rollout controller for
// ns and, where the API server can call this process, its webhooks: the
// zone StatefulSets are labelled for the prepare-downscale webhook (as in
// the zone-shutdown scenario), with their earlier downscales recorded a day
// ago in the zone tracker.
func guardZones(t *testing.T, ns string, zones ...string) {
	t.Helper()
	startRolloutController(t, ns)
	if ro := startRolloutOperator(t, ns); ro != nil {
		ro.guard(t, time.Minute, zones...)
		long := time.Now().Add(-24 * time.Hour)
		at := map[string]time.Time{}
		for _, z := range zones {
			at[z] = long
		}
		ro.setLastDownscaled(t, at)
	}
}

// finishTraffic lets the last writes settle, stops the traffic and checks
// it: no acknowledged sample lost, few refused pushes, few failed queries.
func finishTraffic(t *testing.T, tr *scenario.Traffic) {
	t.Helper()
	time.Sleep(30 * time.Second)
	tr.Stop()
	report(t, tr)
	checkNoLoss(t, tr)
	assertFewRefusals(t, tr)
	if err := tr.Queries().Check(); err != nil {
		t.Error(err)
	}
}

// inWindows runs apply with --window w, then resume with the same window
// while the run stops at a window's end (exit 5), until it is done. A window
// that ended at once (a wait or a step longer than what was left) is retried
// after a pause, as the next night's window would be.
func inWindows(t *testing.T, ns string, args []string, w time.Duration) {
	t.Helper()
	r := cli(t, ns, append(args, "--window", w.String())...)
	windows := 1
	for ; r.code == 5 && windows < 40; windows++ {
		if r.took < 20*time.Second {
			time.Sleep(30 * time.Second)
		}
		r = cli(t, ns, "resume", "--yes", "--force-flush", "-o", "json", "--window", w.String())
	}
	if r.code != 0 {
		t.Fatalf("%s in windows of %s: exit %d after %d windows", args[1], w, r.code, windows)
	}
	if windows < 2 {
		t.Errorf("%s finished in one window of %s: the windows did not cut the run", args[1], w)
	}
	t.Logf("%s finished in %d windows of %s", args[1], windows, w)
}

// killAndResume runs apply, SIGKILLs it at a random moment between 1 and 6
// minutes in, then resumes after freeing the lock the killed run left. In
// between, the plan previewed without run state must be placed where the
// killed run stands.
func killAndResume(t *testing.T, ns string, e *scenario.Env, args []string) {
	t.Helper()
	lock := killApply(t, ns, args)
	assertPlacedMidway(t, ns, e)
	r := cli(t, ns, "resume", "--yes", "--force-flush", "-o", "json", "--prometheus-url", harness.prometheus, "--force-unlock", lock, "--env", argValue(args, "--env"))
	if r.code != 0 {
		t.Fatalf("resume: exit %d", r.code)
	}
}

// killApply runs apply, SIGKILLs it at a random moment between 1 and 6
// minutes in, checks that a resume is refused while the dead run's lock is
// held, and returns that lock's ID.
func killApply(t *testing.T, ns string, args []string) string {
	t.Helper()
	after := time.Minute + time.Duration(rand.Int64N(int64(5*time.Minute)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := mimirctlCmd(ctx, ns, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("apply ended before the kill at %s: %v\n%s", after, err, tail(stderr.String(), 40))
	case <-time.After(after):
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	t.Logf("killed apply after %s:\n%s", after, tail(stderr.String(), 15))

	st := status(t, ns)
	if st.Lock == nil {
		t.Fatal("the killed run left no lock behind")
	}
	t.Logf("killed at step %s; lock %s held by %s, expires %s", currentStep(st.State), st.Lock.ID, st.Lock.Holder, st.Lock.Expires.Format(time.RFC3339))
	// Right after the kill, while the dead run's lease (60 s, renewed every
	// 20 s) has not expired: the two plan previews below can take longer
	// than what is left of it on a loaded machine, and an expired lease is
	// free to take.
	if r := cli(t, ns, "resume", "--yes"); r.code != 7 || !strings.Contains(r.stderr, st.Lock.ID) {
		t.Errorf("resume while the dead run's lock is held: exit %d, want 7 naming lock %s", r.code, st.Lock.ID)
	}
	return st.Lock.ID
}

// status reads the recorded run and the lock of namespace ns, as `mimirctl
// status -o json` shows them, through the library.
func status(t *testing.T, ns string) *mimirctl.StatusResult {
	t.Helper()
	st, err := mimirctl.Status(context.Background(), target(ns), mimirctl.StatusOptions{})
	if err != nil {
		t.Fatalf("status of %s: %v", ns, err)
	}
	return st
}

func currentStep(st *plan.State) string {
	if st == nil {
		return "(no state)"
	}
	for _, s := range st.Steps {
		if s.Status != plan.StepDone {
			return s.ID + " (" + string(s.Status) + ")"
		}
	}
	return "(all done)"
}

func assertDone(t *testing.T, ns, name string) {
	t.Helper()
	st := status(t, ns).State
	if st == nil || st.Plan != name || st.Status != plan.RunDone {
		t.Fatalf("run of %s not done: %+v", name, st)
	}
	for _, s := range st.Steps {
		if s.Status != plan.StepDone {
			t.Errorf("step %s: %s", s.ID, s.Status)
		}
		for _, g := range s.Gates {
			if !g.Passed {
				t.Errorf("step %s gate %s did not pass: %s", s.ID, g.Name, g.Observation)
			}
		}
	}
}

func argValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
