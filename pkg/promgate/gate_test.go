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

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// fakeQuerier answers queries from a script, one answer per call (the last
// repeats), and records the queries.
type fakeQuerier struct {
	answers []answer
	queries []string
	times   []time.Time
	// rangeAnswer is the answer of every range query; ranges records them.
	rangeAnswer answer
	ranges      []v1.Range
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

// QueryRange answers with rangeAnswer (a fake: the matrix is built by the
// test) and records the range.
func (f *fakeQuerier) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, error) {
	f.queries, f.ranges = append(f.queries, q), append(f.ranges, r)
	return f.rangeAnswer.val, f.rangeAnswer.warnings, f.rangeAnswer.err
}

func vector(values ...float64) model.Vector {
	var v model.Vector
	for i, x := range values {
		v = append(v, &model.Sample{Metric: model.Metric{"pod": model.LabelValue("distributor-" + string(rune('0'+i)))}, Value: model.SampleValue(x)})
	}
	return v
}

func thr(v float64) *float64 { return &v }

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
			clock := testkit.NewClock(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
			g, err := New(Spec{Query: "sum by (pod) (rate(x[1m]))", Condition: tt.cond}, Deps{API: q, Now: clock.Now})
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
			if !q.times[0].Equal(clock.Now()) {
				t.Errorf("query evaluated at %s, want the gate's clock %s", q.times[0], clock.Now())
			}
		})
	}
}

func TestForRequiresTheConditionToHoldWithoutInterruption(t *testing.T) {
	q := &fakeQuerier{}
	clock := testkit.NewClock(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
	g, err := New(Spec{Query: "x", Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}, For: duration.Duration(5 * time.Minute)}, Deps{API: q, Now: clock.Now})
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
		clock.Advance(s.after)
		q.answers = []answer{{val: vector(s.val)}}
		q.queries = nil
		obs := g.Evaluate(context.Background())
		if obs.Verdict != s.want || !strings.Contains(obs.Summary, s.summary) {
			t.Fatalf("%s: got %s, want %s with %q", s.what, obs, s.want, s.summary)
		}
	}
}

func TestForIsResetByAnInconclusiveEvaluation(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
	q := &fakeQuerier{answers: []answer{{val: vector(0)}}}
	g, _ := New(Spec{Query: "x", Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}, For: duration.Duration(time.Minute)}, Deps{API: q, Now: clock.Now})
	g.Evaluate(context.Background())
	clock.Advance(50 * time.Second)
	q.answers, q.queries = []answer{{err: errors.New("unreachable")}}, nil
	g.Evaluate(context.Background())
	clock.Advance(20 * time.Second)
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

// matrix returns one series with a point every step from start, valued
// values[i].
func matrix(start time.Time, step time.Duration, values ...float64) model.Matrix {
	s := &model.SampleStream{Metric: model.Metric{"pod": "distributor-0"}}
	for i, v := range values {
		s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(start.Add(time.Duration(i) * step).UnixNano()), Value: model.SampleValue(v)})
	}
	return model.Matrix{s}
}

// A resumed run's gate continues a recorded hold only on Prometheus's
// evidence that the condition held through the stop: a range query over
// the gap, every point judged by the gate's condition.
func TestContinueHoldChecksTheStopWithARangeQuery(t *testing.T) {
	since := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	seen := since.Add(4 * time.Minute)
	now := seen.Add(time.Minute)
	spec := Spec{Query: "x", Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}, For: duration.Duration(10 * time.Minute)}
	tests := []struct {
		name      string
		ans       answer
		wantSince time.Time
		says      string
	}{
		{"held at every point", answer{val: matrix(seen, 15*time.Second, 0, 0, 0, 0, 0)}, since, "continues"},
		{"broken, then held again", answer{val: matrix(seen, 15*time.Second, 0, 1, 0, 0, 0)}, seen.Add(30 * time.Second), "did not hold at 2026-11-23T14:04:15Z"},
		{"broken at the end", answer{val: matrix(seen, 15*time.Second, 0, 0, 0, 0, 1)}, time.Time{}, "did not hold"},
		{"points missing", answer{val: matrix(seen, 15*time.Second, 0, 0)}, time.Time{}, "did not hold at 2026-11-23T14:05:00Z"},
		{"no data", answer{val: model.Matrix{}}, time.Time{}, "no data"},
		{"unreachable", answer{err: errors.New("connection refused")}, time.Time{}, "cannot be checked"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := &fakeQuerier{rangeAnswer: tc.ans}
			g, err := New(spec, Deps{API: q, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			msg := g.ContinueHold(context.Background(), since, seen)
			if got := g.HoldSince(); !got.Equal(tc.wantSince) || !strings.Contains(msg, tc.says) {
				t.Errorf("hold since %s (%q), want %s with %q", got, msg, tc.wantSince, tc.says)
			}
			if len(q.ranges) != 1 || !q.ranges[0].Start.Equal(seen) || !q.ranges[0].End.Equal(now) || q.ranges[0].Step != 15*time.Second {
				t.Errorf("range queries %+v", q.ranges)
			}
		})
	}
	// A continued hold passes once the whole "for" has elapsed since it began.
	q := &fakeQuerier{rangeAnswer: answer{val: matrix(seen, 15*time.Second, 0, 0, 0, 0, 0)}, answers: []answer{{val: vector(0)}}}
	clock := testkit.NewClock(now)
	g, _ := New(spec, Deps{API: q, Now: clock.Now})
	g.ContinueHold(context.Background(), since, seen)
	if obs := g.Evaluate(context.Background()); obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.Summary, "holds for 5m0s") {
		t.Fatalf("after the resume: %s", obs)
	}
	clock.Advance(5 * time.Minute)
	if obs := g.Evaluate(context.Background()); obs.Verdict != verdict.Pass {
		t.Fatalf("10m after the hold began: %s", obs)
	}
}

// One Prometheus often scrapes several Mimir clusters: $namespace in a
// query becomes the run's namespace, so a gate counts its own cluster only.
func TestTheNamespaceVariableSelectsTheRunsNamespace(t *testing.T) {
	q := &fakeQuerier{answers: []answer{{val: vector(0)}}}
	spec := Spec{Query: `sum(rate(cortex_query_frontend_queries_total{namespace="$namespace"}[1m])) or sum(up{namespace="$namespace"}) * 0`,
		Condition: gate.Condition{Op: gate.OpEQ, Threshold: thr(0)}}
	g, err := New(spec, Deps{API: q, Namespace: "mimir-prod"})
	if err != nil {
		t.Fatal(err)
	}
	g.Evaluate(context.Background())
	want := `sum(rate(cortex_query_frontend_queries_total{namespace="mimir-prod"}[1m])) or sum(up{namespace="mimir-prod"}) * 0`
	if len(q.queries) != 1 || q.queries[0] != want {
		t.Errorf("queries sent: %q, want %q", q.queries, want)
	}
	if _, err := New(spec, Deps{API: q}); err == nil || !strings.Contains(err.Error(), "$namespace") {
		t.Errorf("a query using $namespace without a namespace: %v, want a refusal naming the variable", err)
	}
}
