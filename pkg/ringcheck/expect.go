package ringcheck

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
)

// Expectation is one statement about ring members, written in a step file.
// It first selects members (members, workload, zone; all members when none is
// given), then every condition that is set must hold for the selection.
// Members in state LEFT count as gone.
type Expectation struct {
	// Members is a regular expression matched against the whole instance id,
	// e.g. "mimir-write-zone-.*".
	Members string `yaml:"members,omitempty" json:"members,omitempty"`
	// Workload selects the pods of a StatefulSet or Deployment by name: ids
	// "<workload>-<ordinal>" or "<workload>-<template hash>-<suffix>".
	Workload string `yaml:"workload,omitempty" json:"workload,omitempty"`
	// Zone keeps only members of this availability zone.
	Zone string `yaml:"zone,omitempty" json:"zone,omitempty"`

	// Joined means the selected members have joined: at least one (unless
	// count, min or max say otherwise), all ACTIVE and healthy.
	Joined bool `yaml:"joined,omitempty" json:"joined,omitempty"`
	// Left means no selected member is in the ring any more (same as absent).
	Left bool `yaml:"left,omitempty" json:"left,omitempty"`
	// Absent requires that no member is selected.
	Absent bool `yaml:"absent,omitempty" json:"absent,omitempty"`
	// Count, Min and Max bound the number of selected members.
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
	Min   *int `yaml:"min,omitempty" json:"min,omitempty"`
	Max   *int `yaml:"max,omitempty" json:"max,omitempty"`
	// State requires every selected member to be in this state.
	State string `yaml:"state,omitempty" json:"state,omitempty"`
	// Healthy requires every selected member to heartbeat: not UNHEALTHY on
	// the page and a heartbeat no older than the gate's heartbeatTimeout.
	Healthy bool `yaml:"healthy,omitempty" json:"healthy,omitempty"`
	// NotIn forbids states, e.g. [LEAVING, JOINING, PENDING].
	NotIn []string `yaml:"notIn,omitempty" json:"notIn,omitempty"`
	// ReadOnly requires every selected member's read-only flag to be this
	// value (Mimir 3.x pages; 2.x pages read as not read-only).
	ReadOnly *bool `yaml:"readOnly,omitempty" json:"readOnly,omitempty"`
	// PerZone bounds the number of selected members in each zone.
	PerZone *ZoneBounds `yaml:"perZone,omitempty" json:"perZone,omitempty"`
	// OwnPods requires every selected member to be a pod of the gate's
	// namespace: its id is a pod's name (Mimir's default instance id is the
	// hostname) or its address a pod's IP (see NotPods). Another system's
	// members that joined the ring through memberlist (a Loki ingester in
	// the ingester ring, grafana/mimir#6187) are not. The namespace's pods
	// are listed at each evaluation; a list that fails is inconclusive.
	OwnPods bool `yaml:"ownPods,omitempty" json:"ownPods,omitempty"`
}

// ZoneBounds bounds member counts per zone. Zones lists the zones that must
// satisfy the bounds (a listed zone without members counts 0); when empty,
// every zone with selected members is checked.
type ZoneBounds struct {
	Zones []string `yaml:"zones,omitempty" json:"zones,omitempty"`
	Count *int     `yaml:"count,omitempty" json:"count,omitempty"`
	Min   *int     `yaml:"min,omitempty" json:"min,omitempty"`
	Max   *int     `yaml:"max,omitempty" json:"max,omitempty"`
}

// Validate reports expectations that cannot be judged or contradict
// themselves. Messages name the field.
func (e Expectation) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if e.Members != "" && e.Workload != "" {
		add("members and workload: give one of them (workload %q means members %q)", e.Workload, workloadPattern(e.Workload))
	}
	if e.Members != "" {
		if _, err := gate.WholeMatch(e.Members); err != nil {
			add("members: %q is not a regular expression: %v", e.Members, err)
		}
	}
	gone := e.Absent || e.Left
	if gone && (e.Joined || e.Count != nil || e.Min != nil || e.Max != nil || e.State != "" || e.Healthy || len(e.NotIn) > 0 || e.ReadOnly != nil || e.PerZone != nil || e.OwnPods) {
		add("absent/left: members that must be gone cannot also have counts, states or zones; split it into two expectations")
	}
	if e.Joined && e.State != "" && e.State != StateActive {
		add("state: joined members are ACTIVE; drop state or joined")
	}
	if e.State != "" && !slices.Contains(States, e.State) {
		add("state: unknown state %q (want one of %s)", e.State, strings.Join(States, ", "))
	}
	for _, s := range e.NotIn {
		if !slices.Contains(States, s) {
			add("notIn: unknown state %q (want some of %s)", s, strings.Join(States, ", "))
		}
	}
	errs = append(errs, validateBounds("", e.Count, e.Min, e.Max))
	if e.PerZone != nil {
		errs = append(errs, validateBounds("perZone.", e.PerZone.Count, e.PerZone.Min, e.PerZone.Max))
		if e.PerZone.Count == nil && e.PerZone.Min == nil && e.PerZone.Max == nil {
			add("perZone: give count, min or max")
		}
	}
	if !e.hasCondition() {
		add("the expectation checks nothing: add joined, left, absent, count, min, max, state, healthy, notIn, readOnly, perZone or ownPods")
	}
	return errors.Join(errs...)
}

func (e Expectation) hasCondition() bool {
	return e.Joined || e.Left || e.Absent || e.Count != nil || e.Min != nil || e.Max != nil || e.State != "" ||
		e.Healthy || len(e.NotIn) > 0 || e.ReadOnly != nil || e.PerZone != nil || e.OwnPods
}

func validateBounds(prefix string, count, lo, hi *int) error {
	var errs []error
	for name, v := range map[string]*int{"count": count, "min": lo, "max": hi} {
		if v != nil && *v < 0 {
			errs = append(errs, fmt.Errorf("%s%s: must not be negative, got %d", prefix, name, *v))
		}
	}
	if count != nil && (lo != nil || hi != nil) {
		errs = append(errs, fmt.Errorf("%scount: give count alone, or min and/or max", prefix))
	}
	if lo != nil && hi != nil && *lo > *hi {
		errs = append(errs, fmt.Errorf("%smin %d is greater than %smax %d", prefix, *lo, prefix, *hi))
	}
	return errors.Join(errs...)
}

// workloadPattern is the instance-id pattern of a workload's pods: a
// StatefulSet ordinal, or a Deployment's template hash and random suffix.
func workloadPattern(w string) string {
	return regexp.QuoteMeta(w) + `-([0-9]+|[a-z0-9]{5,10}-[a-z0-9]{5})`
}
