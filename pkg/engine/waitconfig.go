package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

var _ plan.WaitMeasurer = (*Binder)(nil)

// MeasureWait measures a step's Wait.FromConfig on the live components
// (plan.WaitMeasurer): the sum over its keys of each key's largest value,
// times the key's factor, on
// the selected pods (ingestershutdown.LargestDuration: every selected pod
// must answer, a pod that is not running fails the read). The sum of the
// largest values is never shorter than the largest sum on one pod. Errors:
// no pod selected, a /config that cannot be read, a key that is absent or
// is not a duration.
func (b *Binder) MeasureWait(ctx context.Context, _ *plan.Plan, step *plan.Step) (time.Duration, string, error) {
	if step.Wait == nil || step.Wait.FromConfig == nil {
		return 0, "", errors.New("the step's wait is not measured from the components' settings")
	}
	fc := step.Wait.FromConfig
	pods := ingestershutdown.Pods{Kube: b.d.Kube, Namespace: b.d.Namespace, Config: mimirapi.ConfigReader{Pods: b.d.Pods}}
	var total time.Duration
	parts := make([]string, 0, len(fc.Keys))
	for _, key := range fc.Keys {
		v, err := ingestershutdown.LargestDuration(ctx, pods, fc.Pods, key, false)
		if err != nil {
			return 0, "", err
		}
		if f := fc.Factor(key); f != 1 {
			total += time.Duration(float64(v.Value) * f)
			parts = append(parts, fmt.Sprintf("%g × %s", f, v))
			continue
		}
		total += v.Value
		parts = append(parts, v.String())
	}
	return total, strings.Join(parts, " + "), nil
}
