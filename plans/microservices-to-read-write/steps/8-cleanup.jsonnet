local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
{
  id: '8-read-write-mode',
  title: 'Switch to deployment_mode read-write and remove the microservices',
  why: |||
    The microservice objects are no longer rendered and are deleted (only those labelled as this
    environment's; never a StatefulSet that still runs pods). Their overrides go too: they
    have nothing left to change (the querier's autoscaling stays off: read-write mode requires it). Their PVCs are listed, and
    deleted only with --delete-pvcs.
  |||,
  docs: [{ title: 'Step 8: Final cleanup' }],
  actions: [
    m.jsonnet({
      // Mimir's read-write mode asserts that querier autoscaling is off.
      config: { deployment_mode: 'read-write', autoscaling_querier_enabled: false },
      remove: {
        config: ['multi_zone_store_gateway_replicas'],
        hidden: { store_gateway_args: [] },
        objects: m.replicasFields(['query_frontend_deployment', 'query_scheduler_deployment', 'querier_deployment', 'ruler_deployment',
                                   'overrides_exporter_deployment', 'compactor_statefulset', 'distributor_deployment']) +
                 [m.zoneStatefulSet(c, z) for c in ['ingester', 'store_gateway'] for z in zones],
      },
      destructive: true,
    }),
    { pvcCleanup: { match: p.pvcPattern } },
  ],
  undo: 'Set deployment_mode back to migration (the microservices come back with the replicas overrides removed here).',
}
