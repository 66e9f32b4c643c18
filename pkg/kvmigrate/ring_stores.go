package kvmigrate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// RingStoresSpec is the `requireRingStores` field of the helmValues
// action: the action changes nothing unless every selected pod's /config
// shows each listed ring on Store alone and no other KV client but the HA
// tracker's on Store.
//
//	requireRingStores:
//	  pods: {portName: http-metrics}
//	  store: consul
//	  rings: [ingester.ring, distributor.ring, store_gateway.sharding_ring]
//
// It guards the first step of a ring migration where the plan names the
// rings itself (the Helm chart's mimir.structuredConfig): a listed ring
// that already runs memberlist would be read from a primary that has no
// copy of it (its clients see no instances until each has registered
// again), a ring on the old store that is not listed would stay there
// after the plan, and a listed ring the pods' Mimir does not have
// (querier.ring in Mimir 2) makes every pod refuse its configuration file.
type RingStoresSpec struct {
	// Pods are the pods whose /config is read; {portName: http-metrics} is
	// every Mimir pod of the namespace.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// Store is the store the listed rings run now.
	Store Store `yaml:"store" json:"store"`
	// Rings are the rings' paths in Mimir's configuration, without
	// ".kvstore" (ingester.ring, store_gateway.sharding_ring).
	Rings []string `yaml:"rings" json:"rings"`
	// Parameter, when set, is the plan parameter that gives Rings: a
	// refusal then says how to rerun with the rings the pods run on
	// Store.
	Parameter string `yaml:"parameter,omitempty" json:"parameter,omitempty"`
}

// Validate checks the spec; messages name the field.
func (s *RingStoresSpec) Validate() error {
	var errs []error
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("requireRingStores.pods: %w", err))
	}
	if err := validBackend("requireRingStores.store", s.Store); err != nil {
		errs = append(errs, err)
	}
	if len(s.Rings) == 0 {
		errs = append(errs, errors.New("requireRingStores.rings: missing; list the rings' configuration paths, e.g. [ingester.ring, distributor.ring]"))
	}
	for i, r := range s.Rings {
		switch {
		case r == "" || slices.Contains(strings.Split(r, "."), ""):
			errs = append(errs, fmt.Errorf("requireRingStores.rings[%d]: %q is not a dotted configuration path such as ingester.ring", i, r))
		case r == HATrackerPath:
			errs = append(errs, fmt.Errorf("requireRingStores.rings[%d]: %s is the HA tracker's store, not a ring (see the ha-tracker-kv-to-memberlist plan)", i, r))
		case slices.Contains(s.Rings[:i], r):
			errs = append(errs, fmt.Errorf("requireRingStores.rings[%d]: %s is listed twice", i, r))
		}
	}
	return errors.Join(errs...)
}

// Describe renders the requirement for plan listings.
func (s *RingStoresSpec) Describe() string {
	return fmt.Sprintf("only if %s run exactly %s on %s", s.Pods, strings.Join(s.Rings, ", "), s.Store)
}

