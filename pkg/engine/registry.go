package engine

import (
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podhttp"
	"github.com/mimirctl/mimirctl/pkg/podmetrics"
	"github.com/mimirctl/mimirctl/pkg/promgate"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
	"github.com/mimirctl/mimirctl/pkg/storequery"
	"github.com/mimirctl/mimirctl/pkg/workloads"
)

// Registry returns every action and gate kind step files may use.
func Registry() *plan.Registry {
	r := plan.NewRegistry()
	r.AddAction(plan.ActionKind{Name: "jsonnet", Summary: "change the Tanka environment through the generated overlay file, apply, prune, roll out", New: func() plan.ActionSpec { return &envchange.JsonnetSpec{} }})
	r.AddAction(plan.ActionKind{Name: "helmValues", Summary: "change a Helm release through the generated values file, upgrade it through Helm's SDK, roll out", New: func() plan.ActionSpec { return &envchange.HelmValuesSpec{} }})
	r.AddAction(plan.ActionKind{Name: "runtimeConfig", Summary: "merge into Mimir's runtime configuration and wait until pods serve it", New: func() plan.ActionSpec { return &kvmigrate.RuntimeConfigSpec{} }})
	r.AddAction(plan.ActionKind{Name: "multiKV", Summary: "put a multi KV migration stage's multi_kv_config into Mimir's runtime configuration and wait until pods serve it",
		New: func() plan.ActionSpec { return &kvmigrate.MultiKVSpec{} }})
	r.AddAction(plan.ActionKind{Name: "scale", Summary: "set a Deployment's or StatefulSet's replicas directly", New: func() plan.ActionSpec { return &workloads.ScaleSpec{} }})
	r.AddAction(plan.ActionKind{Name: "compare", Summary: "compare microservice and read-write workload specs (informational)", New: func() plan.ActionSpec { return &workloads.CompareSpec{} }})
	r.AddAction(plan.ActionKind{Name: "pvcCleanup", Summary: "list unused PVCs; delete them only with --delete-pvcs", New: func() plan.ActionSpec { return &workloads.PVCCleanupSpec{} }})
	r.AddAction(plan.ActionKind{Name: "routeService", Summary: "point a Service that carries client traffic at other pods", New: func() plan.ActionSpec { return &workloads.RouteServiceSpec{} }})
	r.AddAction(plan.ActionKind{Name: "http", Summary: "call an HTTP endpoint on each selected pod, once", New: func() plan.ActionSpec { return &podhttp.CallSpec{} }})
	r.AddAction(plan.ActionKind{Name: "ingesterZoneShutdown", Summary: "shut one ingester zone down without losing data, then wait until its blocks are queryable",
		New: func() plan.ActionSpec { return &ingestershutdown.Spec{} }})
	r.AddAction(plan.ActionKind{Name: "ingesterHeadCompaction", Summary: "wait for the ingesters' next TSDB head compaction and upload (or flush with --force-flush)",
		New: func() plan.ActionSpec { return &ingestershutdown.HeadCompactionSpec{} }})
	r.AddAction(plan.ActionKind{Name: "writeCapacity", Summary: "refuse to replace a zone's ingesters by fewer mimir-write pods, or by pods its series would push over ingester.instance_limits.max_series",
		New: func() plan.ActionSpec { return &ingestershutdown.WriteCapacitySpec{} }})
	r.AddGate(plan.GateKind{Name: "http", Summary: "every selected pod answers an HTTP probe", New: func() plan.GateSpec { return &podhttp.GateSpec{} }})
	r.AddGate(plan.GateKind{Name: "rollout", Summary: "Deployments and StatefulSets run their current spec everywhere", New: func() plan.GateSpec { return &workloads.RolloutSpec{} }})
	r.AddGate(plan.GateKind{Name: "ring", Summary: "ring membership: who is present, absent, in which state, per zone", New: func() plan.GateSpec { return &ringcheck.Spec{} }})
	r.AddGate(plan.GateKind{Name: "podMetric", Summary: "a metric scraped from every selected pod's /metrics against a threshold", New: func() plan.GateSpec { return &podmetrics.Spec{} }})
	r.AddGate(plan.GateKind{Name: "version", Summary: "Mimir versions of the selected pods within a range", New: func() plan.GateSpec { return &mimirapi.VersionSpec{} }})
	r.AddGate(plan.GateKind{Name: "ready", Summary: "every selected pod answers /ready", New: func() plan.GateSpec { return &mimirapi.ReadySpec{} }})
	r.AddGate(plan.GateKind{Name: "config", Summary: "a /config or /runtime_config key on every selected pod", New: func() plan.GateSpec { return &mimirapi.ConfigSpec{} }})
	r.AddGate(plan.GateKind{Name: "memberlist", Summary: "memberlist keys and member counts seen by every selected pod", New: func() plan.GateSpec { return &kvmigrate.MemberlistSpec{} }})
	r.AddGate(plan.GateKind{Name: "multiKV", Summary: "every KV client on the multi store runs the expected primary and mirroring, or none runs it",
		New: func() plan.GateSpec { return &kvmigrate.MultiKVGateSpec{} }})
	r.AddGate(plan.GateKind{Name: "haTracker", Summary: "every distributor agrees on the elected replica of each HA cluster", New: func() plan.GateSpec { return &kvmigrate.HATrackerSpec{} }})
	r.AddGate(plan.GateKind{Name: "storeQuery", Summary: "samples of a range older than the queriers' query_store_after and query_ingesters_within, so only the store-gateways answer it",
		New: func() plan.GateSpec { return &storequery.Spec{} }})
	r.AddGate(plan.GateKind{Name: "promql", Summary: "a PromQL query's result against a threshold", New: func() plan.GateSpec { return &promgate.Spec{} }})
	return r
}
