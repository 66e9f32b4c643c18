package ingestershutdown

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Path is how a zone's ingesters are flushed.
type Path string

const (
	// PathReadOnlyShutdown: read-only mode, then /ingester/shutdown (2.14+).
	PathReadOnlyShutdown Path = "read-only, then /ingester/shutdown"
	// PathShutdown: /ingester/shutdown only (before 2.14, or readOnly: never).
	PathShutdownOnly Path = "/ingester/shutdown (no read-only mode before Mimir 2.14)"
	// PathFlushThenScale: rollout-operator's prepare-downscale webhook needs
	// running ingesters during the scale-down, so /ingester/flush is used.
	PathFlushThenScale Path = "read-only where supported, /ingester/flush, then scale-down through rollout-operator's prepare-downscale webhook"
)

// Progress keys.
const (
	keyPath      = "path"
	keyReadOnly  = "read-only-supported"
	keyWait      = "wait"
	keyWaitWhy   = "wait-explained"
	keyScaled    = "scaled"
	keyStopped   = "stopped"
	keyQueryable = "queryable-at"
)

// Zone is the shutdown of one ingester zone, as a plan action.
type Zone struct {
	spec *Spec
	d    Deps
}

var (
	_ plan.Action    = (*Zone)(nil)
	_ plan.Previewer = (*Zone)(nil)
)

// New returns the shutdown of the zone spec describes.
func New(spec *Spec, d Deps) *Zone { return &Zone{spec: spec, d: d} }

func (z *Zone) statefulSet(ctx context.Context) (*appsv1.StatefulSet, error) {
	sts, err := z.d.Kube.AppsV1().StatefulSets(z.d.Namespace).Get(ctx, z.spec.StatefulSet, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read StatefulSet %s/%s: %w", z.d.Namespace, z.spec.StatefulSet, err)
	}
	return sts, nil
}

// Check reports the zone done when its StatefulSet has no replicas and no
// pods, its instances left the ring, and the recorded moment its blocks
// become queryable has passed.
func (z *Zone) Check(ctx context.Context) (bool, string, error) {
	sts, err := z.statefulSet(ctx)
	if err != nil {
		return false, "", err
	}
	if sts == nil {
		return true, fmt.Sprintf("StatefulSet %s does not exist", z.spec.StatefulSet), nil
	}
	res, err := podaccess.Resolve(ctx, z.d.Kube, z.d.Namespace, z.spec.pods())
	if err != nil {
		return false, "", err
	}
	running := len(res.Targets) + len(res.NotReady)
	if replicas := ptrOr(sts.Spec.Replicas, 1); replicas > 0 || running > 0 {
		return false, fmt.Sprintf("%s has %d replicas and %d pods", z.spec.StatefulSet, replicas, running), nil
	}
	members, _, err := z.zoneMembers(ctx)
	if err != nil {
		return false, "", err
	}
	if len(members) > 0 {
		return false, fmt.Sprintf("%s has no pods but the ring still lists %s", z.spec.StatefulSet, strings.Join(members, ", ")), nil
	}
	at, ok := sts.Annotations[AnnotationQueryableAt]
	if !ok {
		return true, fmt.Sprintf("%s has no replicas (no record of when it was shut down)", z.spec.StatefulSet), nil
	}
	if at == queryablePending {
		return false, fmt.Sprintf("%s was scaled down by a run that has not recorded when its blocks become queryable", z.spec.StatefulSet), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return false, "", fmt.Errorf("StatefulSet %s: annotation %s=%q is not an RFC 3339 time", z.spec.StatefulSet, AnnotationQueryableAt, at)
	}
	if now := z.d.now(); now.Before(t) {
		return false, fmt.Sprintf("%s is down; its blocks are queryable from %s (in %s)", z.spec.StatefulSet, at, t.Sub(now).Round(time.Second)), nil
	}
	return true, fmt.Sprintf("%s is down and its blocks queryable since %s", z.spec.StatefulSet, at), nil
}

// Apply runs the procedure from wherever the recorded progress says it is.
func (z *Zone) Apply(ctx context.Context, p plan.Progress) error {
	if _, scaled := p.Get(keyScaled); !scaled {
		if err := z.beforeScale(ctx, p); err != nil {
			return err
		}
	}
	if _, stopped := p.Get(keyStopped); !stopped {
		if err := z.waitStopped(ctx, p); err != nil {
			return err
		}
		if err := p.Set(ctx, keyStopped, p.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return z.waitQueryable(ctx, p)
}

// beforeScale is everything up to and including the scale-down. Each run,
// first or resumed, checks the other zones and rollout-operator before it
// changes anything, again before the ingesters stop (they leave the ring),
// and right before the scale-down.
func (z *Zone) beforeScale(ctx context.Context, p plan.Progress) error {
	sts, err := z.statefulSet(ctx)
	if err != nil {
		return err
	}
	if sts == nil {
		return fmt.Errorf("StatefulSet %s/%s does not exist", z.d.Namespace, z.spec.StatefulSet)
	}
	targets, err := z.zonePods(ctx, sts)
	if err != nil {
		return err
	}
	if _, ok := p.Get(keyPath); !ok {
		if err := z.preflight(ctx, p, sts, targets); err != nil {
			return err
		}
	} else if err := z.checkBeforeStop(ctx, p, sts, targets, momentResume); err != nil {
		return err
	}
	path, _ := p.Get(keyPath)
	p.Report(fmt.Sprintf("zone %s: %s; %d pods", z.spec.StatefulSet, path, len(targets)))
	if err := z.readOnly(ctx, p, targets); err != nil {
		return err
	}
	if err := z.flush(ctx, p, targets); err != nil {
		return err
	}
	if err := z.confirmShipped(ctx, p, targets); err != nil {
		return err
	}
	if Path(path) != PathFlushThenScale {
		// /ingester/shutdown makes the ingesters leave the ring: a stop too.
		if err := z.checkBeforeStop(ctx, p, sts, targets, momentScale); err != nil {
			return err
		}
		if err := z.shutdown(ctx, p, targets); err != nil {
			return err
		}
	}
	if err := z.verifyStillCovered(ctx, p, targets, Path(path)); err != nil {
		return err
	}
	if err := z.checkBeforeStop(ctx, p, sts, targets, momentScale); err != nil {
		return err
	}
	if err := z.markPending(ctx); err != nil {
		return err
	}
	if err := z.scaleDown(ctx); err != nil {
		return err
	}
	return p.Set(ctx, keyScaled, p.Now().UTC().Format(time.RFC3339))
}

// checkBeforeStop is what must still hold before the zone's ingesters leave:
// the other zones whole and rollout-operator neither refusing nor undoing.
func (z *Zone) checkBeforeStop(ctx context.Context, p plan.Progress, sts *appsv1.StatefulSet, targets []podaccess.Target, moment string) error {
	if err := z.checkOthersHealthy(ctx, p, targets, moment); err != nil {
		return err
	}
	if _, err := z.checkRolloutOperator(ctx, sts, p.Now()); err != nil {
		return fmt.Errorf("%w; %s", err, zoneState(p, targets))
	}
	return nil
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
