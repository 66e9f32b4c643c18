package scenario

import (
	"strings"
	"testing"
)

func TestQueryStatsCheckHoldsTheScenariosTolerance(t *testing.T) {
	for _, c := range []struct {
		q    QueryStats
		fail bool
	}{
		{QueryStats{Queries: 568, Failed: 1, MaxFailedInARow: 1}, false},
		{QueryStats{Queries: 100, Failed: 5, MaxFailedInARow: 3}, false},
		{QueryStats{Queries: 100, Failed: 6, MaxFailedInARow: 1}, true},  // over 5%
		{QueryStats{Queries: 1000, Failed: 4, MaxFailedInARow: 4}, true}, // 4 in a row
		{QueryStats{Queries: 0}, false},
	} {
		err := c.q.Check()
		if (err != nil) != c.fail {
			t.Errorf("%+v: Check() = %v, want failure %v", c.q, err, c.fail)
		}
		if err != nil && !strings.Contains(err.Error(), "tolerance: 5%, 3 in a row") {
			t.Errorf("%+v: %v does not state the tolerance", c.q, err)
		}
	}
}

func TestCheckRefusalsAllowsTwoPercent(t *testing.T) {
	if err := CheckRefusals(571, 0, nil); err != nil {
		t.Error(err)
	}
	if err := CheckRefusals(100, 2, nil); err != nil {
		t.Errorf("2 of 100: %v, want within the tolerance", err)
	}
	err := CheckRefusals(100, 3, []string{"20:44:59: 503"})
	if err == nil || !strings.Contains(err.Error(), "3 of 100 pushes refused (tolerance: 2%)") || !strings.Contains(err.Error(), "20:44:59: 503") {
		t.Errorf("3 of 100: %v, want the counts, the tolerance and the latest refusal", err)
	}
}
