package ingestershutdown

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Spec is the `ingesterZoneShutdown` action of a step file.
type Spec struct {
	// StatefulSet is the zone's StatefulSet, e.g. ingester-zone-a or
	// mimir-write-zone-a. Its pods' names are their ring instance IDs.
	StatefulSet string `yaml:"statefulSet" json:"statefulSet"`
	// Zone names the zone in messages (e.g. zone-a).
	Zone string `yaml:"zone,omitempty" json:"zone,omitempty"`
	// Pods selects the zone's pods (default: those named <statefulSet>-<ordinal>).
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
	StopTimeout duration.Duration `yaml:"stopTimeout,omitempty" json:"stopTimeout,omitempty"`
	// FlushTimeout bounds each ingester's flush (/ingester/flush?wait=true)
	// and its shutdown (default 1h): an ingester with millions of series
	// takes minutes, so these calls are not cut by --request-timeout.
	FlushTimeout duration.Duration `yaml:"flushTimeout,omitempty" json:"flushTimeout,omitempty"`
}

// ConfigPods selects the components whose configuration sets the wait. Each
// setting is read from every selected pod and the largest value counts.
type ConfigPods struct {
	// Querier answers querier.query_store_after (queriers, mimir-read).
	Querier podaccess.Selector `yaml:"querier" json:"querier"`
	// Ruler (optional) also answers querier.query_store_after: rulers
	// evaluate rules with their own querier settings (ruler, mimir-backend).
	// It may select no pod (no ruler deployed).
	Ruler podaccess.Selector `yaml:"ruler,omitempty" json:"ruler,omitempty"`
	// StoreGateway answers blocks_storage.bucket_store.sync_interval and
	// ignore_blocks_within.
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
	for name, sel := range map[string]podaccess.Selector{"pods": s.Pods, "config.ruler": s.Config.Ruler} {
		if sel == (podaccess.Selector{}) {
			continue
		}
		if err := sel.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
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

// pods returns the selector of the zone's pods: by default the names a
// StatefulSet gives its pods (<statefulSet>-<ordinal>), which hold whatever
// labels the deployment tool sets (Grafana's jsonnet sets name=<statefulSet>,
// its Helm chart name=ingester-<zone> on a StatefulSet named
// <release>-ingester-<zone>).
func (s *Spec) pods() podaccess.Selector {
	if s.Pods != (podaccess.Selector{}) {
		return s.Pods
	}
	return podaccess.Selector{Names: s.podNames()}
}

// podNames is the regular expression of the names the StatefulSet gives its
// pods (<statefulSet>-<ordinal>), which are also their ring instance IDs.
func (s *Spec) podNames() string {
	return regexp.QuoteMeta(s.StatefulSet) + "-[0-9]+"
}

// memberRE matches the ring instance IDs of the zone's pods.
func (s *Spec) memberRE() *regexp.Regexp {
	return regexp.MustCompile("^(?:" + s.podNames() + ")$")
}
