// This file holds which read-write workload takes over each microservice's
// work, with the workload kinds and names of Grafana's jsonnet
// (operations/mimir and operations/mimir/read-write-deployment).

package mimir

// Workload is a Deployment or StatefulSet of Grafana's jsonnet, by kind
// ("Deployment" or "StatefulSet") and name.
type Workload struct {
	Kind string
	Name string
}

// Takeover is a microservice workload and the read-write workload that
// takes over its work.
type Takeover struct {
	Microservice Workload
	ReadWrite    Workload
}

// ReadWriteTakeovers returns the pairs the read-write migration doc suggests
// comparing after its step 2 ("Optionally double check configuration"):
// distributor and ingesters to mimir-write, the query path to mimir-read,
// the backend components and store-gateways to mimir-backend. Zoned
// components pair zone by zone; unzoned ones with zone a. A new slice on
// every call.
func ReadWriteTakeovers() []Takeover {
	dep := func(n string) Workload { return Workload{Kind: "Deployment", Name: n} }
	sts := func(n string) Workload { return Workload{Kind: "StatefulSet", Name: n} }
	out := []Takeover{{dep("distributor"), sts("mimir-write-zone-a")}}
	for _, z := range []string{"a", "b", "c"} {
		out = append(out, Takeover{sts("ingester-zone-" + z), sts("mimir-write-zone-" + z)})
	}
	for _, n := range []string{"query-frontend", "querier", "ruler-query-frontend", "ruler-querier"} {
		out = append(out, Takeover{dep(n), dep("mimir-read")})
	}
	for _, n := range []string{"overrides-exporter", "query-scheduler", "ruler-query-scheduler", "ruler"} {
		out = append(out, Takeover{dep(n), sts("mimir-backend-zone-a")})
	}
	out = append(out, Takeover{sts("compactor"), sts("mimir-backend-zone-a")})
	for _, z := range []string{"a", "b", "c"} {
		out = append(out, Takeover{sts("store-gateway-zone-" + z), sts("mimir-backend-zone-" + z)})
	}
	return out
}
