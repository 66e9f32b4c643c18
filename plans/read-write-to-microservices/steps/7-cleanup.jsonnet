local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
{
  id: '7-microservices-mode',
  title: 'Switch to deployment_mode microservices and remove the read-write components',
  why: |||
    The read-write objects are no longer rendered and are deleted (only those labelled as this
    environment's; never a StatefulSet that still runs pods), and their overrides removed. Their
    PVCs are listed, and deleted only with --delete-pvcs. The cluster can now be upgraded to Mimir 3.
  |||,
  actions: [
    m.jsonnet({
      config: { deployment_mode: 'microservices' },
      remove: {
        config: ['mimir_read_replicas', 'mimir_backend_replicas', 'mimir_write_replicas', 'autoscaling_mimir_read_enabled'],
        hidden: { mimir_backend_args: [], store_gateway_args: [] },
        objects: [m.zoneStatefulSet(rw, z) for rw in ['mimir_write', 'mimir_backend'] for z in zones],
      },
      destructive: true,
    }),
    { pvcCleanup: { match: p.pvcPattern } },
  ],
  undo: 'Set deployment_mode back to migration.',
}
