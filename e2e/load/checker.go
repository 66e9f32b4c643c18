package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// Report is the result of reading back what a writer wrote.
type Report struct {
	// Expected is the number of samples acknowledged to the writer.
	Expected int
	// Found is the number of them read back with the right value.
	Found int
	// Lost lists up to 20 missing or wrong samples.
	Lost []string
	// LostCount is the number of missing or wrong samples.
	LostCount int
}

// Check reads back every acknowledged sample of writer name through the
// Prometheus API at queryBase (e.g. http://10.244.0.7:8080/prometheus) and
// reports the ones missing or wrong.
func Check(ctx context.Context, hc *http.Client, queryBase, tenant, name string, series int, interval time.Duration, accepted []int64) (Report, error) {
	rep := Report{Expected: len(accepted) * series}
	if len(accepted) == 0 {
		return rep, nil
	}
	sorted := append([]int64(nil), accepted...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	got, err := queryRange(ctx, hc, queryBase, tenant, name, sorted[0], sorted[len(sorted)-1], interval)
	if err != nil {
		return rep, err
	}
	for s := 0; s < series; s++ {
		values := got[strconv.Itoa(s)]
		for _, ts := range sorted {
			want := Value(ts, interval, s)
			v, ok := values[ts]
			if ok && v == want {
				rep.Found++
				continue
			}
			rep.LostCount++
			if len(rep.Lost) < 20 {
				what := "missing"
				if ok {
					what = fmt.Sprintf("value %v, want %v", v, want)
				}
				rep.Lost = append(rep.Lost, fmt.Sprintf("series %d at %s: %s", s, time.UnixMilli(ts).UTC().Format(time.RFC3339), what))
			}
		}
	}
	return rep, nil
}

// queryRange returns series label → timestamp (ms) → value. The raw
// samples are read with a range selector at the end time, so no lookback can
// hide a gap.
func queryRange(ctx context.Context, hc *http.Client, base, tenant, name string, from, to int64, interval time.Duration) (map[string]map[int64]float64, error) {
	window := time.Duration(to-from)*time.Millisecond + interval
	q := fmt.Sprintf(`%s{writer=%q}[%ds]`, Metric, name, int(window.Seconds())+1)
	u := fmt.Sprintf("%s/api/v1/query?query=%s&time=%s", base, url.QueryEscape(q), strconv.FormatFloat(float64(to)/1000, 'f', 3, 64))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Scope-OrgID", tenant)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("query %s: %d %s", base, resp.StatusCode, body)
	}
	var r struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode query answer: %w", err)
	}
	out := map[string]map[int64]float64{}
	for _, series := range r.Data.Result {
		m := map[int64]float64{}
		for _, pair := range series.Values {
			secs, _ := pair[0].(float64)
			s, _ := pair[1].(string)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("sample value %q: %w", s, err)
			}
			m[int64(secs*1000+0.5)] = v
		}
		out[series.Metric["series"]] = m
	}
	return out, nil
}
