// This file holds which workloads serve each ring's page in each deployment
// mode, with the workload names of Grafana's jsonnet (operations/mimir:
// multi-zone ingesters and store-gateways, read-write mode's three zones of
// mimir-write and mimir-backend).

package mimir

import (
	"sort"
	"strings"
)

// DeploymentMode is how a Mimir cluster is deployed: "microservices" or
// "read-write" (removed in Mimir 3.0).
type DeploymentMode string

// Deployment modes, as Grafana's jsonnet names them (_config.deployment_mode).
const (
	Microservices DeploymentMode = "microservices"
	ReadWrite     DeploymentMode = "read-write"
)

// DeploymentModes lists the modes in the order their workloads are listed.
var DeploymentModes = []DeploymentMode{Microservices, ReadWrite}

var (
	writeZones   = []string{"mimir-write-zone-a", "mimir-write-zone-b", "mimir-write-zone-c"}
	backendZones = []string{"mimir-backend-zone-a", "mimir-backend-zone-b", "mimir-backend-zone-c"}
)

// ringWorkloads maps a ring name (as in RingPaths) to the workloads (the
// pods' `name` label) that serve its page in each deployment mode. In
// microservices mode a ring's page is served by its own component and, for
// the ingester ring, by the distributors that read it; in read-write mode by
// the component that took the microservice in.
var ringWorkloads = map[string]map[DeploymentMode][]string{
	"ingester": {
		Microservices: {"distributor", "ingester-zone-a", "ingester-zone-b", "ingester-zone-c", "ingester"},
		ReadWrite:     writeZones,
	},
	"distributor":        {Microservices: {"distributor"}, ReadWrite: writeZones},
	"store-gateway":      {Microservices: {"store-gateway-zone-a", "store-gateway-zone-b", "store-gateway-zone-c", "store-gateway"}, ReadWrite: backendZones},
	"compactor":          {Microservices: {"compactor"}, ReadWrite: backendZones},
	"ruler":              {Microservices: {"ruler"}, ReadWrite: backendZones},
	"query-scheduler":    {Microservices: {"query-scheduler"}, ReadWrite: backendZones},
	"overrides-exporter": {Microservices: {"overrides-exporter"}, ReadWrite: backendZones},
	"alertmanager":       {Microservices: {"alertmanager"}, ReadWrite: backendZones},
	"querier":            {Microservices: {"querier"}, ReadWrite: {"mimir-read"}},
}

// RingWorkloads returns the workloads that serve ring's page in mode, nil for
// an unknown ring or mode. The slice is a copy.
func RingWorkloads(ring string, mode DeploymentMode) []string {
	return append([]string(nil), ringWorkloads[ring][mode]...)
}

// RingPodSelector returns a label selector (`name in (...)`) for the pods
// that serve ring's page in any deployment mode, so that it finds them
// before, during and after a move between modes; "" for an unknown ring.
func RingPodSelector(ring string) string {
	var names []string
	for _, mode := range DeploymentModes {
		names = append(names, ringWorkloads[ring][mode]...)
	}
	if len(names) == 0 {
		return ""
	}
	return "name in (" + strings.Join(names, ", ") + ")"
}

// RingNames lists the rings mimirctl knows, sorted.
func RingNames() []string {
	out := make([]string, 0, len(RingPaths))
	for n := range RingPaths {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
