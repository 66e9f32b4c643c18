// Package storequery holds the storeQuery gate: a query through Mimir's
// Prometheus API whose whole range is older than what queriers ask the
// ingesters for, so only the store-gateways (long-term storage) can answer
// it, and whose answer must hold samples.
//
// Mimir's querier sends a query to the ingesters when its end is within
// -querier.query-ingesters-within of now and to the store-gateways when its
// start is older than -querier.query-store-after (Mimir's querier docs,
// docs/sources/mimir/references/architecture/components/querier.md, and
// pkg/querier's ShouldQueryIngesters / ShouldQueryBlockStore). The former
// is a per-tenant limit: limits.query_ingesters_within in /config (Mimir 2.9
// still prints an unused querier.query_ingesters_within beside it, read
// only when limits has none), overridden per tenant under
// overrides.<tenant> of /runtime_config. A range that ends before
// now − max(query_store_after, query_ingesters_within, the tenant's
// override) − a margin is therefore answered by the store-gateways alone.
package storequery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Defaults of the spec.
const (
	DefaultMargin     = time.Minute
	DefaultWindow     = time.Hour
	DefaultPathPrefix = "/prometheus"
	// MaxCandidates is how many metric names found in the range are tried
	// before the gate gives up as inconclusive.
	MaxCandidates = 5
	// Points is the number of steps of the query_range over the window.
	Points = 60
)

// Spec is the storeQuery gate:
//
//	storeQuery:
//	  pods: {labels: "name=mimir-read"}   # answer /prometheus/api/v1/*
//	  queriers: {labels: "name=mimir-read"} # /config of the queriers (default: pods)
//	  tenant: anonymous
//	  query: 'up{job="x"}'                # optional; default: a metric found in the range
//	  margin: 1m                          # how much older than the settings
//	  window: 1h                          # length of the queried range
type Spec struct {
	// Pods are asked the query, each one: query-frontends, or mimir-read.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// MinPods is how many pods must be selected (default 1).
	MinPods int `yaml:"minPods,omitempty" json:"minPods,omitempty"`
	// Queriers are the pods whose /config gives query_store_after and
	// query_ingesters_within (the largest over them); default Pods. A
	// query-frontend's /config does not show its queriers' flags.
	Queriers podaccess.Selector `yaml:"queriers,omitempty" json:"queriers,omitempty"`
	// Tenant is sent as X-Scope-OrgID.
	Tenant string `yaml:"tenant" json:"tenant"`
	// Query is the PromQL expression whose range answer must hold samples.
	// Empty: the gate asks the label values of __name__ over the range and
	// queries count({__name__="NAME"}) of up to MaxCandidates of them.
	Query string `yaml:"query,omitempty" json:"query,omitempty"`
	// Margin is added to max(query_store_after, query_ingesters_within)
	// to cover clock skew between mimirctl and the queriers (default 1m).
	Margin duration.Duration `yaml:"margin,omitempty" json:"margin,omitempty"`
	// Window is the length of the queried range, which ends Margin before
	// the settings' bound (default 1h).
	Window duration.Duration `yaml:"window,omitempty" json:"window,omitempty"`
	// PathPrefix is Mimir's Prometheus API prefix (default /prometheus).
	PathPrefix string `yaml:"pathPrefix,omitempty" json:"pathPrefix,omitempty"`
}

// Validate reports a spec that cannot work, naming the field.
func (s Spec) Validate() error {
	var errs []error
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pods: %w", err))
	}
	if s.Queriers != (podaccess.Selector{}) {
		if err := s.Queriers.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("queriers: %w", err))
		}
	}
	if s.MinPods < 0 {
		errs = append(errs, fmt.Errorf("minPods: must not be negative, got %d", s.MinPods))
	}
	if strings.TrimSpace(s.Tenant) == "" {
		errs = append(errs, errors.New("tenant: missing; write the tenant (X-Scope-OrgID) whose long-term data is queried"))
	}
	if s.PathPrefix != "" && !strings.HasPrefix(s.PathPrefix, "/") {
		errs = append(errs, fmt.Errorf("pathPrefix %q must start with / (e.g. /prometheus)", s.PathPrefix))
	}
	return errors.Join(errs...)
}

