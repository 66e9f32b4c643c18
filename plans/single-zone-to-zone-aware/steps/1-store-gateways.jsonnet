// Store-gateways: the zone StatefulSets join a ring of their own (prefix
// multi-zone/), the queriers and rulers move to it, the old StatefulSet goes.
local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = ['zone-a', 'zone-b', 'zone-c'];
local zoneGateways = ['store-gateway-' + z for z in zones];
// Per zone, the library renders ceil(N / 3) (the placeholder when `plans
// show` has no N).
local perZone = if std.isNumber(p.storeGatewayReplicas) then std.ceil(p.storeGatewayReplicas / std.length(zones)) else 'ceil(%s / 3)' % p.storeGatewayReplicas;
// The zone store-gateways, read from one of them: their ring is the
// multi-zone one.
local zonesJoined(name) = m.ring(name, 'store-gateway', m.nameIn(zoneGateways),
                                 [{ members: '.+', joined: true, perZone: { zones: zones, min: perZone } }], timeout='30m');
// Long-term data through the queriers: a range older than query_store_after
// and query_ingesters_within, which only store-gateways answer.
local longTerm = {
  name: 'long-term-query',
  storeQuery: { pods: { labels: 'name=query-frontend' }, queriers: { labels: m.nameIn(['querier', 'ruler', 'ruler-querier']) }, tenant: p.tenant },
  interval: '10s',
  timeout: '15m',
  consecutive: 3,
};
local queryPath = m.ready('queriers-and-rulers-ready', m.nameIn(['querier', 'ruler', 'ruler-querier']), minPods=2);
if !p.storeGatewayDowntime then [
  {
    id: '1.1-store-gateway-zones',
    title: 'Start the zone store-gateways next to the old ones',
    why: |||
      multi_zone_store_gateway_migration_enabled keeps the old StatefulSet; the zone StatefulSets
      register in the multi-zone/ ring, which no querier reads yet (read path pinned off: its
      default follows multi_zone_store_gateway_enabled and would move the queriers at once).
    |||,
    docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 1)' }],
    actions: [m.jsonnet({ config: {
      multi_zone_store_gateway_enabled: true,
      multi_zone_store_gateway_migration_enabled: true,
      multi_zone_store_gateway_read_path_enabled: false,
      multi_zone_store_gateway_replicas: p.storeGatewayReplicas,
    } })],
    gates: [
      zonesJoined('zone-store-gateways-joined'),
      m.ring('old-store-gateways-serve', 'store-gateway', 'name=store-gateway', [m.joined('store-gateway')]),
    ],
    undo: 'Remove the four multi_zone_store_gateway_* keys from mimirctl.libsonnet (the zone StatefulSets are pruned).',
  },
  {
    id: '1.2-store-gateway-read-path',
    title: 'Move the queriers and rulers to the zone store-gateways',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 2)' }],
    actions: [m.jsonnet({ config: { multi_zone_store_gateway_read_path_enabled: true } })],
    gates: [queryPath, longTerm],
    undo: 'Set multi_zone_store_gateway_read_path_enabled to false.',
  },
  {
    id: '1.3-old-store-gateways-removed',
    title: 'Remove the old store-gateways',
    why: 'The queriers and rulers read the zone ring only; the old StatefulSet, its Service and PodDisruptionBudget are no longer rendered and are deleted (only what mimirctl applied as this environment).',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 3)' }],
    actions: [m.jsonnet({ config: { multi_zone_store_gateway_migration_enabled: false }, remove: { config: ['multi_zone_store_gateway_read_path_enabled'] }, destructive: true })],
    gates: [longTerm],
    undo: 'Set multi_zone_store_gateway_migration_enabled to true (the old StatefulSet comes back and loads every block again).',
  },
] else [
  {
    id: '1.1-stop-old-store-gateways',
    title: 'Stop the old store-gateways',
    why: 'Until the zone store-gateways have loaded every block, queries older than query_store_after fail; ingestion and recent queries go on.',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication with downtime (step 1)' }],
    // The apply waits until the StatefulSet has no pod left. The library
    // runs store-gateways with unregister-on-shutdown=false: their entries
    // stay in the old ring, which nothing reads once the zone ring serves
    // (and no pod is left to read it from).
    actions: [m.jsonnet({ objects: m.replicas('store_gateway_statefulset', 0), destructive: true })],
    undo: 'Remove the store_gateway_statefulset replicas override.',
  },
  {
    id: '1.2-store-gateway-zones',
    title: 'Start the zone store-gateways and move the read path to them',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication with downtime (step 2)' }],
    actions: [m.jsonnet({
      config: { multi_zone_store_gateway_enabled: true, multi_zone_store_gateway_replicas: p.storeGatewayReplicas },
      remove: { objects: ['store_gateway_statefulset'] },
      destructive: true,
    })],
    gates: [zonesJoined('zone-store-gateways-joined'), queryPath, longTerm],
    undo: 'Remove multi_zone_store_gateway_enabled and multi_zone_store_gateway_replicas (the old StatefulSet comes back at its replicas).',
  },
]
