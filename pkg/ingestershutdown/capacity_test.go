package ingestershutdown

import (
	"strings"
	"testing"
)

func TestCountSaysSeriesTheWayPeopleDo(t *testing.T) {
	for v, want := range map[float64]string{7.14e6: "7.1M", 3e6: "3M", 610000: "610k", 950: "950", 2.5e9: "2.5G", 0: "0"} {
		if got := Count(v); got != want {
			t.Errorf("Count(%g) = %q, want %q", v, got, want)
		}
	}
}

func TestWriteCapacityShortfall(t *testing.T) {
	for name, tc := range map[string]struct {
		c    WriteCapacity
		want string
	}{
		"fits":                  {WriteCapacity{Zone: "zone-a", Ingesters: 3, Writers: 3, Series: 7.14e6, MaxSeries: 3e6, Zones: 3}, ""},
		"unlimited, enough":     {WriteCapacity{Zone: "zone-a", Ingesters: 3, Writers: 3, Series: 9e9, Zones: 3}, ""},
		"unlimited, too few":    {WriteCapacity{Zone: "zone-b", Replaced: "ingester-zone-b", By: "mimir-write-zone-b", Parameter: "mimirWriteReplicas", Ingesters: 3, Writers: 2, Series: 9e9, Zones: 3}, "zone-b: 2 mimir-write-zone-b pods would replace 3 of ingester-zone-b; set mimirWriteReplicas ≥ 9"},
		"series over limit":     {WriteCapacity{Zone: "zone-a", Replaced: "ingester-zone-a", By: "mimir-write-zone-a", Parameter: "mimirWriteReplicas", Ingesters: 1, Writers: 1, Series: 4e6, MaxSeries: 3e6, Zones: 3}, "zone-a: 4M series would land on 1 mimir-write-zone-a pod (limit 3M); set mimirWriteReplicas ≥ 6"},
		"nothing to replace":    {WriteCapacity{Zone: "zone-a", Ingesters: 0, Writers: 0, Series: 4e6, MaxSeries: 3e6, Zones: 3}, ""},
		"no mimir-write at all": {WriteCapacity{Zone: "zone-c", Replaced: "ingester-zone-c", By: "mimir-write-zone-c", Parameter: "mimirWriteReplicas", Ingesters: 2, Writers: 0, Series: 1e6, MaxSeries: 3e6, Zones: 3}, "zone-c: 0 mimir-write-zone-c pods would replace 2 of ingester-zone-c, and 1M series would land on 0 mimir-write-zone-c pods (limit 3M); set mimirWriteReplicas ≥ 6"},
	} {
		if got := tc.c.Shortfall(); got != tc.want {
			t.Errorf("%s: got %q, want %q", name, got, tc.want)
		}
		if tc.want == "" && strings.Contains(tc.c.String(), "NaN") {
			t.Errorf("%s: %s", name, tc.c.String())
		}
	}
}
