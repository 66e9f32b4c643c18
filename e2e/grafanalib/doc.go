// Package grafanalib lays out Tanka projects around Grafana's Mimir jsonnet
// library (operations/mimir of the github.com/grafana/mimir Go module) the
// way Grafana's operations/mimir-tests/build.sh does, from local sources
// only: the module from the Go module cache (ModuleDir), a generated
// k8s-libsonnet subset (KubernetesLibrary, e2e/conformance/k8sgen) and
// compat libraries written here (compat/) for the dependencies the Go module
// proxy does not serve. Layout, WriteEnvironment and LinkTestFiles are what
// the conformance harness (e2e/conformance) renders Grafana's own test
// environments with; the harness proves the compat libraries against
// Grafana's generated YAML.
//
// # The e2e environment
//
// WriteTestProject writes the environment the e2e suite deploys on the
// local cluster (e2e/local) and `make demo` runs, in place of the mimir-lite
// test library (issue 15): on Mimir 3.0.5 for the zone shutdown and the KV
// migrations, on Mimir 2.16.0 for the read-write round trip and the demo.
// It is a self-contained project (LayoutCopy: copies, not symlinks, so that
// the in-cluster Job of the KV scenario can mount it):
// TestEnvironment(ns), defined in environment/mimir-e2e.libsonnet (3.0.5) or
// environment/mimir-e2e-2.16.libsonnet (2.16.0, which merges the former)
// on top of Grafana's library with only test-sized settings, set through
// the library's own _config knobs and *_args fields:
//
//   - Mimir in microservices mode; ingesters and store-gateways in
//     zones a, b and c (multi_zone_*_enabled), which the library renders as
//     one StatefulSet per zone with updateStrategy OnDelete, the
//     rollout-group label and the rollout-max-unavailable annotation, as
//     grafana/rollout-operator expects them; every ring on memberlist.
//   - Object storage storage_backend 's3' at a Versity S3 gateway
//     (versity/versitygw:v1.8.0, posix backend on a 1Gi claim) that the
//     environment adds as a Deployment and Service; an init container
//     (busybox) creates the bucket directory.
//
// # Supported Mimir versions
//
// Mimir305 (module v1.3.1-0.20260423142704-aced80d74930, whose VERSION is
// 3.0.5): the local cluster runs bin/mimir3, built from that module, for
// grafana/mimir:3.*.
//
// Mimir216 (module v1.3.1-0.20250422071521-e0840d372c6b, a commit of
// 2025-04-22 whose VERSION is 2.16.0), the newest 2.x the module proxy
// serves every dependency of (the May 2025 main needs grafana/alerting and
// grafana/e2e versions it refuses; 2.17 commits could not be named, see
// the README): the local cluster runs bin/mimir216, built from that
// module, for grafana/mimir:2.16.*. Its variant,
// environment/mimir-e2e-2.16.libsonnet, differs where the 2.16 library
// does: it has no rollout-operator knob (rollout-operator.libsonnet derives
// the operator from multi_zone_*_enabled and keeps its webhooks off), so
// the variant hides the rollout_operator_* objects (_deployment, _role,
// _rolebinding, _service_account, _pdb) as `field:: super.field`, keeping
// the library's values for RolloutOperatorLib to show again; there are no
// zpdb knobs (2.x renders plain PodDisruptionBudgets); and it always
// renders an etcd-operator EtcdCluster for the distributors' HA tracker
// (at Service etcd-client), which the local cluster cannot run: the
// variant hides it and points the HA tracker at the etcd StatefulSet of
// environment/mimir-e2e-etcd.libsonnet. It runs the ruler too (most
// clusters do; read-write mode moves it into mimir-backend), in a bucket
// of its own. The microservices' replica patches are null-guarded: in
// read-write mode their Deployments render null. WriteTestProject refuses
// any other module.
//
// # What differs from a production environment, and why
//
//   - rollout-operator is left out: grafana/rollout-operator cannot run on
//     the local cluster (no image, and its Go module is not served here);
//     the e2e suite runs a stand-in (e2e/rolloutoperatorfake) in-process and
//     registers its own webhooks. rollout_operator_enabled and
//     rollout_operator_webhooks_enabled false remove the operator's
//     Deployment, Service, ServiceAccount, Role and RoleBinding, its
//     PodDisruptionBudget, the webhook-certificate Role, RoleBinding,
//     ClusterRole and ClusterRoleBinding, and the prepare-downscale
//     (mutating), no-downscale, pod-eviction and zpdb-validation (validating)
//     webhook configurations. ZoneAwarePodDisruptionBudgets need the
//     operator's CRD and webhooks (the library asserts so), so
//     multi_zone_*_zpdb_enabled false gives the zones the library's plain
//     PodDisruptionBudgets ingester-rollout and store-gateway-rollout
//     (maxUnavailable 1) instead. With the real grafana/rollout-operator
//     jsonnet the library would also render the ZoneAwarePodDisruptionBudget
//     CRD (the compat library does not write CRDs). The StatefulSets are
//     unchanged: the library labels them for the operator whether it runs
//     or not. TestTestEnvironmentRolloutOperatorKnobsRemoveTheOperatorAndItsWebhooks
//     holds this list to the render. Where the operator's image can run
//     (kind, e2e/kind/run.sh), the suite merges RolloutOperatorLib
//     (environment/mimir-e2e-rollout-operator.libsonnet) into each
//     environment: the library's own operator, zone tracker and webhooks,
//     on both modules, in place of the stand-in; the zones keep their plain
//     PodDisruptionBudgets (TestRolloutOperatorLibDeploysTheLibrarysOperator).
//   - Caches off (cache_frontend_enabled, cache_index_queries_enabled,
//     cache_chunks_enabled, cache_metadata_enabled false): no memcached
//     StatefulSets, which the local cluster has no binary for; queries read
//     the bucket directly.
//   - Storage is one gateway on one claim over plain HTTP
//     (common.storage.s3.insecure, added to the library's storageConfig),
//     with static credentials in plain environment variables; production
//     uses a cloud bucket, TLS and managed secrets.
//   - Sizes: one replica per Deployment (the library: 3 distributors, 6
//     queriers, 2 query-frontends, 2 query-schedulers) and one ingester and
//     one store-gateway per zone; requests 50m CPU and 64Mi memory per Mimir
//     container (the library: up to 4 CPU and 15Gi); 1Gi volumes (the
//     library: 50-250Gi). The library's memory limits stay; the local
//     cluster does not enforce requests or limits, and every pod there is a
//     process on 2 shared cores.
//   - Waits: ingester and store-gateway ring heartbeats every 5 s (the
//     library: 2 m and 1 m) and -ingester.ring.min-ready-duration 5 s
//     (Mimir's default 15 s), so that ring state follows restarts within
//     seconds. Blocks reach the store-gateways within seconds: ingesters
//     ship every 15 s (library: 1 m), compactor_cleanup_interval 15 s (the
//     library's knob for the bucket index's cleanup and sync intervals;
//     library: 15 m), store-gateways load blocks of any age
//     (ignore-blocks-within 0s; Mimir: 10 h) and queriers ask them for data
//     older than 1 m (-querier.query-store-after; Mimir: 12 h), so a zone
//     shutdown waits 1 m for its blocks, not 12 h. Queriers check their
//     copy of the bucket index every minute (±20%, fixed in Mimir), so
//     they may see a new block up to about a minute and a half after it
//     is written; the other zones' ingesters answer for it meanwhile.
//     Shutdown delays are 15 s (the library: 90 s for distributors and
//     query-frontends, which mimir-write and mimir-read inherit), with the
//     library's rule kept: a distributor's delay above its gRPC
//     max-connection-age (10 s), a query-frontend's at twice its
//     max-connection-age (5 s) plus the cluster DNS TTL (5 s); every
//     restart or removal of those pods waited for the delay. Termination
//     grace periods are the library's.
//   - The image is grafana/mimir:3.0.5, the release bin/mimir3 is built
//     from (the library at this module names the next patch release), or
//     grafana/mimir:2.16.0 for bin/mimir216, and
//     anonymous usage reporting is off (usage_stats_enabled, which only
//     drops the installation-mode flag, and -usage-stats.enabled=false
//     through the library's usageStatsConfig).
//
// A scenario adds its own settings as WriteTestProject's extra jsonnet:
// tenant limits (_config.overrides), or KVStartLib
// (environment/mimir-e2e-kv.libsonnet), the KV migrations' starting point:
// rings on Consul through the library's memberlist_ring_enabled false (its
// Consul Deployment reduced to the server container), the HA tracker on
// the etcd StatefulSet of environment/mimir-e2e-etcd.libsonnet, set through
// distributor_args (the 3.0 library hard-codes memberlist); or the
// read-write round trip's long-term data settings
// (scenario.LongTermData), also in Grafana's read-write mode
// (scenario.ReadWrite), which the unit tests render.
//
// The unit tests (environment_test.go) render the environment on both
// modules with pkg/tanka and check it against the local cluster's image rules
// (cluster.DefaultImageRules, cluster.ResolveImage) and the points above;
// test-sized there means at most 1 replica per workload, container requests
// of at most 100m CPU and 128Mi memory, and volume claims of at most 1Gi.
package grafanalib
