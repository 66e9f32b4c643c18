package kvmigrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// RuntimeConfigSpec is the `runtimeConfig` action: a merge into Mimir's
// runtime configuration (no rollout), for installations whose runtime
// configuration is not rendered by jsonnet.
//
//	runtimeConfig:
//	  set: {multi_kv_config: {primary: memberlist, mirror_enabled: true}}
//	  pods: {labels: "gossip_ring_member=true"}
type RuntimeConfigSpec struct {
	// ConfigMap and Key default to Mimir jsonnet's overrides / overrides.yaml.
	ConfigMap string `yaml:"configMap,omitempty" json:"configMap,omitempty"`
	Key       string `yaml:"key,omitempty" json:"key,omitempty"`
	// Set is merged into the YAML document: maps key by key, null removes.
	Set map[string]any `yaml:"set" json:"set"`
	// Pods must all serve the new values on /runtime_config before the
	// action is done.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// Timeout bounds the wait for the pods (default 5m).
	Timeout duration.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// RefuseWhile, when set, leaves the ConfigMap alone while a pod still
	// exposes its series (see RefuseWhileSpec).
	RefuseWhile *RefuseWhileSpec `yaml:"refuseWhile,omitempty" json:"refuseWhile,omitempty"`
}

// Validate checks the spec.
func (s *RuntimeConfigSpec) Validate() error {
	var errs []error
	if len(s.Set) == 0 {
		errs = append(errs, errors.New("set: missing; give the runtime configuration to merge, e.g. {multi_kv_config: {mirror_enabled: true}}"))
	}
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pods: %w", err))
	}
	if s.RefuseWhile != nil {
		errs = append(errs, s.RefuseWhile.Validate())
	}
	return errors.Join(errs...)
}

// Describe says what is merged where.
func (s *RuntimeConfigSpec) Describe() string {
	cm, key := s.ConfigMap, s.Key
	if cm == "" {
		cm = mimir.RuntimeConfigMap
	}
	if key == "" {
		key = mimir.RuntimeConfigKey
	}
	set, err := json.Marshal(s.Set)
	if err != nil {
		set = []byte(fmt.Sprint(s.Set))
	}
	d := fmt.Sprintf("runtime config %s/%s: merge %s, served by %s", cm, key, set, s.Pods)
	if s.RefuseWhile != nil {
		d += "; " + s.RefuseWhile.Describe()
	}
	return d
}

// RuntimeConfigAction is a bound runtimeConfig action.
type RuntimeConfigAction struct {
	spec *RuntimeConfigSpec
	d    gate.Deps
}

var _ plan.Action = (*RuntimeConfigAction)(nil)

// NewRuntimeConfig binds spec to a namespace: it reads and writes the
// ConfigMap with d.Kube in d.Namespace and asks the pods through d.Pods.
// Waits run on the run's clock (plan.Progress); d.Now is not read.
func NewRuntimeConfig(spec *RuntimeConfigSpec, d gate.Deps) *RuntimeConfigAction {
	return &RuntimeConfigAction{spec: spec, d: d}
}

// Spec is the spec the action was bound with.
func (a *RuntimeConfigAction) Spec() *RuntimeConfigSpec { return a.spec }

func (a *RuntimeConfigAction) change() kube.RuntimeConfigChange {
	return kube.RuntimeConfigChange{Namespace: a.d.Namespace, ConfigMap: a.spec.ConfigMap, Key: a.spec.Key, Patch: a.spec.Set}
}

// Check is done when every selected pod serves the values.
func (a *RuntimeConfigAction) Check(ctx context.Context) (bool, string, error) {
	obs, _, err := kube.CheckRuntimeConfig(ctx, a.d.Kube, a.d.Pods, a.d.Namespace, a.spec.Pods, a.spec.Set)
	if err != nil {
		return false, "", err
	}
	return obs.Verdict == verdict.Pass, obs.Summary, nil
}

// Apply merges the change and waits until every pod serves it; with
// refuseWhile, it first refuses while a pod still exposes the series. The
// wait polls every 2s on the run's clock and ends after Timeout on it, or
// at the maintenance window's end (a *plan.WindowClosedError; the merge is
// in the ConfigMap, so the next run's Check or Apply only waits).
func (a *RuntimeConfigAction) Apply(ctx context.Context, p plan.Progress) error {
	if a.spec.RefuseWhile != nil {
		if err := a.spec.RefuseWhile.Check(ctx, a.d); err != nil {
			return err
		}
	}
	changed, err := kube.ApplyRuntimeConfig(ctx, a.d.Kube, a.change())
	if err != nil {
		return err
	}
	if changed {
		p.Report("runtime configuration updated; waiting for the pods to reload it")
	}
	timeout := 5 * time.Minute
	if a.spec.Timeout > 0 {
		timeout = a.spec.Timeout.D()
	}
	ctx, sleep, cancel := plan.ProgressWait(ctx, p, timeout)
	defer cancel()
	obs, err := kube.WaitRuntimeConfig(ctx, a.d.Kube, a.d.Pods, a.d.Namespace, a.spec.Pods, a.spec.Set, kube.WaitOptions{Interval: 2 * time.Second, Sleep: sleep})
	if err != nil {
		return fmt.Errorf("pods did not serve the new runtime configuration within %s: %s: %w", timeout, obs, err)
	}
	p.Report(obs.Summary)
	return nil
}