// Check reads /config of every selected pod and returns a *RefusedError
// when a listed ring is missing from it or does not run Store alone, when
// another ring runs Store (alone or in a multi store), when a pod cannot
// be read, or when no Mimir pod is selected; nil when every selected pod
// runs exactly the listed rings on Store. Pods selected by port name
// alone that serve no /config (404) are not Mimir processes and are left
// out. Problems are reported once each with the pods that show them, and
// the hint names the rings the pods run on Store (as -p Parameter=...
// when Parameter is set). Only d's Kube, Namespace and Pods are used.
func (s *RingStoresSpec) Check(ctx context.Context, d gate.Deps) error {
	because := fmt.Sprintf("the step moves exactly the rings %s from %s onto the multi KV store", strings.Join(s.Rings, ", "), s.Store)
	// A pod selected by port name alone that serves no /config is not a
	// Mimir process (the chart's nginx gateway names its port
	// http-metrics too): nil clients, left out.
	sel, err := gate.FetchPods(ctx, d, s.Pods, func(ctx context.Context, t podaccess.Target) ([]Client, error) {
		config, err := mimirapi.FetchConfig(ctx, d.Pods, t, "")
		if errors.Is(err, mimirapi.ErrNotServed) && s.Pods.ByPortNameAlone() {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return Clients(config, mimirapi.Document{})
	})
	if err != nil {
		return &RefusedError{Unknown: []string{fmt.Sprintf("cannot read the rings' stores: %v", err)}, Because: because}
	}
	if sel.Total() == 0 {
		return &RefusedError{Unknown: []string{fmt.Sprintf("found no %s in namespace %s: cannot read the rings' stores", s.Pods, d.Namespace)},
			Because: because, Hint: "check the plan's pod selector"}
	}
	var unknown []string
	for _, nr := range sel.NotRunning {
		unknown = append(unknown, "cannot read the rings' stores of "+nr)
	}
	byProblem := map[string][]string{}
	onStore := map[string]bool{}
	judged := 0
	for _, r := range sel.Results {
		if r.Err != nil {
			unknown = append(unknown, fmt.Sprintf("cannot read the rings' stores of %s: %v", r.Target.Name, r.Err))
			continue
		}
		if r.Value == nil {
			continue
		}
		judged++
		for _, p := range s.Problems(r.Value) {
			byProblem[p] = append(byProblem[p], r.Target.Name)
		}
		for _, c := range r.Value {
			if c.Store == s.Store && c.Path != HATrackerPath {
				onStore[c.Path] = true
			}
		}
	}
	if judged == 0 && len(unknown) == 0 {
		unknown = append(unknown, fmt.Sprintf("none of the %s in namespace %s serves Mimir's /config", s.Pods, d.Namespace))
	}
	if len(byProblem)+len(unknown) == 0 {
		return nil
	}
	var using []string
	for _, p := range slices.Sorted(maps.Keys(byProblem)) {
		using = append(using, fmt.Sprintf("%s (%s)", p, podList(byProblem[p])))
	}
	hint := "wait until every selected pod is running and answers, then resume"
	present := slices.Sorted(maps.Keys(onStore))
	switch {
	case len(using) > 0 && len(present) == 0:
		hint = fmt.Sprintf("no ring of these pods runs %s alone: there is nothing for this migration to move", s.Store)
	case len(using) > 0 && s.Parameter != "":
		hint = fmt.Sprintf("the pods run %s on %s: rerun with -p %s=%s (with --allow-plan-change to continue a run under way)",
			strings.Join(present, ", "), s.Store, s.Parameter, strings.Join(present, ","))
	case len(using) > 0:
		hint = fmt.Sprintf("list the rings your pods run on %s (%s; a pod's /config shows each ring's kvstore.store)", s.Store, strings.Join(present, ", "))
	}
	return &RefusedError{Using: using, Unknown: unknown, Because: because, Hint: hint}
}

// kvStoreFlag matches a container argument that sets a KV client's store
// (-<prefix>.store=, -<prefix>.multi.primary=, .multi.secondary=), e.g.
// -ingester.ring.store=consul: flags override Mimir's configuration file.
var kvStoreFlag = regexp.MustCompile(`^--?([a-z0-9.-]+)\.(store|multi\.primary|multi\.secondary)=`)

// haTrackerFlags is the HA tracker's flag prefix, whose store is not a
// ring's (see ha-tracker-kv-to-memberlist).
const haTrackerFlags = "distributor.ha-tracker"

// CheckRendered refuses rendered workloads (Deployments, StatefulSets)
// whose containers set a ring's KV store by flag: the flag overrides the
// configuration file the step changes (for the Helm chart, an extraArgs
// entry beats mimir.structuredConfig), so the step would restart every pod
// and change no ring's store. Flags of the HA tracker are left alone.
func (s *RingStoresSpec) CheckRendered(objs []*unstructured.Unstructured) error {
	var found []string
	for _, o := range objs {
		if k := o.GetKind(); k != "Deployment" && k != "StatefulSet" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			cm, _ := c.(map[string]any)
			args, _, _ := unstructured.NestedStringSlice(cm, "args")
			for _, a := range args {
				if m := kvStoreFlag.FindStringSubmatch(a); m != nil && !strings.HasPrefix(m[1], haTrackerFlags) {
					found = append(found, fmt.Sprintf("%s/%s runs %s", o.GetKind(), o.GetName(), a))
				}
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	return &RefusedError{Using: found, Because: "a KV store flag overrides the configuration file this step changes, so the rings would stay where they are",
		Hint: "move those settings into the configuration (for the Helm chart: from extraArgs into mimir.structuredConfig, same values), upgrade, then run the plan again"}
}

// Problems lists what in one pod's KV clients (see Clients) contradicts
// the spec, one line each.
func (s *RingStoresSpec) Problems(clients []Client) []string {
	byPath := map[string]Client{}
	for _, c := range clients {
		byPath[c.Path] = c
	}
	var out []string
	for _, r := range s.Rings {
		c, ok := byPath[r]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s is not in the configuration: this Mimir has no such ring; drop it from the rings", r))
		case c.Store == Multi:
			out = append(out, fmt.Sprintf("%s already runs the multi KV store (%s), not %s alone", r, c.Multi, s.Store))
		case c.Store != s.Store:
			out = append(out, fmt.Sprintf("%s runs %s, not %s: drop it from the rings", r, c.Store, s.Store))
		}
	}
	for _, c := range clients {
		if c.Path == HATrackerPath || slices.Contains(s.Rings, c.Path) {
			continue
		}
		if c.Store == s.Store || (c.Store == Multi && (c.Multi.Primary == s.Store || c.Multi.Secondary == s.Store)) {
			out = append(out, fmt.Sprintf("%s runs %s but is not in the rings: add it, or it stays on %s", c.Path, c.Store, s.Store))
		}
	}
	return out
}

// podList names up to three pods and counts the others.
func podList(pods []string) string {
	slices.Sort(pods)
	if len(pods) <= 3 {
		return "pods " + strings.Join(pods, ", ")
	}
	return fmt.Sprintf("pods %s and %d more", strings.Join(pods[:3], ", "), len(pods)-3)
}
