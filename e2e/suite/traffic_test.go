//go:build e2e

package suite

import (
	"context"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/scenario"
)

// startTraffic starts writers and the query loop, stopped when the test ends.
func startTraffic(t *testing.T, ns string, writers map[string]map[string]string) *scenario.Traffic {
	t.Helper()
	tr, err := scenario.StartTraffic(harness.clients, ns, writers)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Stop)
	return tr
}

// report logs what the traffic saw.
func report(t *testing.T, tr *scenario.Traffic) {
	for _, w := range tr.Writers {
		st := w.Stats()
		t.Logf("writer %s: %d pushes, %d stored, %d deduplicated, %d refused %v", w.Name, st.Pushes, len(st.Accepted), len(st.Deduplicated), st.Refused, st.LastErrors)
	}
	q := tr.Queries()
	t.Logf("queries: %d, %d failed (at most %d in a row) %s", q.Queries, q.Failed, q.MaxFailedInARow, q.LastError)
	if len(q.FailedAt) > 0 {
		t.Logf("queries failed at (UTC) %s", q.FailedTimes())
	}
}

// assertFewRefusals checks that refused pushes stayed within the tolerance
// (scenario.CheckRefusals). A route to pods that do not take writes fails it.
func assertFewRefusals(t *testing.T, tr *scenario.Traffic) {
	t.Helper()
	pushes, refused := 0, 0
	var last []string
	for _, w := range tr.Writers {
		st := w.Stats()
		pushes += st.Pushes
		refused += st.Refused
		last = append(last, st.LastErrors...)
	}
	t.Logf("%d of %d pushes refused", refused, pushes)
	if err := scenario.CheckRefusals(pushes, refused, last); err != nil {
		t.Error(err)
	}
}

// checkNoLoss reads back every sample each writer stored.
func checkNoLoss(t *testing.T, tr *scenario.Traffic) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, w := range tr.Writers {
		rep, err := tr.ReadBack(ctx, w.Name, w.Stats().Accepted)
		if err != nil {
			t.Fatalf("read back writer %s: %v", w.Name, err)
		}
		t.Logf("writer %s: %d samples stored, %d read back, %d lost", w.Name, rep.Expected, rep.Found, rep.LostCount)
		if rep.LostCount > 0 {
			t.Errorf("writer %s lost %d samples: %v", w.Name, rep.LostCount, rep.Lost)
		}
	}
}
