package ingestershutdown

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

func (z *Zone) scaleDown(ctx context.Context) error {
	w := kube.Workload{Kind: "StatefulSet", Namespace: z.d.Namespace, Name: z.spec.StatefulSet}
	if _, err := kube.Scale(ctx, z.d.Kube, w, 0); err != nil {
		return err
	}
	return nil
}

// markPending records on the StatefulSet, before the scale-down, that its
// blocks' queryable time is not known yet (see queryablePending).
func (z *Zone) markPending(ctx context.Context) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{AnnotationQueryableAt: queryablePending}}})
	if err != nil {
		return err
	}
	if _, err := z.d.Kube.AppsV1().StatefulSets(z.d.Namespace).Patch(ctx, z.spec.StatefulSet, types.MergePatchType, patch, metav1PatchOptions); err != nil {
		return fmt.Errorf("mark StatefulSet %s as being shut down: %w", z.spec.StatefulSet, err)
	}
	return nil
}

// stopTimeout bounds waitStopped: the spec's, else 15 minutes or the pods'
// termination grace period plus 5 minutes, whichever is longer (Mimir's
// jsonnet gives ingesters 20 minutes to stop).
func (z *Zone) stopTimeout(sts *appsv1.StatefulSet) time.Duration {
	if z.spec.StopTimeout > 0 {
		return z.spec.StopTimeout.D()
	}
	d := 15 * time.Minute
	if sts != nil && sts.Spec.Template.Spec.TerminationGracePeriodSeconds != nil {
		d = max(d, time.Duration(*sts.Spec.Template.Spec.TerminationGracePeriodSeconds)*time.Second+5*time.Minute)
	}
	return d
}

// waitStopped waits until the zone has no pods and none of its instances is
// in the ring. Nothing is forgotten: instances leave on their own.
func (z *Zone) waitStopped(ctx context.Context, p plan.Progress) error {
	sts, err := z.statefulSet(ctx)
	if err != nil {
		return err
	}
	timeout := z.stopTimeout(sts)
	deadline := p.Now().Add(timeout)
	last := ""
	for {
		state, err := z.stillThere(ctx)
		if err != nil {
			return err
		}
		if state == "" {
			p.Report(fmt.Sprintf("%s has no pods left and its instances left the ring", z.spec.StatefulSet))
			return nil
		}
		if state != last {
			p.Report(state)
			last = state
		}
		if p.Now().After(deadline) {
			return fmt.Errorf("%s did not stop within %s: %s; check the pods' termination (kubectl describe), then resume", z.spec.StatefulSet, timeout, state)
		}
		if err := z.d.sleep(ctx, p); err != nil {
			return err
		}
	}
}

// stillThere says what remains of the zone ("" when nothing).
func (z *Zone) stillThere(ctx context.Context) (string, error) {
	res, err := podaccess.Resolve(ctx, z.d.Kube, z.d.Namespace, z.spec.pods())
	if err != nil {
		return "", err
	}
	var pods []string
	for _, t := range res.Targets {
		pods = append(pods, t.Name)
	}
	pods = append(pods, res.NotReady...)
	members, _, err := z.zoneMembers(ctx)
	if err != nil {
		return "", err
	}
	var parts []string
	if len(pods) > 0 {
		parts = append(parts, "pods left: "+strings.Join(pods, ", "))
	}
	if len(members) > 0 {
		parts = append(parts, "still in the ring: "+strings.Join(members, ", "))
	}
	return strings.Join(parts, "; "), nil
}

// waitQueryable records on the StatefulSet when the zone's blocks become
// queryable and waits until then (the deadline is persisted).
func (z *Zone) waitQueryable(ctx context.Context, p plan.Progress) error {
	raw, _ := p.Get(keyWait)
	wait, err := time.ParseDuration(raw)
	if err != nil {
		return fmt.Errorf("recorded wait %q is corrupt: %w", raw, err)
	}
	why, _ := p.Get(keyWaitWhy)
	stoppedRaw, _ := p.Get(keyStopped)
	stopped, err := time.Parse(time.RFC3339, stoppedRaw)
	if err != nil {
		return fmt.Errorf("recorded stop time %q is corrupt: %w", stoppedRaw, err)
	}
	at := stopped.Add(wait)
	if err := z.annotate(ctx, stopped, at); err != nil {
		return err
	}
	left := at.Sub(p.Now())
	return p.WaitUntil(ctx, keyQueryable, max(left, 0), fmt.Sprintf("blocks shipped by %s become queryable: %s", z.spec.StatefulSet, why))
}

func (z *Zone) annotate(ctx context.Context, stopped, at time.Time) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		AnnotationShutdownAt:  stopped.UTC().Format(time.RFC3339),
		AnnotationQueryableAt: at.UTC().Format(time.RFC3339),
	}}})
	if err != nil {
		return err
	}
	_, err = z.d.Kube.AppsV1().StatefulSets(z.d.Namespace).Patch(ctx, z.spec.StatefulSet, types.MergePatchType, patch, metav1PatchOptions)
	if err != nil {
		return fmt.Errorf("record the shutdown on StatefulSet %s: %w", z.spec.StatefulSet, err)
	}
	return nil
}
