package mimirapi

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// What a version gate does with a build that reports no release version.
const (
	UnknownInconclusive = "inconclusive"
	UnknownFail         = "fail"
	UnknownDetect       = "detect"
)

// VersionSpec is a version gate, typically in a plan's preflight:
//
//	version:
//	  pods: {labels: "gossip_ring_member=true"}
//	  supported: ">=2.0.0 <3.0.0"
//	  reason: read-write mode was removed in Mimir 3.0; migrate back to microservices on 2.x first
//	  unknown: detect
//	  detect:
//	    - {configKey: limits.ha_tracker_failover_timeout, expect: absent}
type VersionSpec struct {
	PodsSpec `yaml:",inline" json:",inline"`
	// Supported is the range of Mimir versions, e.g. ">=2.17.0" (syntax and
	// pre-release rule: Range).
	Supported string `yaml:"supported" json:"supported"`
	// Reason tells the operator why the range is what it is.
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
	// Unknown decides builds without a release version ("unknown", weekly or
	// branch builds): inconclusive (default), fail, or detect (judge by the
	// Detect probes instead of guessing from the version).
	Unknown string `yaml:"unknown,omitempty" json:"unknown,omitempty"`
	// Detect lists feature probes used when Unknown is detect; all must hold.
	Detect []FeatureProbe `yaml:"detect,omitempty" json:"detect,omitempty"`
}

// FeatureProbe tells builds apart by what they serve: an HTTP path that
// answers (anything but 404) or a key present in /config.
type FeatureProbe struct {
	Path      string `yaml:"path,omitempty" json:"path,omitempty"`
	ConfigKey string `yaml:"configKey,omitempty" json:"configKey,omitempty"`
	// Expect is present or absent.
	Expect string `yaml:"expect" json:"expect"`
}

// Validate reports a spec that cannot work, naming the field.
func (s VersionSpec) Validate() error {
	errs := []error{s.PodsSpec.Validate()}
	if _, err := ParseRange(s.Supported); err != nil {
		errs = append(errs, fmt.Errorf("supported: %w", err))
	}
	switch s.Unknown {
	case "", UnknownInconclusive, UnknownFail:
		if len(s.Detect) > 0 {
			errs = append(errs, errors.New("detect: probes are only used with unknown: detect"))
		}
	case UnknownDetect:
		if len(s.Detect) == 0 {
			errs = append(errs, errors.New("detect: unknown: detect needs at least one probe, e.g. {path: /ingester/prepare-instance-ring-downscale, expect: present}"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown: %q is not inconclusive, fail or detect", s.Unknown))
	}
	for i, p := range s.Detect {
		errs = append(errs, p.validate(fmt.Sprintf("detect[%d]", i)))
	}
	return errors.Join(errs...)
}

func (p FeatureProbe) validate(field string) error {
	var errs []error
	if (p.Path == "") == (p.ConfigKey == "") {
		errs = append(errs, fmt.Errorf("%s: give path or configKey", field))
	}
	if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
		errs = append(errs, fmt.Errorf("%s.path: %q must start with /", field, p.Path))
	}
	if !slices.Contains([]string{"present", "absent"}, p.Expect) {
		errs = append(errs, fmt.Errorf("%s.expect: %q is not present or absent", field, p.Expect))
	}
	return errors.Join(errs...)
}

func (p FeatureProbe) String() string {
	if p.Path != "" {
		return fmt.Sprintf("endpoint %s %s", p.Path, p.Expect)
	}
	return fmt.Sprintf("config key %s %s", p.ConfigKey, p.Expect)
}

// Describe says what the gate checks.
func (s VersionSpec) Describe() string {
	d := fmt.Sprintf("version: %s run Mimir %s", s.describe(), s.Supported)
	if s.Unknown == UnknownDetect {
		d += "; unversioned builds by feature detection"
	}
	return d
}

// SupportedVersions is Supported (plan.VersionGate: a plan's
// mimirVersions must be the range of its preflight version gates).
func (s VersionSpec) SupportedVersions() string { return s.Supported }
