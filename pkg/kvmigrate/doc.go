// Package kvmigrate holds the KV-store migrations of Grafana Mimir: moving
// the hash rings' or the HA tracker's KV store (Consul, etcd) to memberlist
// without downtime through the multi KV store (dskit kv.MultiClient), which
// wraps a primary and a secondary store and can mirror writes from one to
// the other.
//
// It holds:
//
//   - the stages of such a migration (Stage: secondary, mirror, switch,
//     primary, removed, from one store to another) and the runtime
//     multi_kv_config document each needs (Stage.RuntimeConfig);
//   - what a pod's KV clients run, read from its /config and
//     /runtime_config (Clients), and the verdict "every multi KV client runs
//     this primary with this mirroring" or "no client runs the multi store"
//     (Expect.Judge);
//   - the step kinds built on them: the runtimeConfig action (a merge into
//     the runtime-config ConfigMap, waiting until the pods serve it) with its
//     refuseWhile guard, the multiKV action (a stage's document through the
//     runtimeConfig action), and the multiKV, memberlist (keys, own and
//     foreign members) and haTracker (distributors agree on each HA cluster's
//     elected replica) gates.
//
// The migration plans stay data in plans/ (ring-kv-to-memberlist,
// ha-tracker-kv-to-memberlist, memberlist-cluster-label) and use these
// kinds; pkg/engine only lists and binds them. Reading Mimir's endpoints is
// pkg/mimirapi's, the ConfigMap read and write is pkg/kube's.
//
// Facts follow Mimir's documentation: "Migrate from Consul to memberlist KV
// store for hash rings without downtime" (docs/sources/mimir/set-up/jsonnet/
// migrate-from-consul-to-memberlist.md: the steps and the
// cortex_multikv_* metrics), "Configure Grafana Mimir hash rings"
// (docs/sources/mimir/configure/configure-hash-rings.md: the multi KV store's
// flags and its runtime configuration, which sets only primary and
// mirror_enabled), "Migrate HA tracker from Consul or etcd to memberlist"
// (docs/sources/mimir/configure/migrate-ha-tracker-to-memberlist.md), and
// dskit's kv/multi.go (an empty primary or an absent mirror_enabled in the
// runtime configuration changes nothing; switching the primary to the
// secondary swaps them). Mimir's jsonnet (operations/mimir/memberlist.libsonnet)
// renders the same documents from its multikv_* knobs, and keeps
// multi_kv_config through the teardown rollout (multikv_migration_teardown)
// because a client still on the multi store would fall back to its flags'
// primary without it (grafana/mimir#1659).
package kvmigrate
