local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local storeGateways = ['store-gateway-' + z for z in zones];
local both(ring, micro, name) = m.ring(name, ring, m.nameIn(micro + backends), [m.joined(w) for w in micro + [backends[0]]]);
local storeGatewayField(z) = m.zoneStatefulSet('store_gateway', z);
// The store-gateways of zone z are ACTIVE in the ring (their first block
// sync is done) and mimir-backend's are still there.
local storeGatewaysJoined(z) =
  m.ring('store-gateway-%s-joined' % z, 'store-gateway', m.nameIn(storeGateways + backends),
         [m.joined('store-gateway-' + z)] + [m.joined(b) for b in backends]);
// Long-term data still answers through mimir-read, which serves reads
// until step 4.2.
local longTerm = m.longTermQuery('name=mimir-read', 'name=mimir-read', p.tenant, consecutive=2);
local route =
  if p.backendService == '' then {
    manual: { instructions: 'Configure your load balancer to route the ruler and compactor endpoints (/prometheus/config/v1/rules*, /api/v1/rules*) to the ruler.' },
  } else {
    actions: [{ routeService: { service: p.backendService, selector: { name: 'ruler' } } }],
  };
[
  {
    id: '3.1-backend-unregister',
    title: 'Make mimir-backend store-gateways leave the ring on shutdown, and the microservices stay',
    why: 'mimir-backend goes away for good later: its store-gateways must unregister when they stop, the microservice ones must keep their entries across restarts.',
    actions: [m.jsonnet({ hidden: {
      mimir_backend_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': true },
      store_gateway_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': false },
    } })],
    undo: 'Remove the mimir_backend_args and store_gateway_args overrides.',
  },
  {
    id: '3.2-scale-up-backend-microservices',
    title: 'Bring the compactor, ruler, query-scheduler and overrides-exporter back, and the store-gateways of ' + zones[0],
    why: |||
      Store-gateways come back as multi_zone_store_gateway_replicas (parameter storeGatewayReplicas):
      Grafana's library renders 0 unless the environment sets it. They come back one zone at a
      time: a store-gateway that joins the ring owns its share of the blocks at once, so
      mimir-backend in its zone drops them, but it loads them only after the ring has been stable
      for a while (a minute with the library's settings). Zones joining together leave the blocks
      that moved in every zone without a loaded replica meanwhile, and long-term queries fail
      (Mimir's store consistency check); one zone at a time, the other zones answer for them.
    |||,
    actions: [m.jsonnet({
      config: { multi_zone_store_gateway_replicas: p.storeGatewayReplicas },
      objects: std.foldl(function(acc, z) acc + m.replicas(storeGatewayField(z), 0), zones[1:], {}),
      remove: {
        objects: m.replicasFields(['query_scheduler_deployment', 'ruler_deployment', 'overrides_exporter_deployment', 'compactor_statefulset']),
      },
    })],
    gates: [
      both('query-scheduler', ['query-scheduler'], 'query-scheduler-ring'),
      storeGatewaysJoined(zones[0]),
      both('compactor', ['compactor'], 'compactor-ring'),
      both('ruler', ['ruler'], 'ruler-ring'),
      longTerm,
    ],
    undo: 'Set the replicas overrides back to 0.',
  },
] + [
  {
    id: '3.2-scale-up-store-gateway-' + z,
    title: 'Bring the store-gateways of %s back' % z,
    why: 'One zone at a time, once the store-gateways of the zone before have loaded their blocks (see step 3.2-scale-up-backend-microservices).',
    actions: [m.jsonnet({ remove: { objects: [storeGatewayField(z)] } })],
    gates: [storeGatewaysJoined(z), longTerm],
    undo: 'Set %s.spec.replicas back to 0.' % storeGatewayField(z),
  }
  for z in zones[1:]
] + [
  {
    id: '3.3-route-backend',
    title: 'Route the ruler and compactor endpoints to the microservices',
    undo: 'Route them back to mimir-backend.',
  } + route,
]
