package ingestershutdown

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Spec is the `ingesterZoneShutdown` action of a step file.
type Spec struct {
	// StatefulSet is the zone's StatefulSet, e.g. ingester-zone-a or
	// mimir-write-zone-a. Its pods' names are their ring instance IDs.
	StatefulSet string `yaml:"statefulSet" json:"statefulSet"`
	// Zone names the zone in messages (e.g. zone-a).
	Zone string `yaml:"zone,omitempty" json:"zone,omitempty"`
	// Pods selects the zone's pods (default: label name=<statefulSet>).
	Pods podaccess.Selector `yaml:"pods,omitempty" json:"pods,omitempty"`
	// RingPods selects pods that serve the ingester ring page; the first one
	// outside the zone that answers is used.
	RingPods podaccess.Selector `yaml:"ringPods" json:"ringPods"`
	// Config selects the pods whose /config gives the wait's inputs.
	Config ConfigPods `yaml:"config" json:"config"`
	// ReadOnly is "auto" (default: read-only mode where the ingesters
	// support it) or "never".
	ReadOnly string `yaml:"readOnly,omitempty" json:"readOnly,omitempty"`
	// StopTimeout bounds the wait for the pods to terminate and leave the
	// ring (default 15m).
	StopTimeout plan.Duration `yaml:"stopTimeout,omitempty" json:"stopTimeout,omitempty"`
}

// ConfigPods selects the components whose configuration sets the wait.
type ConfigPods struct {
	// Querier answers querier.query_store_after (queriers, mimir-read).
	Querier podaccess.Selector `yaml:"querier" json:"querier"`
	// StoreGateway answers blocks_storage.bucket_store.sync_interval.
	StoreGateway podaccess.Selector `yaml:"storeGateway" json:"storeGateway"`
	// Compactor answers compactor.cleanup_interval.
	Compactor podaccess.Selector `yaml:"compactor" json:"compactor"`
}

var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate checks the spec.
func (s *Spec) Validate() error {
	var errs []error
	if !dnsLabelRE.MatchString(s.StatefulSet) {
		errs = append(errs, fmt.Errorf("statefulSet %q must be a StatefulSet name such as ingester-zone-a", s.StatefulSet))
	}
	if s.Pods != (podaccess.Selector{}) {
		if err := s.Pods.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("pods: %w", err))
		}
	}
	for name, sel := range map[string]podaccess.Selector{"ringPods": s.RingPods, "config.querier": s.Config.Querier,
		"config.storeGateway": s.Config.StoreGateway, "config.compactor": s.Config.Compactor} {
		if err := sel.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	switch s.ReadOnly {
	case "", "auto", "never":
	default:
		errs = append(errs, fmt.Errorf("readOnly %q: want auto or never", s.ReadOnly))
	}
	return errors.Join(errs...)
}

// Describe says what the action does.
func (s *Spec) Describe() string {
	zone := s.Zone
	if zone == "" {
		zone = s.StatefulSet
	}
	return fmt.Sprintf("shut down ingester zone %s (StatefulSet %s): flush and ship, scale to 0, wait until its blocks are queryable", zone, s.StatefulSet)
}

// Destructive: the zone's ingesters stop.
func (s *Spec) Destructive() bool { return true }

// pods returns the selector of the zone's pods.
func (s *Spec) pods() podaccess.Selector {
	if s.Pods != (podaccess.Selector{}) {
		return s.Pods
	}
	return podaccess.Selector{Labels: "name=" + s.StatefulSet}
}

// memberRE matches the ring instance IDs of the zone's pods.
func (s *Spec) memberRE() *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(s.StatefulSet) + `-[0-9]+$`)
}
