package promgate

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// fakeQuerier answers queries from a script, one answer per call (the last
// repeats), and records the queries.
type fakeQuerier struct {
	answers []answer
	queries []string
	times   []time.Time
}

type answer struct {
	val      model.Value
	warnings v1.Warnings
	err      error
}

func (f *fakeQuerier) Query(_ context.Context, q string, ts time.Time, _ ...v1.Option) (model.Value, v1.Warnings, error) {
	f.queries, f.times = append(f.queries, q), append(f.times, ts)
	a := f.answers[min(len(f.queries), len(f.answers))-1]
	return a.val, a.warnings, a.err
}

func vector(values ...float64) model.Vector {
	var v model.Vector
	for i, x := range values {
		v = append(v, &model.Sample{Metric: model.Metric{"pod": model.LabelValue("distributor-" + string(rune('0'+i)))}, Value: model.SampleValue(x)})
	}
	return v
}

func thr(v float64) *float64 { return &v }

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestGateEvaluate(t *testing.T) {
	zero := gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}
	tests := []struct {
		name        string
		cond        gate.Condition
		ans         answer
		want        verdict.Verdict
		wantSummary string
		wantDetail  string
	}{
		{"every series at zero passes", zero, answer{val: vector(0, 0)}, verdict.Pass, "all 2 series hold", ""},
		{"a series above zero fails naming its labels", zero, answer{val: vector(0, 2.5)}, verdict.Fail, "1 of 2", `{pod="distributor-1"}: 2.5 (want == 0)`},
		{"an unreachable server is inconclusive", zero, answer{err: errors.New("dial tcp 127.0.0.1:9: connection refused")}, verdict.Inconclusive, "connection refused", ""},
		{"an empty result is inconclusive by default", zero, answer{val: model.Vector{}}, verdict.Inconclusive, "nothing to compare", ""},
		{"an empty result passes with onEmpty: pass", gate.Condition{Op: gate.OpEQ, Threshold: thr(0), OnEmpty: gate.OutcomePass}, answer{val: model.Vector{}}, verdict.Pass, "onEmpty is pass", ""},
		{"a NaN result is inconclusive by default", zero, answer{val: vector(math.NaN())}, verdict.Inconclusive, "NaN", ""},
		{"a scalar result is compared", gate.Condition{Op: gate.OpGE, Threshold: thr(3)}, answer{val: &model.Scalar{Value: 3}}, verdict.Pass, "", ""},
		{"a range vector is inconclusive with a hint", zero, answer{val: model.Matrix{}}, verdict.Inconclusive, "wrap it in a function such as rate()", ""},
		{"server warnings are reported without changing the verdict", zero, answer{val: vector(0), warnings: v1.Warnings{"PromQL info: metric might not be a counter"}}, verdict.Pass, "", "server warning: PromQL info: metric might not be a counter"},
		{"warnings are kept when the query fails", zero, answer{err: errors.New("execution: timeout"), warnings: v1.Warnings{"partial data"}}, verdict.Inconclusive, "timeout", "server warning: partial data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeQuerier{answers: []answer{tt.ans}}
			clock := &fakeClock{t: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)}
			g, err := New(Spec{Query: "sum by (pod) (rate(x[1m]))", Condition: tt.cond}, Deps{API: q, Now: clock.now})
			if err != nil {
				t.Fatal(err)
			}
			obs := g.Evaluate(context.Background())
			if obs.Verdict != tt.want || !strings.Contains(obs.Summary, tt.wantSummary) {
				t.Fatalf("got %s, want %s with %q", obs, tt.want, tt.wantSummary)
			}
			if tt.wantDetail != "" && !strings.Contains(strings.Join(obs.Details, "\n"), tt.wantDetail) {
				t.Errorf("details %q lack %q", obs.Details, tt.wantDetail)
			}
			if !q.times[0].Equal(clock.t) {
				t.Errorf("query evaluated at %s, want the gate's clock %s", q.times[0], clock.t)
			}
		})
	}
}

func TestForRequiresTheConditionToHoldWithoutInterruption(t *testing.T) {
	q := &fakeQuerier{}
	clock := &fakeClock{t: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)}
	g, err := New(Spec{Query: "x", Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}, For: gate.Duration(5 * time.Minute)}, Deps{API: q, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		what    string
		after   time.Duration
		val     float64
		want    verdict.Verdict
		summary string
	}{
		{"the first pass starts the count", 0, 0, verdict.Inconclusive, "holds for 0s of the required 5m0s"},
		{"still holding after 3m is not enough", 3 * time.Minute, 0, verdict.Inconclusive, "holds for 3m0s"},
		{"a failure resets the count", time.Minute, 1, verdict.Fail, "do not hold"},
		{"holding again starts from zero", time.Minute, 0, verdict.Inconclusive, "holds for 0s"},
		{"4m59s is still not enough", 4*time.Minute + 59*time.Second, 0, verdict.Inconclusive, "holds for 4m59s"},
		{"5m of holding passes", time.Second, 0, verdict.Pass, "held for 5m0s"},
		{"and keeps passing", time.Minute, 0, verdict.Pass, "held for 6m0s"},
	}
	for _, s := range steps {
		clock.advance(s.after)
		q.answers = []answer{{val: vector(s.val)}}
		q.queries = nil
		obs := g.Evaluate(context.Background())
		if obs.Verdict != s.want || !strings.Contains(obs.Summary, s.summary) {
			t.Fatalf("%s: got %s, want %s with %q", s.what, obs, s.want, s.summary)
		}
	}
}

func TestForIsResetByAnInconclusiveEvaluation(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)}
	q := &fakeQuerier{answers: []answer{{val: vector(0)}}}
	g, _ := New(Spec{Query: "x", Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}, For: gate.Duration(time.Minute)}, Deps{API: q, Now: clock.now})
	g.Evaluate(context.Background())
	clock.advance(50 * time.Second)
	q.answers, q.queries = []answer{{err: errors.New("unreachable")}}, nil
	g.Evaluate(context.Background())
	clock.advance(20 * time.Second)
	q.answers, q.queries = []answer{{val: vector(0)}}, nil
	if obs := g.Evaluate(context.Background()); obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.Summary, "holds for 0s") {
		t.Fatalf("after an unreachable Prometheus the hold must restart, got %s", obs)
	}
}

func TestNewNeedsAConnection(t *testing.T) {
	_, err := New(Spec{Query: "up", Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(1)}}, Deps{})
	if err == nil || !strings.Contains(err.Error(), "--prometheus-url") {
		t.Fatalf("err = %v", err)
	}
}
