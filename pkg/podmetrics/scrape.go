package podmetrics

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// acceptText asks for the Prometheus text format, which every Mimir serves.
const acceptText = "text/plain;version=0.0.4"

// Scrape fetches /metrics from pod t and returns the samples sel selects.
func Scrape(ctx context.Context, d podaccess.Doer, t podaccess.Target, sel Selector) ([]gate.Sample, error) {
	resp, err := d.Do(ctx, t, http.MethodGet, mimir.PathMetrics, http.Header{"Accept": {acceptText}}, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape pod %s: %w", t, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("scrape pod %s: %w", t, ErrNoMetricsPage)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return nil, fmt.Errorf("scrape pod %s: status %d: %s", t, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	samples, err := Parse(resp.Body, sel)
	if err != nil {
		return nil, fmt.Errorf("scrape pod %s: %w", t, err)
	}
	return samples, nil
}

// Parse reads a text exposition and returns the samples sel selects. Only
// the lines of sel's metric family are kept and parsed.
func Parse(r io.Reader, sel Selector) ([]gate.Sample, error) {
	text, err := filterFamily(r, familyNames(sel.Name))
	if err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return selectSamples(fams, sel)
}

// familyNames lists the names whose lines matter for metric name: itself,
// its parts if it is a histogram or summary, and for a _count, _sum or
// _bucket name, the family it belongs to.
func familyNames(name string) map[string]bool {
	names := map[string]bool{name: true, name + "_count": true, name + "_sum": true, name + "_bucket": true}
	for _, suf := range []string{"_count", "_sum", "_bucket"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			for _, s := range []string{"", "_count", "_sum", "_bucket"} {
				names[base+s] = true
			}
		}
	}
	return names
}

func filterFamily(r io.Reader, names map[string]bool) ([]byte, error) {
	var out bytes.Buffer
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if names[lineMetric(line)] {
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return out.Bytes(), nil
}

// lineMetric returns the metric a line is about: the third word of "# HELP"
// and "# TYPE" lines, the leading name of a sample line.
func lineMetric(line []byte) string {
	if bytes.HasPrefix(line, []byte("# HELP ")) || bytes.HasPrefix(line, []byte("# TYPE ")) {
		f := bytes.Fields(line)
		if len(f) >= 3 {
			return string(f[2])
		}
		return ""
	}
	if i := bytes.IndexAny(line, "{ "); i > 0 {
		return string(line[:i])
	}
	return ""
}

func selectSamples(fams map[string]*dto.MetricFamily, sel Selector) ([]gate.Sample, error) {
	if fam, ok := fams[sel.Name]; ok {
		switch fam.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			return nil, fmt.Errorf("%s is a histogram: select %s_count, %s_sum or %s_bucket", sel.Name, sel.Name, sel.Name, sel.Name)
		}
		return collect(fam, sel, "", nil), nil
	}
	for _, suf := range []string{"_count", "_sum", "_bucket"} {
		base, ok := strings.CutSuffix(sel.Name, suf)
		if fam, found := fams[base]; ok && found {
			return collect(fam, sel, suf, nil), nil
		}
	}
	return nil, nil
}

// collect turns a family's metrics into samples; suffix picks the part of a
// histogram or summary.
func collect(fam *dto.MetricFamily, sel Selector, suffix string, out []gate.Sample) []gate.Sample {
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		for _, v := range values(fam.GetType(), m, suffix) {
			l := labels
			if v.label != "" {
				l = withLabel(labels, v.label, v.labelValue)
			}
			if sel.Matches(l) {
				out = append(out, gate.Sample{Series: seriesName(l), Value: v.value})
			}
		}
	}
	return out
}

type value struct {
	label, labelValue string
	value             float64
}

func values(t dto.MetricType, m *dto.Metric, suffix string) []value {
	switch {
	case t == dto.MetricType_COUNTER:
		return []value{{value: m.GetCounter().GetValue()}}
	case t == dto.MetricType_GAUGE:
		return []value{{value: m.GetGauge().GetValue()}}
	case t == dto.MetricType_UNTYPED:
		return []value{{value: m.GetUntyped().GetValue()}}
	case t == dto.MetricType_SUMMARY && suffix == "":
		var out []value
		for _, q := range m.GetSummary().GetQuantile() {
			out = append(out, value{"quantile", formatFloat(q.GetQuantile()), q.GetValue()})
		}
		return out
	case t == dto.MetricType_SUMMARY && suffix == "_count":
		return []value{{value: float64(m.GetSummary().GetSampleCount())}}
	case t == dto.MetricType_SUMMARY && suffix == "_sum":
		return []value{{value: m.GetSummary().GetSampleSum()}}
	case suffix == "_count":
		return []value{{value: float64(m.GetHistogram().GetSampleCount())}}
	case suffix == "_sum":
		return []value{{value: m.GetHistogram().GetSampleSum()}}
	case suffix == "_bucket":
		var out []value
		for _, b := range m.GetHistogram().GetBucket() {
			out = append(out, value{"le", formatFloat(b.GetUpperBound()), float64(b.GetCumulativeCount())})
		}
		return out // the text format lists the +Inf bucket itself
	}
	return nil
}

func withLabel(labels map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for a, b := range labels {
		out[a] = b
	}
	out[k] = v
	return out
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// seriesName renders labels as {a="1", b="2"}, sorted by name.
func seriesName(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