func (s Spec) queriers() podaccess.Selector {
	if s.Queriers == (podaccess.Selector{}) {
		return s.Pods
	}
	return s.Queriers
}

func (s Spec) margin() time.Duration {
	if s.Margin == 0 {
		return DefaultMargin
	}
	return s.Margin.D()
}

func (s Spec) window() time.Duration {
	if s.Window == 0 {
		return DefaultWindow
	}
	return s.Window.D()
}

func (s Spec) prefix() string {
	if s.PathPrefix == "" {
		return DefaultPathPrefix
	}
	return strings.TrimRight(s.PathPrefix, "/")
}

// Describe says what the gate checks.
func (s Spec) Describe() string {
	what := "a metric found in the range"
	if s.Query != "" {
		what = s.Query
	}
	return fmt.Sprintf("storeQuery: samples of %s over %s ending %s before max(query_store_after, query_ingesters_within) of %s, through %s (tenant %s)",
		what, s.window(), s.margin(), s.queriers(), s.Pods, s.Tenant)
}

// Gate queries long-term data through every selected pod.
type Gate struct {
	spec Spec
	deps gate.Deps
	cfg  ingestershutdown.ConfigReader
}

var _ gate.Gate = (*Gate)(nil)

// New builds the gate; settings are read with mimirapi.ConfigReader.
func New(spec Spec, deps gate.Deps) (*Gate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return &Gate{spec: spec, deps: deps, cfg: mimirapi.ConfigReader{Pods: deps.Pods}}, nil
}

// Describe says what the gate checks.
func (g *Gate) Describe() string { return g.spec.Describe() }

// Bound is how old a range's end must be for the store-gateways alone to
// answer it: the largest query_store_after and query_ingesters_within over
// the queriers.
type Bound struct {
	QueryStoreAfter      ingestershutdown.ConfigValue
	QueryIngestersWithin ingestershutdown.ConfigValue
	// TenantOverride is the tenant's query_ingesters_within in the
	// runtime configuration (overrides.<tenant>), the largest over the
	// queriers; Pods is 0 when no querier overrides it.
	TenantOverride ingestershutdown.ConfigValue
}

// Duration is max(query_store_after, query_ingesters_within, the tenant's
// override). Taking the override's maximum with the default errs on the
// old side: a range older than both is answered by the store alone
// whichever applies.
func (b Bound) Duration() time.Duration {
	return max(b.QueryStoreAfter.Value, b.QueryIngestersWithin.Value, b.TenantOverride.Value)
}

func (b Bound) String() string {
	override := ""
	if b.TenantOverride.Pods > 0 {
		override = fmt.Sprintf(", the tenant's query_ingesters_within %s", b.TenantOverride)
	}
	return fmt.Sprintf("max(query_store_after %s, query_ingesters_within %s%s) = %s", b.QueryStoreAfter, b.QueryIngestersWithin, override, b.Duration())
}

