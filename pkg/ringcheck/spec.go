package ringcheck

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// DefaultHeartbeatTimeout is Mimir's default ring heartbeat timeout (1m).
const DefaultHeartbeatTimeout = time.Minute

// Spec is a ring gate in a step file:
//
//	ring:
//	  ring: ingester
//	  pods: {labels: "name=distributor"}
//	  expect:
//	    - {workload: mimir-write-zone-a, joined: true, count: 1}
//	    - {members: "ingester-zone-a-.*", left: true}
type Spec struct {
	// Ring names the ring: ingester, distributor, store-gateway, compactor,
	// ruler, query-scheduler, overrides-exporter, alertmanager, querier.
	Ring string `yaml:"ring,omitempty" json:"ring,omitempty"`
	// Path is the ring page for rings without a name here, e.g.
	// "/ingester/ring"; it overrides the name's page.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Pods selects the pods to read the ring from; the first that answers is
	// used unless AllPods is set.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// AllPods judges every selected pod's view of the ring (e.g. to see that
	// memberlist has propagated a change everywhere).
	AllPods bool `yaml:"allPods,omitempty" json:"allPods,omitempty"`
	// HeartbeatTimeout is how old a heartbeat may be for "healthy"
	// (default 1m, Mimir's default).
	HeartbeatTimeout duration.Duration `yaml:"heartbeatTimeout,omitempty" json:"heartbeatTimeout,omitempty"`
	// AllowEmpty accepts a ring with no members at all; by default an empty
	// ring is inconclusive (a pod that has not joined memberlist yet shows
	// one, and "everything has left" must not pass on it).
	AllowEmpty bool `yaml:"allowEmpty,omitempty" json:"allowEmpty,omitempty"`
	// Expect lists what must hold; all of it must.
	Expect []Expectation `yaml:"expect" json:"expect"`
}

// Validate reports a spec that cannot work, naming the field.
func (s Spec) Validate() error {
	var errs []error
	if _, err := s.path(); err != nil {
		errs = append(errs, err)
	}
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pods: %w", err))
	}
	if len(s.Expect) == 0 {
		errs = append(errs, errors.New("expect: missing; list what must hold, e.g. - {members: \"ingester-.*\", state: ACTIVE}"))
	}
	for i, e := range s.Expect {
		if err := e.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("expect[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

func (s Spec) path() (string, error) {
	switch {
	case s.Path != "" && !strings.HasPrefix(s.Path, "/"):
		return "", fmt.Errorf("path: %q must start with /, e.g. /ingester/ring", s.Path)
	case s.Path != "":
		return s.Path, nil
	case s.Ring == "":
		return "", fmt.Errorf("ring: missing; name the ring (%s) or give its path", strings.Join(mimir.RingNames(), ", "))
	}
	p, err := PathFor(s.Ring)
	if err != nil {
		return "", fmt.Errorf("ring: %w", err)
	}
	return p, nil
}

func (s Spec) name() string {
	if s.Ring != "" {
		return s.Ring
	}
	return s.Path
}

func (s Spec) heartbeatTimeout() time.Duration {
	if s.HeartbeatTimeout <= 0 {
		return DefaultHeartbeatTimeout
	}
	return s.HeartbeatTimeout.D()
}

// Describe says in one line what the gate checks, e.g.
// "ring ingester: members /mimir-write-zone-.*/ ≥ 3, all ACTIVE".
func (s Spec) Describe() string {
	parts := make([]string, 0, len(s.Expect))
	for _, e := range s.Expect {
		parts = append(parts, e.Describe())
	}
	return fmt.Sprintf("ring %s: %s", s.name(), strings.Join(parts, "; "))
}
