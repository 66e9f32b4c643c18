local m = import 'mimirctl.libsonnet';
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local p = std.extVar('params');
local gone(ring, micro, name) = m.ring(name, ring, m.nameIn(backends), [m.left(w) for w in micro] + [m.joined('mimir-backend-' + zones[0])]);
local field(z) = m.zoneStatefulSet('store_gateway', z);
// The microservice store-gateways leave one zone at a time, as Mimir's
// scaling guide says ("Scaling down store-gateways": any number within one
// zone, then the next zone): with zone-aware replication every block keeps a
// loaded replica in the other zones while mimir-backend in this zone loads
// the blocks the zone's store-gateways held. Scaled all at once, the blocks
// they held in every zone have no loaded replica until mimir-backend
// resyncs, and long-term queries fail (store consistency check) meanwhile.
local zoneStep(i, z) = {
  id: '5.%d-scale-down-store-gateway-%s' % [i + 3, z],
  title: 'Scale the store-gateways in %s to 0' % z,
  why: |||
    They unregister (step 5.1) and mimir-backend in the zone takes over their blocks while the
    other zones still serve them. The next zone follows once long-term queries, which only
    store-gateways answer, succeed again through mimir-read.
  |||,
  docs: [{ title: 'Scaling down store-gateways' }],
  actions: [m.jsonnet({ objects: m.replicas(field(z), 0), destructive: true })],
  gates: [
    m.ring('store-gateway-%s-left' % z, 'store-gateway', m.nameIn(['mimir-backend-' + z]), [m.left('store-gateway-' + z), m.joined('mimir-backend-' + z)]),
    m.longTermQuery('name=mimir-read', 'name=mimir-read', p.tenant, p.longTermQuery, consecutive=2),
  ],
  undo: 'Remove the %s replicas override.' % field(z),
};
[
  {
    id: '5.1-store-gateway-unregister',
    title: 'Make microservice store-gateways leave the ring on shutdown, and mimir-backend stay',
    why: |||
      Store-gateways keep their ring entry on shutdown by default. The microservice ones are
      about to go for good, so they must unregister; mimir-backend must keep its entries
      across restarts.
    |||,
    docs: [{ title: 'Step 5: Scale down microservice read and backend components' }],
    actions: [m.jsonnet({ hidden: {
      store_gateway_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': true },
      mimir_backend_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': false },
    } })],
    undo: 'Remove the store_gateway_args and mimir_backend_args overrides.',
  },
  {
    id: '5.2-scale-down-read-backend',
    title: 'Scale the microservice read and backend components but the store-gateways to 0',
    why: |||
      The migration doc also sets autoscaling_querier_enabled: false here. That removes the
      querier's KEDA ScaledObject from the rendered environment, but a pipeline that does not
      prune leaves it running, and it scales the querier back up. Instead this step pauses every
      autoscaled component's ScaledObject at 0 (annotation autoscaling.keda.sh/paused-replicas),
      and step 8 turns autoscaling_querier_enabled off when the querier goes away.
      The doc scales the store-gateways down here too (multi_zone_store_gateway_replicas: 0);
      the next steps do it one zone at a time, as Mimir's scaling guide asks.
    |||,
    docs: [{ title: 'Step 5: Scale down microservice read and backend components' }, { title: 'Scaling down store-gateways' }],
    actions: [m.jsonnet({
      objects: m.replicas('query_frontend_deployment', 0) + m.replicas('query_scheduler_deployment', 0) +
               m.replicas('querier_deployment', 0) + m.replicas('ruler_deployment', 0) +
               m.replicas('overrides_exporter_deployment', 0) + m.replicas('compactor_statefulset', 0),
      destructive: true,
    })],
    gates: [
      gone('query-scheduler', ['query-scheduler'], 'query-scheduler-left'),
      gone('compactor', ['compactor'], 'compactor-left'),
      gone('ruler', ['ruler'], 'ruler-left'),
    ],
    undo: 'Remove the replicas overrides from mimirctl.libsonnet.',
  },
] + [zoneStep(i, zones[i]) for i in std.range(0, std.length(zones) - 1)] + [
  {
    id: '5.%d-ruler-remote-evaluation-off' % (std.length(zones) + 3),
    title: 'Turn off ruler remote evaluation and ruler-querier autoscaling',
    why: 'Only now that the microservice ruler is gone: turning it off earlier can make rule evaluations fail.',
    docs: [{ title: 'Step 5: Scale down microservice read and backend components' }],
    actions: [m.jsonnet({ config: { ruler_remote_evaluation_enabled: false, autoscaling_ruler_querier_enabled: false } })],
    undo: 'Set ruler_remote_evaluation_enabled back to true if you used it.',
  },
]