// readTenantOverride reads overrides.<tenant>.query_ingesters_within from
// the runtime configuration (/runtime_config) of every pod sel selects and
// returns the largest (Pods 0: no pod overrides it). A pod without a
// runtime configuration has no override; a pod that cannot be read fails
// the read.
func readTenantOverride(ctx context.Context, d gate.Deps, sel podaccess.Selector, tenant string) (ingestershutdown.ConfigValue, error) {
	out := ingestershutdown.ConfigValue{Key: mimir.RuntimeOverrides + "." + tenant + "." + mimir.LimitQueryIngestersWithin}
	got, err := gate.FetchPods(ctx, d, sel, func(ctx context.Context, t podaccess.Target) (string, error) {
		doc, err := mimirapi.FetchRuntimeConfig(ctx, d.Pods, t)
		if errors.Is(err, mimirapi.ErrNoRuntimeConfig) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		overrides, ok := doc.Lookup(mimir.RuntimeOverrides)
		if !ok || overrides.Kind != yaml.MappingNode {
			return "", nil
		}
		for i := 0; i+1 < len(overrides.Content); i += 2 {
			if overrides.Content[i].Value != tenant {
				continue
			}
			limits := overrides.Content[i+1]
			for j := 0; j+1 < len(limits.Content); j += 2 {
				if limits.Content[j].Value == mimir.LimitQueryIngestersWithin {
					return limits.Content[j+1].Value, nil
				}
			}
		}
		return "", nil
	})
	if err != nil {
		return out, err
	}
	var problems []string
	for _, nr := range got.NotRunning {
		problems = append(problems, "pod "+nr)
	}
	for _, r := range got.Results {
		switch {
		case r.Err != nil:
			problems = append(problems, r.Err.Error())
		case r.Value == "":
		default:
			v, err := ingestershutdown.ParseDuration(r.Value)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s: %v", r.Target.Name, out.Key, err))
				continue
			}
			if out.Pods == 0 || v > out.Value {
				out.Value, out.Pod = v, r.Target.Name
			}
			out.Pods++
		}
	}
	if len(problems) > 0 {
		return out, fmt.Errorf("read %s from every pod of %s: %s", out.Key, sel, strings.Join(problems, "; "))
	}
	return out, nil
}

// ReadBound reads both settings from every pod sel selects. A pod that
// cannot be read fails the read: it could hold the largest value.
func ReadBound(ctx context.Context, p ingestershutdown.Pods, sel podaccess.Selector) (Bound, error) {
	var b Bound
	var err error
	if b.QueryStoreAfter, err = ingestershutdown.LargestDuration(ctx, p, sel, mimir.KeyQueryStoreAfter, false); err != nil {
		return b, err
	}
	b.QueryIngestersWithin, err = ingestershutdown.LargestDuration(ctx, p, sel, mimir.KeyQueryIngestersWithin, false)
	if err != nil {
		old, errOld := ingestershutdown.LargestDuration(ctx, p, sel, mimir.KeyQuerierQueryIngestersWithin, false)
		if errOld != nil {
			return b, fmt.Errorf("%w; %w", err, errOld)
		}
		b.QueryIngestersWithin = old
	}
	return b, nil
}

// Range is the queried time range.
type Range struct {
	Start, End time.Time
	Step       time.Duration
}

func (r Range) String() string {
	return fmt.Sprintf("[%s, %s]", r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339))
}

// RangeFor is the range queried at now: it ends bound + margin before now
// (rounded down to the second) and lasts window, in Points steps (at least
// one second each).
func RangeFor(now time.Time, bound, margin, window time.Duration) Range {
	end := now.Add(-bound - margin).Truncate(time.Second)
	step := max(time.Second, (window / Points).Truncate(time.Second))
	return Range{Start: end.Add(-window), End: end, Step: step}
}

// Evaluate reads the settings, then asks every selected pod. Unreadable
// settings, unreachable pods, a range without metric names and answers
// without samples are inconclusive, never a pass.
func (g *Gate) Evaluate(ctx context.Context) verdict.Observation {
	bound, err := ReadBound(ctx, ingestershutdown.Pods{Kube: g.deps.Kube, Namespace: g.deps.Namespace, Config: g.cfg}, g.spec.queriers())
	if err == nil {
		bound.TenantOverride, err = readTenantOverride(ctx, g.deps, g.spec.queriers(), g.spec.Tenant)
	}
	if err != nil {
		return verdict.Inconclusivef("cannot tell which range only the store-gateways answer: %v", err)
	}
	r := RangeFor(g.deps.Clock()(), bound.Duration(), g.spec.margin(), g.spec.window())
	older := bound.Duration() + g.spec.margin()
	sel, err := gate.FetchPods(ctx, g.deps, g.spec.Pods, func(ctx context.Context, t podaccess.Target) (verdict.Observation, error) {
		return g.judge(ctx, t, r, older), nil
	})
	if err != nil {
		return verdict.Inconclusivef("cannot select pods: %v", err)
	}
	obs := make([]gate.PodObservation, 0, sel.Total())
	var passed []string
	for _, res := range sel.Results {
		obs = append(obs, gate.PodObservation{Pod: res.Target.Name, Observation: res.Value})
		if res.Value.Verdict == verdict.Pass {
			passed = append(passed, res.Target.Name+": "+res.Value.Summary)
		}
	}
	for _, nr := range sel.NotRunning {
		name, reason, _ := strings.Cut(nr, ": ")
		obs = append(obs, gate.PodObservation{Pod: name, Observation: verdict.Inconclusivef("not running: %s", reason)})
	}
	out := gate.CombinePods(g.spec.Pods, g.spec.MinPods, fmt.Sprintf("answer samples older than %s over %s", older, r), obs)
	out.Details = append(append([]string{"settings: " + bound.String()}, passed...), out.Details...)
	return out
}

