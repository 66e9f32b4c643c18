package gate

import (
	"math"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func f(v float64) *float64 { return &v }

func samples(kv ...any) []Sample {
	var out []Sample
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Sample{Series: kv[i].(string), Value: kv[i+1].(float64)})
	}
	return out
}

func TestConditionEvaluate(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name        string
		cond        Condition
		in          []Sample
		want        verdict.Verdict
		wantSummary string
		wantDetail  string
	}{
		{"every series at zero passes", Condition{Op: OpEQ, Threshold: f(0)}, samples(`{pod="a"}`, 0.0, `{pod="b"}`, 0.0), verdict.Pass, "all 2 series hold", ""},
		{"one series above zero fails and is named with its value", Condition{Op: OpEQ, Threshold: f(0)}, samples(`{pod="a"}`, 0.0, `{pod="b"}`, 0.25), verdict.Fail, "1 of 2 series do not hold", `{pod="b"}: 0.25 (want == 0)`},
		{"an empty result is inconclusive by default", Condition{Op: OpEQ, Threshold: f(0)}, nil, verdict.Inconclusive, "onEmpty is inconclusive", ""},
		{"an empty result passes when onEmpty says pass", Condition{Op: OpEQ, Threshold: f(0), OnEmpty: OutcomePass}, nil, verdict.Pass, "onEmpty is pass", ""},
		{"an empty result fails when onEmpty says fail", Condition{Op: OpGT, Threshold: f(0), OnEmpty: OutcomeFail}, nil, verdict.Fail, "", ""},
		{"a NaN series is inconclusive by default", Condition{Op: OpLT, Threshold: f(1)}, samples("a", 0.5, "b", nan), verdict.Inconclusive, "1 of 2 series are NaN", "b: NaN (onNaN is inconclusive)"},
		{"a NaN series fails when onNaN says fail", Condition{Op: OpLT, Threshold: f(1), OnNaN: OutcomeFail}, samples("a", 0.5, "b", nan), verdict.Fail, "", "b: NaN (want < 1)"},
		{"a NaN series holds when onNaN says pass", Condition{Op: OpLT, Threshold: f(1), OnNaN: OutcomePass}, samples("a", 0.5, "b", nan), verdict.Pass, "", ""},
		{"NaN series are dropped when onNaN says ignore", Condition{Op: OpLT, Threshold: f(1), OnNaN: OutcomeIgnore}, samples("a", 0.5, "b", nan), verdict.Pass, "all 1 series hold", ""},
		{"only NaN series with onNaN ignore is an empty result", Condition{Op: OpLT, Threshold: f(1), OnNaN: OutcomeIgnore}, samples("b", nan), verdict.Inconclusive, "nothing to compare", ""},
		{"a failing series outweighs a NaN one", Condition{Op: OpLT, Threshold: f(1)}, samples("a", 5.0, "b", nan), verdict.Fail, "", "a: 5 (want < 1)"},
		{"the sum is compared, not each series", Condition{Of: OfSum, Op: OpLE, Threshold: f(1)}, samples("a", 0.5, "b", 0.5), verdict.Pass, "sum is 1 over 2 series", ""},
		{"a sum above the threshold lists series largest first", Condition{Of: OfSum, Op: OpEQ, Threshold: f(0)}, samples("a", 0.5, "b", 3.0), verdict.Fail, "sum is 3.5", "b: 3"},
		{"a sum with NaN is inconclusive by default", Condition{Of: OfSum, Op: OpEQ, Threshold: f(0)}, samples("a", 0.0, "b", nan), verdict.Inconclusive, "sum is NaN", "b: NaN"},
		{"the count of series is compared", Condition{Of: OfCount, Op: OpGE, Threshold: f(3)}, samples("a", 1.0, "b", 1.0), verdict.Fail, "count >= 3: 2 series", "a"},
		{"!= never holds for NaN", Condition{Op: OpNE, Threshold: f(0), OnNaN: OutcomeFail}, samples("a", nan), verdict.Fail, "", ""},
		{"+Inf compares as a number", Condition{Op: OpGT, Threshold: f(1e300)}, samples("a", math.Inf(1)), verdict.Pass, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cond.Validate(); err != nil {
				t.Fatal(err)
			}
			obs := tt.cond.Evaluate(tt.in)
			if obs.Verdict != tt.want || !strings.Contains(obs.Summary, tt.wantSummary) {
				t.Fatalf("got %s, want %s with summary containing %q", obs, tt.want, tt.wantSummary)
			}
			if tt.wantDetail != "" && !strings.Contains(strings.Join(obs.Details, "\n"), tt.wantDetail) {
				t.Errorf("details %q lack %q", obs.Details, tt.wantDetail)
			}
		})
	}
}

func TestConditionValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name string
		cond Condition
		want string
	}{
		{"an operator is required", Condition{Threshold: f(0)}, "op: missing"},
		{"operators are PromQL's", Condition{Op: "=", Threshold: f(0)}, `op: unknown operator "="`},
		{"a threshold is required", Condition{Op: OpEQ}, "threshold: missing"},
		{"of must be every, sum or count", Condition{Of: "avg", Op: OpEQ, Threshold: f(0)}, `of: unknown value "avg"`},
		{"onEmpty cannot ignore", Condition{Op: OpEQ, Threshold: f(0), OnEmpty: OutcomeIgnore}, `onEmpty: unknown outcome "ignore"`},
		{"onNaN must be a known outcome", Condition{Op: OpEQ, Threshold: f(0), OnNaN: "skip"}, `onNaN: unknown outcome "skip"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cond.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLimitDetailsCountsTheRest(t *testing.T) {
	lines := make([]string, MaxDetails+5)
	got := LimitDetails(lines)
	if len(got) != MaxDetails+1 || got[MaxDetails] != "... and 5 more" {
		t.Fatalf("got %d lines ending %q", len(got), got[len(got)-1])
	}
}
