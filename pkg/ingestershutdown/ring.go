package ingestershutdown

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
)

// ring reads the ingester ring from the first ring pod outside the zone
// that answers: the zone's own pods are going away.
func (z *Zone) ring(ctx context.Context) (*ringcheck.Ring, podaccess.Target, error) {
	res, err := podaccess.Resolve(ctx, z.d.Kube, z.d.Namespace, z.spec.RingPods)
	if err != nil {
		return nil, podaccess.Target{}, err
	}
	own := z.spec.memberRE()
	var errs []error
	for _, t := range res.Targets {
		if own.MatchString(t.Name) {
			continue
		}
		r, err := ringcheck.Fetch(ctx, z.d.Pods, t, mimir.PathIngesterRing)
		if err == nil {
			return r, t, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, podaccess.Target{}, fmt.Errorf("no pod outside %s serves the ingester ring: ringPods (%s) selects none that is running", z.spec.StatefulSet, z.spec.RingPods)
	}
	return nil, podaccess.Target{}, fmt.Errorf("read the ingester ring: %w", errors.Join(errs...))
}

// zoneMembers lists the zone's instances still in the ring (LEFT ones are gone).
func (z *Zone) zoneMembers(ctx context.Context) ([]string, *ringcheck.Ring, error) {
	r, _, err := z.ring(ctx)
	if err != nil {
		return nil, nil, err
	}
	own := z.spec.memberRE()
	var out []string
	for _, in := range r.Instances {
		if own.MatchString(in.ID) && in.State != ringcheck.StateLeft {
			out = append(out, in.ID+" ("+in.State+")")
		}
	}
	sort.Strings(out)
	return out, r, nil
}

// othersUnhealthy lists the instances outside the zone that are not ACTIVE
// and healthy, or are read-only (e.g. left so by an aborted run): shutting
// the zone down then could make writes or reads fail. It also lists the
// instances that are no pod of the namespace (ringcheck.NotPods): another
// system's members that joined the ring through memberlist own tokens, so
// the zone's series would be replicated to processes that are not Mimir
// ingesters (grafana/mimir#6187). Pods that cannot be listed are an error:
// nothing can be told. Heartbeats are aged against the ring page's own time
// (r.Now), else against now (the run's clock).
func (z *Zone) othersUnhealthy(ctx context.Context, r *ringcheck.Ring, now time.Time) ([]string, error) {
	own := z.spec.memberRE()
	if !r.Now.IsZero() {
		now = r.Now
	}
	foreign, err := ringcheck.ForeignInstances(ctx, z.d.Kube, z.d.Namespace, r)
	if err != nil {
		return nil, err
	}
	notPod := map[string]bool{}
	var bad []string
	for _, in := range foreign {
		if !own.MatchString(in.ID) {
			notPod[in.ID] = true
			bad = append(bad, ringcheck.DescribeForeign("ingester", z.d.Namespace, in))
		}
	}
	for _, in := range r.Instances {
		if own.MatchString(in.ID) || notPod[in.ID] {
			continue
		}
		switch {
		case in.State != ringcheck.StateActive || !in.Healthy(now, 0):
			bad = append(bad, in.Describe(now))
		case in.ReadOnly:
			bad = append(bad, fmt.Sprintf("%s (%s): read-only, so it takes no writes (end it with DELETE %s on the pod)", in.ID, in.Zone, mimir.PathPrepareRingDownscale))
		}
	}
	return bad, nil
}
