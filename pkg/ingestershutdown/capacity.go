package ingestershutdown

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// DefaultWriteZones is how many zones Mimir's read-write jsonnet spreads
// mimir_write_replicas over: each of mimir-write-zone-a, -b and -c gets
// ceil(mimir_write_replicas / 3) replicas.
const DefaultWriteZones = 3

// WriteCapacitySpec is the `writeCapacity` action: before the ingesters of a
// zone are replaced by the zone's mimir-write pods (read-write migration,
// steps 6.1 and 7.2), check that the mimir-write pods can hold what the
// zone's ingesters hold. It refuses when the zone would get fewer mimir-write
// pods than the ingesters they replace, or when the series the zone holds
// (the sum of cortex_ingester_memory_series over the zone's ingesters and
// mimir-write pods, scraped from each pod) divided by the mimir-write pods
// exceeds ingester.instance_limits.max_series (the smallest non-zero value
// over the same pods' /config; 0 everywhere is unlimited and only the replica
// comparison applies). A pod that cannot be reached, or that does not expose
// the metric or the setting, makes the check inconclusive: it refuses.
//
// See Mimir's read-write jsonnet (operations/mimir/read-write-deployment,
// ceil(mimir_write_replicas / 3) replicas per zone) and the ingester
// instance limits (-ingester.instance-limits.max-series).
type WriteCapacitySpec struct {
	// Zone is the zone, e.g. zone-a.
	Zone string `yaml:"zone" json:"zone"`
	// Ingesters is the StatefulSet whose pods are replaced (default
	// ingester-<zone>). Absent or at 0 replicas: nothing is replaced.
	Ingesters string `yaml:"ingesters,omitempty" json:"ingesters,omitempty"`
	// Writers is the mimir-write StatefulSet of the zone (default
	// mimir-write-<zone>).
	Writers string `yaml:"writers,omitempty" json:"writers,omitempty"`
	// Replicas is mimir_write_replicas, the total over the zones, as the
	// step renders it: the zone gets ceil(replicas / zones) pods. 0 reads
	// the Writers StatefulSet's replicas instead (after the write path was
	// scaled up), which must then exist.
	Replicas int `yaml:"replicas,omitempty" json:"replicas,omitempty"`
	// Zones is how many zones Replicas is spread over (default 3, as
	// Mimir's read-write jsonnet does).
	Zones int `yaml:"zones,omitempty" json:"zones,omitempty"`
	// Pods selects the zone's ring members whose series move to the
	// mimir-write pods (default: label name in (Ingesters, Writers)).
	Pods podaccess.Selector `yaml:"pods,omitempty" json:"pods,omitempty"`
	// ReplicasParameter and ReplicasKnob name, in refusals, the plan
	// parameter that sets Replicas and the _config knob that sizes Writers
	// (defaults mimirWriteReplicas and mimir_write_replicas; the way back to
	// microservices checks the ingesters with ingesterReplicas and
	// multi_zone_ingester_replicas).
	ReplicasParameter string `yaml:"replicasParameter,omitempty" json:"replicasParameter,omitempty"`
	ReplicasKnob      string `yaml:"replicasKnob,omitempty" json:"replicasKnob,omitempty"`
	// AllowShortfall lets the check pass a shortfall for operators whose
	// mimir-write pods are sized for more than the limit says. It never
	// passes silently: the action then counts as destructive (asked on a
	// terminal, or --yes) and the shortfall is reported.
	AllowShortfall bool `yaml:"allowShortfall,omitempty" json:"allowShortfall,omitempty"`
}

