package ingestershutdown

import (
	"testing"
	"time"
)

func TestQueryableWaitIsTheLargestOfItsInputs(t *testing.T) {
	v := func(d time.Duration) ConfigValue { return ConfigValue{Value: d, Pod: "p"} }
	tests := map[string]struct {
		w    QueryableWait
		want time.Duration
	}{
		"Mimir defaults: query-store-after wins":             {QueryableWait{v(12 * time.Hour), v(10 * time.Hour), v(15 * time.Minute), v(15 * time.Minute)}, 12 * time.Hour},
		"the doc's fast discovery: sync wins":                {QueryableWait{v(0), v(0), v(5 * time.Minute), v(5 * time.Minute)}, 10 * time.Minute},
		"a slow compactor cleanup wins":                      {QueryableWait{v(time.Minute), v(0), v(15 * time.Second), v(20 * time.Minute)}, 40 * time.Minute},
		"test-sized settings":                                {QueryableWait{v(time.Minute), v(0), v(15 * time.Second), v(15 * time.Second)}, time.Minute},
		"a low query-store-after: ignore-blocks-within wins": {QueryableWait{v(0), v(10 * time.Hour), v(time.Hour), v(15 * time.Minute)}, 12 * time.Hour},
		"everything zero means no wait is required":          {QueryableWait{}, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.w.Duration(); got != tc.want {
				t.Errorf("Duration() = %s, want %s (%s)", got, tc.want, tc.w)
			}
		})
	}
}

func TestParseDurationReadsGoAndPrometheusForms(t *testing.T) {
	good := map[string]time.Duration{
		"12h0m0s": 12 * time.Hour, "15m": 15 * time.Minute, "0s": 0, "0": 0, "1d": 24 * time.Hour,
		"1d12h": 36 * time.Hour, "2w": 14 * 24 * time.Hour, `"1m0s"`: time.Minute,
	}
	for in, want := range good {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "1x", "d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}
