// The e2e environment on Grafana's Mimir 2.16 library (operations/mimir of
// the github.com/grafana/mimir module whose VERSION is 2.16.0): the Mimir
// 3.0.5 environment's settings (mimir-e2e.libsonnet, which see) where the
// 2.16 library has the same knobs, and what 2.16 needs besides. It is the
// starting point of the read-write round trip: microservices mode, zones
// a, b and c, which the read-write plans take to read-write mode and back.
// The reasons are in e2e/grafanalib's package documentation (doc.go).
//
// main.jsonnet (grafanalib.WriteTestProject) sets _config.namespace.
(import 'mimir-e2e.libsonnet') + (import 'mimir-e2e-etcd.libsonnet') + {
  local config = self._config,

  // The local cluster runs bin/mimir216 (built from the same module) for
  // grafana/mimir:2.16.*.
  _images+:: {
    mimir: 'grafana/mimir:2.16.0',
  },

  _config+:: {
    // The ruler, as most clusters run it: read-write mode moves it into
    // mimir-backend (in its own bucket, mimir-e2e.libsonnet).
    ruler_enabled: true,
  },
  // The ruler evaluates rules with the queriers' split between ingesters
  // and store-gateways (mimir-e2e.libsonnet's querier_args); Mimir
  // refuses a -querier.query-ingesters-within not above it.
  ruler_args+:: {
    'querier.query-store-after': $.querier_args['querier.query-store-after'],
  },

  // rollout-operator: the 2.16 library has no knob for it (it derives the
  // operator from multi_zone_*_enabled) and keeps its webhooks off by
  // default (enable_rollout_operator_webhook). The suite runs its stand-in
  // instead, so the operator's objects are hidden here, with the library's
  // values kept: mimir-e2e-rollout-operator.libsonnet shows them again.
  rollout_operator_deployment:: super.rollout_operator_deployment,
  rollout_operator_role:: super.rollout_operator_role,
  rollout_operator_rolebinding:: super.rollout_operator_rolebinding,
  rollout_operator_service_account:: super.rollout_operator_service_account,
  rollout_operator_pdb:: super.rollout_operator_pdb,

  // The HA tracker: the 2.16 library always renders an etcd-operator
  // EtcdCluster and points the distributors at its Service etcd-client;
  // etcd-operator cannot run here, so the distributors (and mimir-write)
  // use mimir-e2e-etcd.libsonnet's etcd instead.
  etcd:: null,
  distributor_args+:: {
    'distributor.ha-tracker.etcd.endpoints': config.etcd_address,
  },

  // Small requests and one replica, as for the microservices
  // (mimir-e2e.libsonnet); read-write mode's replicas are the plans'
  // parameters.
  local requests = $.util.resourcesRequests('50m', '64Mi'),
  ruler_container+:: requests,
  mimir_write_container+:: requests,
  mimir_read_container+:: requests,
  mimir_backend_container+:: requests,
  ruler_deployment: if super.ruler_deployment == null then null else super.ruler_deployment { spec+: { replicas: 1 } },
}