func (g *Gate) judge(ctx context.Context, t podaccess.Target, r Range, older time.Duration) verdict.Observation {
	exprs := []string{g.spec.Query}
	if g.spec.Query == "" {
		names, err := g.metricNames(ctx, t, r)
		if err != nil {
			return verdict.Inconclusivef("%v", err)
		}
		if len(names) == 0 {
			return verdict.Inconclusivef("no series older than %s for tenant %s (label values of __name__ over %s are empty): the cluster holds no long-term data yet", older, g.spec.Tenant, r)
		}
		exprs = exprs[:0]
		for _, n := range names[:min(len(names), MaxCandidates)] {
			exprs = append(exprs, fmt.Sprintf("count({__name__=%q})", n))
		}
	}
	for _, e := range exprs {
		n, err := g.samples(ctx, t, e, r)
		if err != nil {
			return verdict.Inconclusivef("%v", err)
		}
		if n > 0 {
			return verdict.Passf("%s of %s over %s", plural(n, "sample"), e, r)
		}
	}
	return verdict.Inconclusivef("no sample older than %s for tenant %s: %s over %s answered none", older, g.spec.Tenant, strings.Join(exprs, ", "), r)
}

// answer is the envelope of Prometheus API answers.
type answer struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (g *Gate) get(ctx context.Context, t podaccess.Target, path string, q url.Values) (json.RawMessage, error) {
	full := g.spec.prefix() + path + "?" + q.Encode()
	code, body, err := podaccess.Get(ctx, g.deps.Pods, t, full, http.Header{mimir.TenantHeader: {g.spec.Tenant}})
	if err != nil {
		return nil, err
	}
	var a answer
	if jerr := json.Unmarshal(body, &a); jerr != nil || code != http.StatusOK || a.Status != "success" {
		msg := a.Error
		if msg == "" {
			msg = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		return nil, fmt.Errorf("GET %s on pod %s: status %d, %q: %s", path, t, code, a.Status, msg)
	}
	return a.Data, nil
}

func (g *Gate) metricNames(ctx context.Context, t podaccess.Target, r Range) ([]string, error) {
	data, err := g.get(ctx, t, mimir.LabelValuesPath("__name__"), url.Values{"start": {unix(r.Start)}, "end": {unix(r.End)}})
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(data, &names); err != nil {
		return nil, fmt.Errorf("label values of __name__ from pod %s: %w", t, err)
	}
	return names, nil
}

// samples runs a range query and counts the points of every series.
func (g *Gate) samples(ctx context.Context, t podaccess.Target, expr string, r Range) (int, error) {
	data, err := g.get(ctx, t, mimir.PathQueryRange, url.Values{
		"query": {expr}, "start": {unix(r.Start)}, "end": {unix(r.End)}, "step": {strconv.FormatFloat(r.Step.Seconds(), 'f', -1, 64)},
	})
	if err != nil {
		return 0, err
	}
	var m struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Values     [][2]any `json:"values"`
			Histograms [][2]any `json:"histograms"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, fmt.Errorf("query_range %s on pod %s: %w", expr, t, err)
	}
	if m.ResultType != "matrix" {
		return 0, fmt.Errorf("query_range %s on pod %s: result type %q, want matrix", expr, t, m.ResultType)
	}
	n := 0
	for _, s := range m.Result {
		n += len(s.Values) + len(s.Histograms)
	}
	return n, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
