package ringcheck

import (
	"fmt"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
)

// Describe renders the expectation on one line, e.g.
// "members /mimir-write-zone-.*/ ≥ 3, all ACTIVE".
func (e Expectation) Describe() string {
	var conds []string
	switch {
	case e.Absent || e.Left:
		conds = append(conds, "absent")
	case e.Count != nil:
		conds = append(conds, fmt.Sprintf("= %d", *e.Count))
	case e.Min != nil || e.Max != nil || e.Joined:
		lo := e.Min
		if lo == nil && e.Joined && e.Max == nil {
			one := 1
			lo = &one
		}
		conds = append(conds, gate.FormatBounds(lo, e.Max))
	}
	switch {
	case e.Joined:
		conds = append(conds, "all ACTIVE and healthy")
	case e.State != "" && e.Healthy:
		conds = append(conds, "all "+e.State+" and healthy")
	case e.State != "":
		conds = append(conds, "all "+e.State)
	case e.Healthy:
		conds = append(conds, "all healthy")
	}
	if len(e.NotIn) > 0 {
		conds = append(conds, "none "+strings.Join(e.NotIn, "/"))
	}
	if e.ReadOnly != nil {
		conds = append(conds, map[bool]string{true: "all read-only", false: "none read-only"}[*e.ReadOnly])
	}
	if z := e.PerZone; z != nil {
		lo, hi := z.Min, z.Max
		if z.Count != nil {
			lo, hi = z.Count, z.Count
		}
		where := "per zone"
		if len(z.Zones) > 0 {
			where = "in each of " + strings.Join(z.Zones, ", ")
		}
		conds = append(conds, fmt.Sprintf("%s %s", where, gate.FormatBounds(lo, hi)))
	}
	if e.OwnPods {
		conds = append(conds, "all pods of the namespace")
	}
	return e.subject() + " " + strings.Join(conds, ", ")
}

// subject names the selected members, e.g. "members /ingester-.*/ in zone-a".
func (e Expectation) subject() string {
	var s string
	switch {
	case e.Members != "":
		s = fmt.Sprintf("members /%s/", e.Members)
	case e.Workload != "":
		s = fmt.Sprintf("workload %s members", e.Workload)
	default:
		s = "members"
	}
	if e.Zone != "" {
		s += " in " + e.Zone
	}
	return s
}
