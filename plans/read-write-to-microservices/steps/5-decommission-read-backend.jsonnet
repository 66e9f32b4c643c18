local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local gone(ring, micro, name, zone) = m.ring(name, ring, m.nameIn(micro), [m.left('mimir-backend-' + zone), m.joined(micro[0])]);
// The step after the zones' steps.
local rulerStep = '5.%d-' % (std.length(zones) + 2);
local field(z) = m.zoneStatefulSet('mimir_backend', z);
// mimir-backend leaves one zone at a time, as Mimir's scaling guide says of
// store-gateways ("Scaling down store-gateways": any number within one zone,
// then the next zone): with zone-aware replication every block keeps a
// loaded replica in the other zones while this zone's store-gateways load
// the blocks mimir-backend held. Scaled all at once, the blocks that
// mimir-backend held in every zone have no loaded replica until the
// store-gateways resync, and long-term queries fail (store consistency
// check) meanwhile.
local zoneStep(i, z) = {
  id: '5.%d-scale-down-mimir-backend-%s' % [i + 2, z],
  title: 'Scale mimir-backend in %s to 0' % z,
  why: |||
    Its store-gateways unregister (step 3.1) and the store-gateways of the zone take over
    its blocks while the other zones still serve them; its query-scheduler, compactor and
    ruler hand over to the microservices. The next zone follows once long-term queries,
    which only store-gateways answer, succeed again.
  |||,
  docs: [{ title: 'Scaling down store-gateways' }],
  actions: [m.jsonnet({ objects: m.replicas(field(z), 0), destructive: true })],
  gates: [
    gone('query-scheduler', ['query-scheduler'], 'mimir-backend-%s-left-query-scheduler-ring' % z, z),
    gone('compactor', ['compactor'], 'mimir-backend-%s-left-compactor-ring' % z, z),
    gone('ruler', ['ruler'], 'mimir-backend-%s-left-ruler-ring' % z, z),
    gone('store-gateway', ['store-gateway-' + z], 'mimir-backend-%s-left-store-gateway-ring' % z, z),
    m.longTermQuery('name=query-frontend', 'name=querier', p.tenant, consecutive=2),
  ],
  undo: 'Remove the %s replicas override.' % field(z),
};
[
  {
    id: '5.1-scale-down-read',
    title: 'Scale mimir-read to 0',
    why: 'Reads go to the query-frontends since step 4; mimir-read is stateless and holds no ring entry.',
    actions: [m.jsonnet({
      config: { mimir_read_replicas: 0, autoscaling_mimir_read_enabled: false },
      destructive: true,
    })],
    undo: 'Set mimir_read_replicas back.',
  },
] + [zoneStep(i, zones[i]) for i in std.range(0, std.length(zones) - 1)] + [
  if p.rulerRemoteEvaluation then {
    id: rulerStep + 'ruler-remote-evaluation-on',
    title: 'Turn ruler remote evaluation back on',
    why: |||
      Only the microservice ruler evaluates rules now, so it may use its own query path again.
      Ruler-querier autoscaling, which microservices-to-read-write turned off, is the
      environment's own setting again.
    |||,
    actions: [m.jsonnet({
      config: { ruler_remote_evaluation_enabled: true },
      remove: { config: ['autoscaling_ruler_querier_enabled'] },
    })],
    // The ruler's own query path (Grafana's library renders it with remote
    // evaluation) must serve before the step is done.
    gates: [m.ready('ruler-query-path-ready', m.nameIn(['ruler-querier', 'ruler-query-frontend']))],
    undo: 'Set ruler_remote_evaluation_enabled to false.',
  } else {
    // Step 1 (and microservices-to-read-write before it) pinned these in
    // mimirctl.libsonnet; leaving them there would silently drop the ruler's
    // query path of an environment that evaluated rules remotely.
    id: rulerStep + 'ruler-settings-back',
    title: "Give ruler remote evaluation and ruler-querier autoscaling back to the environment",
    why: |||
      Step 1 turned ruler remote evaluation off for the migration, and microservices-to-read-write
      turned ruler-querier autoscaling off as well. With mimir-backend's ruler gone,
      mimirctl.libsonnet stops overriding them and the environment's own settings apply again:
      an environment that evaluated rules remotely gets ruler-querier, ruler-query-frontend and
      ruler-query-scheduler back (-p rulerRemoteEvaluation=true turns it on whatever the
      environment says).
    |||,
    actions: [m.jsonnet({ remove: { config: ['ruler_remote_evaluation_enabled', 'autoscaling_ruler_querier_enabled'] } })],
    undo: 'Set ruler_remote_evaluation_enabled and autoscaling_ruler_querier_enabled to false in mimirctl.libsonnet.',
  },
]