// Validate checks the spec.
func (s *WriteCapacitySpec) Validate() error {
	var errs []error
	if !dnsLabelRE.MatchString(s.Zone) {
		errs = append(errs, fmt.Errorf("zone %q must be a zone name such as zone-a", s.Zone))
	}
	for name, v := range map[string]string{"ingesters": s.Ingesters, "writers": s.Writers} {
		if v != "" && !dnsLabelRE.MatchString(v) {
			errs = append(errs, fmt.Errorf("%s %q must be a StatefulSet name", name, v))
		}
	}
	if s.Replicas < 0 {
		errs = append(errs, fmt.Errorf("replicas %d: want %s ≥ 1, or 0 to read StatefulSet %s", s.Replicas, s.knob(), s.writers()))
	}
	if s.Zones < 0 {
		errs = append(errs, fmt.Errorf("zones %d: want ≥ 1 (default %d)", s.Zones, DefaultWriteZones))
	}
	if s.Pods != (podaccess.Selector{}) {
		if err := s.Pods.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("pods: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Describe says what the action checks, with the per-zone arithmetic.
func (s *WriteCapacitySpec) Describe() string {
	return fmt.Sprintf("check that %s can take over from %s: %s, no fewer than the zone's ingesters, each holding the zone's series / pods under %s",
		s.writers(), s.ingesters(), s.writersArithmetic(), mimir.KeyMaxSeries)
}

// Destructive: passing a shortfall needs a person's confirmation.
func (s *WriteCapacitySpec) Destructive() bool { return s.AllowShortfall }

func (s *WriteCapacitySpec) ingesters() string {
	if s.Ingesters != "" {
		return s.Ingesters
	}
	return "ingester-" + s.Zone
}

func (s *WriteCapacitySpec) writers() string {
	if s.Writers != "" {
		return s.Writers
	}
	return "mimir-write-" + s.Zone
}

func (s *WriteCapacitySpec) parameter() string {
	if s.ReplicasParameter != "" {
		return s.ReplicasParameter
	}
	return "mimirWriteReplicas"
}

func (s *WriteCapacitySpec) knob() string {
	if s.ReplicasKnob != "" {
		return s.ReplicasKnob
	}
	return "mimir_write_replicas"
}

func (s *WriteCapacitySpec) zones() int {
	if s.Zones > 0 {
		return s.Zones
	}
	return DefaultWriteZones
}

func (s *WriteCapacitySpec) pods() podaccess.Selector {
	if s.Pods != (podaccess.Selector{}) {
		return s.Pods
	}
	return podaccess.Selector{Labels: fmt.Sprintf("name in (%s, %s)", s.ingesters(), s.writers())}
}

// planned is ceil(Replicas / zones): the zone's pods of Writers.
func (s *WriteCapacitySpec) planned() int {
	return (s.Replicas + s.zones() - 1) / s.zones()
}

func (s *WriteCapacitySpec) writersArithmetic() string {
	if s.Replicas == 0 {
		return fmt.Sprintf("the replicas of StatefulSet %s", s.writers())
	}
	return fmt.Sprintf("ceil(%s %d / %d zones) = %d %s %s", s.parameter(), s.Replicas, s.zones(), s.planned(), s.writers(), podWord(s.planned()))
}

// WriteCapacity is what a zone's new write pods (Writers, e.g.
// mimir-write-zone-a) would hold once the pods they replace (Ingesters,
// e.g. ingester-zone-a) are gone.
type WriteCapacity struct {
	Zone string `json:"zone"`
	// Replaced and By are the StatefulSets: the one whose pods go, the one
	// whose pods take over; Parameter is the plan parameter that sizes By.
	Replaced  string `json:"replaced"`
	By        string `json:"by"`
	Parameter string `json:"parameter"`
	// Ingesters is the replicas of the StatefulSet being replaced.
	Ingesters int `json:"ingesters"`
	// Writers is the zone's mimir-write pods; WritersFrom says where the
	// number comes from.
	Writers     int    `json:"writers"`
	WritersFrom string `json:"writersFrom"`
	// Series is the sum of cortex_ingester_memory_series over SeriesPods
	// pods of the zone.
	Series     float64 `json:"series"`
	SeriesPods int     `json:"seriesPods"`
	// MaxSeries is the smallest non-zero ingester.instance_limits.max_series
	// over LimitPods pods (LimitPod holds it); 0 is unlimited.
	MaxSeries int64  `json:"maxSeries"`
	LimitPod  string `json:"limitPod,omitempty"`
	LimitPods int    `json:"limitPods"`
	// Zones is how many zones Parameter is spread over.
	Zones int `json:"zones"`
}

// Needed is how many pods of By the zone needs: at least as many as the
// ingesters they replace, and enough to keep each under MaxSeries.
func (c WriteCapacity) Needed() int {
	n := c.Ingesters
	if c.MaxSeries > 0 {
		n = max(n, int(math.Ceil(c.Series/float64(c.MaxSeries))))
	}
	return n
}

// Shortfall says why the zone's pods of By cannot take its load, with
// the fix; empty when they can.
func (c WriteCapacity) Shortfall() string {
	var why []string
	if c.Ingesters > 0 && c.Writers < c.Ingesters {
		why = append(why, fmt.Sprintf("%d %s %s would replace %d of %s", c.Writers, c.By, podWord(c.Writers), c.Ingesters, c.Replaced))
	}
	if c.Ingesters > 0 && c.MaxSeries > 0 && (c.Writers == 0 || c.Series/float64(c.Writers) > float64(c.MaxSeries)) {
		why = append(why, fmt.Sprintf("%s series would land on %d %s %s (limit %s)", Count(c.Series), c.Writers, c.By, podWord(c.Writers), Count(float64(c.MaxSeries))))
	}
	if len(why) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %s; set %s ≥ %d", c.Zone, strings.Join(why, ", and "), c.Parameter, c.Needed()*c.Zones)
}

// String gives the arithmetic for people.
func (c WriteCapacity) String() string {
	limit := "unlimited"
	if c.MaxSeries > 0 {
		limit = Count(float64(c.MaxSeries)) + " [" + c.LimitPod + "]"
	}
	per := "-"
	if c.Writers > 0 {
		per = Count(c.Series / float64(c.Writers))
	}
	return fmt.Sprintf("%s: %s = %d; %d of %s now; %s series in the zone (%d pods) → %s per %s pod; %s %s",
		c.Zone, c.WritersFrom, c.Writers, c.Ingesters, c.Replaced, Count(c.Series), c.SeriesPods, per, c.By, mimir.KeyMaxSeries, limit)
}

// Count writes a number of series the way people say it: 7.1M, 610k, 950.
func Count(v float64) string {
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.div {
			return strconv.FormatFloat(math.Round(v/u.div*10)/10, 'f', -1, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
}

func podWord(n int) string {
	if n == 1 {
		return "pod"
	}
	return "pods"
}

// WriteCapacityCheck runs a WriteCapacitySpec.
type WriteCapacityCheck struct {
	spec *WriteCapacitySpec
	d    Deps
}

var (
	_ plan.Action    = (*WriteCapacityCheck)(nil)
	_ plan.Previewer = (*WriteCapacityCheck)(nil)
)

// NewWriteCapacity returns the check spec describes.
func NewWriteCapacity(spec *WriteCapacitySpec, d Deps) *WriteCapacityCheck {
	return &WriteCapacityCheck{spec: spec, d: d}
}

// Assess reads the zone's replaced pods, the pods taking over, series and limits.
// Any pod that cannot be read makes it fail: the load is then unknown.
func (w *WriteCapacityCheck) Assess(ctx context.Context) (WriteCapacity, error) {
	s := w.spec
	c := WriteCapacity{Zone: s.Zone, Zones: s.zones(), Replaced: s.ingesters(), By: s.writers(), Parameter: s.parameter()}
	ing, err := w.replicas(ctx, s.ingesters())
	if err != nil {
		return c, err
	}
	c.Ingesters = max(ing, 0)
	if s.Replicas > 0 {
		c.Writers = s.planned()
		c.WritersFrom = fmt.Sprintf("ceil(%s %d / %d zones)", s.parameter(), s.Replicas, s.zones())
	} else {
		n, err := w.replicas(ctx, s.writers())
		if err != nil {
			return c, err
		}
		if n < 0 {
			return c, fmt.Errorf("%s: StatefulSet %s does not exist, so nothing would take the series of %s; scale it up first", s.Zone, s.writers(), s.ingesters())
		}
		c.Writers = n
		c.WritersFrom = "replicas of StatefulSet " + s.writers()
	}
	if c.Ingesters == 0 {
		return c, nil // nothing left to replace in this zone
	}
	if err := w.series(ctx, &c); err != nil {
		return c, fmt.Errorf("%s: cannot tell the series the zone holds, so the capacity of %s is unknown: %w", s.Zone, s.writers(), err)
	}
	if err := w.limit(ctx, &c); err != nil {
		return c, fmt.Errorf("%s: cannot tell the per-pod series limit, so the capacity of %s is unknown: %w", s.Zone, s.writers(), err)
	}
	return c, nil
}

// replicas returns a StatefulSet's replicas, -1 when it does not exist.
func (w *WriteCapacityCheck) replicas(ctx context.Context, name string) (int, error) {
	z := &Zone{spec: &Spec{StatefulSet: name}, d: w.d}
	sts, err := z.statefulSet(ctx)
	if err != nil || sts == nil {
		return -1, err
	}
	return int(ptrOr(sts.Spec.Replicas, 1)), nil
}

// series sums cortex_ingester_memory_series over the zone's pods, which
// must include every replica of the ingester StatefulSet.
func (w *WriteCapacityCheck) series(ctx context.Context, c *WriteCapacity) error {
	sel := w.spec.pods()
	res, err := podaccess.Resolve(ctx, w.d.Kube, w.d.Namespace, sel)
	if err != nil {
		return err
	}
	var problems []string
	for _, nr := range res.NotReady {
		problems = append(problems, "pod "+nr)
	}
	ingRE := regexp.MustCompile("^" + regexp.QuoteMeta(w.spec.ingesters()) + `-[0-9]+$`)
	ingesters := 0
	for _, t := range res.Targets {
		m, err := w.d.Observer.Metrics(ctx, t, mimir.MetricMemorySeries)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		v, ok := m[mimir.MetricMemorySeries]
		if !ok {
			problems = append(problems, fmt.Sprintf("pod %s does not expose %s", t.Name, mimir.MetricMemorySeries))
			continue
		}
		c.Series += v
		c.SeriesPods++
		if ingRE.MatchString(t.Name) {
			ingesters++
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	if ingesters != c.Ingesters {
		return fmt.Errorf("%s selects %d running pods of %s, which has %d replicas; wait for the pods, or set the check's pods selector", sel, ingesters, w.spec.ingesters(), c.Ingesters)
	}
	return nil
}

// limit reads ingester.instance_limits.max_series from the same pods and
// keeps the smallest non-zero value (the pods that will hold the series are
// configured like the ingesters they replace, or are those ingesters'
// successors; the strictest one counts).
func (w *WriteCapacityCheck) limit(ctx context.Context, c *WriteCapacity) error {
	n, err := readEvery(ctx, Pods{Kube: w.d.Kube, Namespace: w.d.Namespace, Config: w.d.Observer}, w.spec.pods(), mimir.KeyMaxSeries, func(t podaccess.Target, raw string) error {
		v, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(raw), `"'`), 10, 64)
		if err != nil || v < 0 {
			return fmt.Errorf("%q is not a number of series", raw)
		}
		if v > 0 && (c.MaxSeries == 0 || v < c.MaxSeries) {
			c.MaxSeries, c.LimitPod = v, t.Name
		}
		return nil
	})
	c.LimitPods = n
	return err
}

// Check is done when the zone's pods of Writers can take its load (or
// nothing is left to replace); the detail gives the arithmetic. A shortfall
// is not done: Apply refuses it, or passes it when allowed and confirmed.
func (w *WriteCapacityCheck) Check(ctx context.Context) (bool, string, error) {
	c, err := w.Assess(ctx)
	if err != nil {
		return false, "", err
	}
	if c.Ingesters == 0 {
		return true, fmt.Sprintf("%s: StatefulSet %s has no replicas (or does not exist): nothing left to replace", c.Zone, w.spec.ingesters()), nil
	}
	if short := c.Shortfall(); short != "" {
		return false, c.String() + "; " + short, nil
	}
	return true, c.String(), nil
}

// Apply refuses a shortfall, naming the fix, unless the spec allows it; the
// executor has then asked for confirmation (the action is destructive), and
// the shortfall is reported.
func (w *WriteCapacityCheck) Apply(ctx context.Context, p plan.Progress) error {
	c, err := w.Assess(ctx)
	if err != nil {
		return err
	}
	short := c.Shortfall()
	switch {
	case c.Ingesters == 0 || short == "":
		p.Report(c.String())
		return nil
	case w.spec.AllowShortfall:
		p.Report(fmt.Sprintf("%s — passed because allowShortfall is set and confirmed: each %s pod must hold %s series", short, c.By, Count(c.Series/float64(max(c.Writers, 1)))))
		return nil
	}
	return fmt.Errorf("%s (%s). %s If each %s pod is sized for more, set the check's allowShortfall (built-in plans: -p allowWriteCapacityShortfall=true) and confirm",
		short, c.String(), w.fix(c), c.By)
}

// fix says how to get the pods of Writers the zone needs.
func (w *WriteCapacityCheck) fix(c WriteCapacity) string {
	total := c.Needed() * c.Zones
	if w.spec.Replicas > 0 {
		return fmt.Sprintf("Rerun with -p %s=%d (with --allow-plan-change to continue a run under way).", w.spec.parameter(), total)
	}
	return fmt.Sprintf("StatefulSet %s runs %d %s as deployed: raise %s to %d in the environment (mimirctl.libsonnet holds the value the plan set), apply it, "+
		"wait until the %d pods of %s are ACTIVE in the ingester ring, then resume.", w.spec.writers(), c.Writers, podWord(c.Writers), w.spec.knob(), total, c.Needed(), w.spec.writers())
}

// Preview shows the per-zone arithmetic next to the zone's ingesters.
func (w *WriteCapacityCheck) Preview(ctx context.Context) (plan.Change, error) {
	c, err := w.Assess(ctx)
	if err != nil {
		return plan.Change{Summary: "would refuse: " + err.Error(), Diff: w.spec.writersArithmetic()}, nil
	}
	ch := plan.Change{Summary: c.String(), Diff: c.String(), Data: c}
	if short := c.Shortfall(); short != "" {
		verb := "would refuse: "
		if w.spec.AllowShortfall {
			verb = "shortfall allowed (asks for confirmation): "
		}
		ch.Summary = verb + short
		ch.Warnings = []string{short}
	}
	return ch, nil
}
