local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local both(ring, micro, name) = m.ring(name, ring, m.nameIn(micro + backends), [m.joined(w) for w in micro + ['mimir-backend-' + zones[0]]]);
local backendField(z) = m.zoneStatefulSet('mimir_backend', z);
// mimir-backend of zone z runs, its store-gateway is ACTIVE in the ring
// (its first block sync is done) next to the microservice store-gateways,
// and long-term data answers through mimir-read.
local backendJoined(z) = [
  m.ready('mimir-backend-%s-ready' % z, 'name=mimir-backend-' + z),
  m.ring('mimir-backend-%s-joined-store-gateway-ring' % z, 'store-gateway', m.nameIn(['store-gateway-' + y for y in zones] + backends),
         [m.joined('mimir-backend-' + z)] + [m.joined('store-gateway-' + y) for y in zones]),
  m.longTermQuery('name=mimir-read', 'name in (querier, mimir-read)', p.tenant, p.longTermQuery, consecutive=2),
];
local route =
  if p.backendService == '' then {
    manual: { instructions: 'Configure your load balancer to route the compactor and ruler endpoints (/prometheus/config/v1/rules*, /api/v1/rules*, /compactor/*) to mimir-backend.' },
  } else {
    actions: [{ routeService: { service: p.backendService, selector: { 'rollout-group': 'mimir-backend' } } }],
  };
[
  {
    id: '4.1-scale-up-backend',
    title: 'Scale up mimir-backend in ' + zones[0],
    docs: [{ title: 'Step 4.1: Scale up backend component' }],
    why: |||
      mimir-backend comes up one zone at a time. Its store-gateway owns its share of the
      blocks as soon as it joins the ring, so the microservice store-gateways of its zone drop
      them, but it loads them only after the ring has been stable for a while (a minute with
      the library's settings). Zones joining together leave the blocks that moved in every zone
      without a loaded replica meanwhile, and long-term queries fail (Mimir's store consistency
      check); one zone at a time, the other zones answer for them.
    |||,
    actions: [m.jsonnet({
      config: { mimir_backend_replicas: p.mimirBackendReplicas },
      objects: std.foldl(function(acc, z) acc + m.replicas(backendField(z), 0), zones[1:], {}),
    })],
    gates: backendJoined(zones[0]),
    undo: 'Set mimir_backend_replicas back to 0 and remove the zone overrides.',
  },
] + [
  {
    id: '4.1-scale-up-mimir-backend-' + z,
    title: 'Scale up mimir-backend in ' + z,
    why: 'One zone at a time, once the store-gateways of mimir-backend in the zone before have loaded their blocks (see step 4.1-scale-up-backend).',
    actions: [m.jsonnet({ remove: { objects: [backendField(z)] } })],
    gates: backendJoined(z),
    undo: 'Set %s.spec.replicas back to 0.' % backendField(z),
  }
  for z in zones[1:]
] + [
  {
    id: '4.2-check-backend',
    title: 'Check that the backend rings hold both microservices and mimir-backend',
    docs: [{ title: 'Step 4.2: Check mimir-backend is working' }],
    gates: [
      both('query-scheduler', ['query-scheduler'], 'query-scheduler-ring'),
      both('store-gateway', ['store-gateway-' + z for z in zones], 'store-gateway-ring'),
      both('compactor', ['compactor'], 'compactor-ring'),
      both('ruler', ['ruler'], 'ruler-ring'),
      // Long-term data: a range older than the queriers' query_store_after
      // and query_ingesters_within, which only the store-gateways (now
      // including mimir-backend's) answer; the answer must hold samples.
      // Queries sent to mimir-read may run on the microservice queriers
      // too (they share the query-schedulers), so both give the settings.
      m.longTermQuery('name=mimir-read', 'name in (querier, mimir-read)', p.tenant, p.longTermQuery),
    ],
  },
  {
    id: '4.3-route-backend',
    title: 'Route the compactor and ruler endpoints to mimir-backend',
    docs: [{ title: 'Step 4.3: Route traffic to mimir-backend' }],
    undo: 'Route the compactor and ruler endpoints back to the microservices.',
  } + route,
]
