// Store-gateways: the zone StatefulSets join a ring of their own (prefix
// multi-zone/), the queriers and rulers move to it, the old StatefulSet goes.
// Tanka: Grafana's library knobs (multi_zone_store_gateway_*); Helm: the
// mimir-distributed chart's store_gateway.zoneAwareReplication values, as
// its guide passes them (migration.enabled, readPath).
local m = import 'mimirctl.libsonnet';
local z = import 'zones.libsonnet';
local p = std.extVar('params');
local sel = z.selectors;
local zoneGateways = ['store-gateway-' + zone for zone in z.zones];
// Per zone, the library and the chart render ceil(N / 3) (the placeholder
// when `plans show` has no N).
local perZone = z.perZone(p.storeGatewayReplicas);
// The zone store-gateways, read from one of them: their ring is the
// multi-zone one.
local zonesJoined(name) = m.ring(name, 'store-gateway', m.nameIn(zoneGateways),
                                 [{ members: '.+', joined: true, perZone: { zones: z.zones, min: perZone } }], timeout='30m');
// Long-term data through the queriers: a range older than query_store_after
// and query_ingesters_within, which only store-gateways answer.
local longTerm = m.longTermQuery(sel.queryFrontend, sel.queryPath, p.tenant, timeout='15m');
local queryPath = m.ready('queriers-and-rulers-ready', sel.queryPath);
local SG(v) = { store_gateway: { zoneAwareReplication: v } };
// On Helm the zone StatefulSets take their size from store_gateway.replicas,
// which the parameter must then be.
local sgReplicas = z.expectReplicas('store_gateway.replicas', p.storeGatewayReplicas, 'storeGatewayReplicas');
// The old store-gateways stop once the queriers read the zone ring only: a
// StatefulSet that still runs pods is never deleted by a prune or an upgrade.
local stopOld = {
  id: '1.3-old-store-gateways-stopped',
  title: 'Stop the old store-gateways',
  why: 'The queriers and rulers read the zone ring only; the old store-gateways serve nothing any more. Their entries stay in the old ring (store-gateways do not unregister on shutdown), which nothing reads.',
  docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 3)' }],
  // Directly, as the chart has no value that scales the old StatefulSet
  // alone; the next step stops rendering it.
  actions: [{ scale: { kind: 'StatefulSet', name: sel.oldStoreGateways, replicas: 0 } }],
  gates: [longTerm],
  undo: 'Scale StatefulSet %s back to its replicas (or apply the environment as it is: %s).' % [sel.oldStoreGateways, if z.helm then 'helm upgrade with your values and mimirctl-values.yaml' else 'tk apply'],
};
if !p.storeGatewayDowntime then [
  {
    id: '1.1-store-gateway-zones',
    title: 'Start the zone store-gateways next to the old ones',
    why: |||
      The old StatefulSet stays (the migration keeps it); the zone StatefulSets register in the
      multi-zone/ ring, which no querier reads yet (the read path is pinned off: in the library its
      default follows multi_zone_store_gateway_enabled and would move the queriers at once).
      The configuration changes, so every Mimir component restarts once (on Helm through the
      configuration checksum every pod carries).
    |||,
    docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 1)' }],
    actions: [
      m.jsonnet({ config: {
        multi_zone_store_gateway_enabled: true,
        multi_zone_store_gateway_migration_enabled: true,
        multi_zone_store_gateway_read_path_enabled: false,
        multi_zone_store_gateway_replicas: p.storeGatewayReplicas,
      } }), m.helmValues({
        set: SG({ enabled: true, migration: { enabled: true, readPath: false } }) + z.rolloutOperator,
        expectValues: [sgReplicas],
      }),
    ],
    gates: [
      zonesJoined('zone-store-gateways-joined'),
      m.ring('old-store-gateways-serve', 'store-gateway', sel.oldStoreGatewayPods, [m.joined(sel.oldStoreGateways)]),
    ],
    undo: if z.helm then 'Remove store_gateway.zoneAwareReplication (and rollout_operator) from mimirctl-values.yaml: the zone StatefulSets are deleted by the upgrade.'
    else 'Remove the four multi_zone_store_gateway_* keys from mimirctl.libsonnet (the zone StatefulSets are pruned).',
  },
  {
    id: '1.2-store-gateway-read-path',
    title: 'Move the queriers and rulers to the zone store-gateways',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 2)' }],
    actions: [
      m.jsonnet({ config: { multi_zone_store_gateway_read_path_enabled: true } }), m.helmValues({ set: SG({ migration: { readPath: true } }) }),
    ],
    gates: [queryPath, longTerm],
    undo: if z.helm then 'Set store_gateway.zoneAwareReplication.migration.readPath to false.' else 'Set multi_zone_store_gateway_read_path_enabled to false.',
  },
  stopOld,
  {
    id: '1.4-old-store-gateways-removed',
    title: 'Remove the old store-gateways',
    why: 'The old StatefulSet, its Service and PodDisruptionBudget are no longer rendered and are deleted (only what mimirctl applied as this environment, or what the Helm release holds; the chart keeps one PodDisruptionBudget for all store-gateways). Their volumes stay.',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication without downtime (step 3)' }],
    actions: [
      m.jsonnet({
        config: { multi_zone_store_gateway_migration_enabled: false },
        remove: { config: ['multi_zone_store_gateway_read_path_enabled'] },
        destructive: true,
      }), m.helmValues({ remove: ['store_gateway.zoneAwareReplication.migration'], destructive: true }),
    ],
    gates: [longTerm],
    undo: if z.helm then 'Set store_gateway.zoneAwareReplication.migration back to {enabled: true, readPath: true} (the old StatefulSet comes back and loads every block again).'
    else 'Set multi_zone_store_gateway_migration_enabled to true (the old StatefulSet comes back and loads every block again).',
  },
] else [
  {
    id: '1.1-stop-old-store-gateways',
    title: 'Stop the old store-gateways',
    why: 'Until the zone store-gateways have loaded every block, queries older than query_store_after fail; ingestion and recent queries go on.',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication with downtime (step 1)' }],
    // The apply waits until the StatefulSet has no pod left. Store-gateways
    // run with unregister-on-shutdown=false: their entries stay in the old
    // ring, which nothing reads once the zone ring serves (and no pod is
    // left to read it from).
    actions: [
      m.jsonnet({ objects: m.replicas('store_gateway_statefulset', 0), destructive: true }), m.helmValues({ set: { store_gateway: { replicas: 0, zoneAwareReplication: { enabled: false } } }, destructive: true }),
    ],
    undo: if z.helm then 'Remove store_gateway.replicas and store_gateway.zoneAwareReplication from mimirctl-values.yaml.' else 'Remove the store_gateway_statefulset replicas override.',
  },
  {
    id: '1.2-store-gateway-zones',
    title: 'Start the zone store-gateways and move the read path to them',
    docs: [{ title: 'Migrate store-gateways to zone-aware replication with downtime (step 2)' }],
    actions: [
      m.jsonnet({
        config: { multi_zone_store_gateway_enabled: true, multi_zone_store_gateway_replicas: p.storeGatewayReplicas },
        remove: { objects: ['store_gateway_statefulset'] },
        destructive: true,
      }), m.helmValues({
        set: SG({ enabled: true }) + z.rolloutOperator,
        remove: ['store_gateway.replicas'],
        expectValues: [sgReplicas],
        destructive: true,
      }),
    ],
    gates: [zonesJoined('zone-store-gateways-joined'), queryPath, longTerm],
    undo: if z.helm then 'Set store_gateway.zoneAwareReplication.enabled to false in mimirctl-values.yaml (the old StatefulSet comes back at your replicas).'
    else 'Remove multi_zone_store_gateway_enabled and multi_zone_store_gateway_replicas (the old StatefulSet comes back at its replicas).',
  },
]
