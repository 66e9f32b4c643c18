// mimir-read (-target=read: query-frontend + querier), a Deployment.
local k = import '../k.libsonnet';

{
  local c = $._config,
  local enabled = c.is_read_write_deployment_mode,

  // Query-frontend settings win: it is the ingress of the read path.
  mimir_read_args:: $.querier_args + $.query_frontend_args + {
    target: 'read',
    // Spread the queue over at most two schedulers.
    'query-scheduler.max-used-instances': 2,
  },

  mimir_read_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),

  mimir_read_container::
    $.util.mimirContainer('mimir-read', $._images.mimir_read, $.mimir_read_args, $.mimir_read_ports),

  mimir_read_deployment: if !enabled then null else
    $.util.mimirDeployment('mimir-read', if c.autoscaling_mimir_read_enabled then null else c.mimir_read_replicas,
                           $.mimir_read_container, $.kv.ringsGossip),

  mimir_read_service: if !enabled then null else $.util.serviceFor($.mimir_read_deployment),

  // For mimir-backend's ruler, which balances gRPC over every pod.
  mimir_read_headless_service: if !enabled then null else
    $.util.serviceFor($.mimir_read_deployment, headless=true) + { metadata+: { name: 'mimir-read-headless' } },

  mimir_read_pdb: if !enabled then null else
    k.policy.v1.podDisruptionBudget.new('mimir-read', { name: 'mimir-read' }),
}
