// Ingesters, without downtime: the zone StatefulSets come up beside the old
// one, writes and then reads become zone-aware, the old ingesters are shut
// down like a zone.
local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = ['zone-a', 'zone-b', 'zone-c'];
local zoneIngesters = ['ingester-' + z for z in zones];
// The old ingesters get a zone of their own, the guide's zone-default, so
// that writes can exclude them by zone before they are shut down.
local oldZone = 'zone-default';
local ringPods = m.nameIn(['distributor'] + zoneIngesters + ['ingester']);
// The series limits while series are held twice; removed at the end.
local limits = [
  'limits.max_global_series_per_user',
  'overrides.*.max_global_series_per_user',
  'overrides.*.max_global_series_per_metric',
  'ingester_instance_limits.max_series',
];
// Batches of at most batchSize zone ingesters, up to ingesterReplicas (one
// step standing for them all when `plans show` has no ingesterReplicas).
assert p.batchSize <= 21 : 'batchSize %d: the guide adds at most 21 ingesters at a time (each holds series twice until the old heads drop them); pass -p batchSize=21 or less' % p.batchSize;
local bound = std.isNumber(p.ingesterReplicas);
local batches =
  if bound then std.makeArray(std.ceil(p.ingesterReplicas / p.batchSize), function(i) std.min((i + 1) * p.batchSize, p.ingesterReplicas))
  else [p.ingesterReplicas];
local perZone(n) = if std.isNumber(n) then std.ceil(n / std.length(zones)) else 'ceil(%s / 3)' % n;
local ingesterSettings = { labels: m.nameIn(zoneIngesters + ['ingester']) };
local querierSettings = { labels: m.nameIn(['querier', 'ruler', 'ruler-querier']) };
// What a moved series leaves behind in the old ingesters' heads is dropped
// once its block is cut and the head compacted: the block range plus the
// idle timeout, to which each ingester adds up to 25% jitter (3h15m with
// Mimir's defaults; the guide says 3h).
local idleTimeout = 'blocks_storage.tsdb.head_compaction_idle_timeout';
local staleSeriesWait = {
  duration: '3h15m',
  reason: 'series that moved to the new ingesters leave the old heads',
  fromConfig: { pods: ingesterSettings, keys: ['blocks_storage.tsdb.block_ranges_period[0]', idleTimeout], factors: { [idleTimeout]: 1.25 } },
};
// Data written since the write path moved is only in the ingesters until
// query_store_after has passed.
local queryStoreAfterWait(reason) = {
  duration: '12h',
  reason: reason,
  fromConfig: { pods: querierSettings, keys: ['querier.query_store_after'] },
};
// What the old ingesters need until they are gone. The library gives
// ingester_args to the zone ingesters too, after which each sets its own
// zone; they flush on shutdown meanwhile (slower restarts, nothing lost).
local oldIngesterArgs = {
  'ingester.ring.instance-availability-zone': oldZone,
  'blocks-storage.tsdb.flush-blocks-on-shutdown': true,
  'ingester.ring.unregister-on-shutdown': true,
};
local shuffleOff = { 'querier.shuffle-sharding-ingesters-enabled': false };
[
  {
    id: '2.2-zone-ingesters-at-0',
    title: 'Double the series limits; create the zone ingesters with no replicas; the old ingesters flush on shutdown',
    why: |||
      multi_zone_ingester_migration_enabled keeps the old StatefulSet (its PodDisruptionBudget
      goes to 0 meanwhile). Both replication paths are pinned off: their defaults are on and
      would make distributors and queriers zone-aware at once. The old ingesters restart with
      the zone %s, flush and ship their blocks on shutdown, and leave the ring. In the same
      rollout the series limits double: while series move, each one is counted on an old and on
      a new ingester, and without room the ingesters refuse writes at the limits. The
      environment's own limits (its default, every tenant's override, the ingester instance
      limit where set) are doubled, not replaced. The old ingesters' PodDisruptionBudget stays
      at 0 until step 2.9: node drains wait for them.
    ||| % oldZone,
    docs: [
      { title: 'Migrate ingesters to zone-aware replication without downtime (step 0)' },
      { title: 'Migrate ingesters to zone-aware replication without downtime (step 1)' },
    ],
    actions: [m.jsonnet({
      scale: { [l]: 2 for l in limits },
      // Checked on the rendered objects before anything is written: each
      // value the environment gives these limits (ingester flags, tenants'
      // runtime overrides, runtime ingester limits) doubled, none missed
      // (a limit in ingester_args) and none doubled twice (a tenant that
      // inherits the default through late binding).
      expectScaled: {
        'ingester.max-global-series-per-user': 2,
        'ingester.max-global-series-per-metric': 2,
        'ingester.instance-limits.max-series': 2,
      },
      config: {
        multi_zone_ingester_enabled: true,
        multi_zone_ingester_migration_enabled: true,
        multi_zone_ingester_replication_write_path_enabled: false,
        multi_zone_ingester_replication_read_path_enabled: false,
        multi_zone_ingester_replicas: 0,
      },
      hidden: { ingester_args: oldIngesterArgs },
    })],
    gates: [m.ring('old-ingesters-in-their-zone', 'ingester', ringPods, [{ workload: 'ingester', zone: oldZone, joined: true }, m.settled])],
    undo: 'Remove the multi_zone_ingester_* keys, the ingester_args entries and the scale entries from mimirctl.libsonnet.',
  },
] + [
  {
    id: if bound then '2.3-zone-ingesters-%d' % n else '2.3-zone-ingesters-n',
    title: if bound then 'Bring the zone ingesters to %d' % n else 'Bring the zone ingesters to %s, %d more per step' % [n, p.batchSize],
    why: 'At most %d new ingesters at a time: every series they take over is held twice until the old heads drop it.' % p.batchSize,
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 2)' }],
    actions: [m.jsonnet({ config: { multi_zone_ingester_replicas: n } })],
    gates: [m.ring('zone-ingesters-joined', 'ingester', ringPods, [{ members: '.+', zone: z, joined: true, min: perZone(n) } for z in zones] + [m.settled], timeout='30m')],
    wait: staleSeriesWait,
    undo: 'Set multi_zone_ingester_replicas back to the previous batch after shutting the extra ingesters down one by one.',
  }
  for n in batches
] + (if p.shuffleSharding then [{
       id: '2.4-read-path-shuffle-sharding-off',
       title: 'Turn shuffle sharding off on the read path',
       why: 'A zone-aware write path places series outside the shards queriers would ask; until every series is back inside its shard, queriers and rulers ask every ingester (more load: watch them).',
       docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 2b)' }],
       actions: [m.jsonnet({ hidden: { querier_args: shuffleOff, ruler_args: shuffleOff } })],
       gates: [m.ready('queriers-and-rulers-ready', m.nameIn(['querier', 'ruler', 'ruler-querier']), minPods=2)],
       undo: 'Remove querier.shuffle-sharding-ingesters-enabled from querier_args and ruler_args.',
     }] else []) + [
  {
    id: '2.5-write-path-zone-aware',
    title: 'Make the write path zone-aware',
    why: 'Distributors and rulers replicate each series to three zones; the queriers keep asking every ingester until what was written before has reached the store.',
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 3)' }],
    actions: [m.jsonnet({ config: { multi_zone_ingester_replication_write_path_enabled: true } })],
    gates: [m.ready('distributors-and-rulers-ready', m.nameIn(['distributor', 'ruler']), minPods=2)],
    wait: queryStoreAfterWait('samples written before the write path moved are queried from the store'),
    undo: 'Set multi_zone_ingester_replication_write_path_enabled to false.',
  },
  {
    id: '2.6-read-path-zone-aware',
    title: 'Make the read path zone-aware',
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 4)' }],
    actions: [m.jsonnet({ config: { multi_zone_ingester_replication_read_path_enabled: true } })],
    gates: [m.ready('queriers-ready', 'name=querier')],
    undo: 'Set multi_zone_ingester_replication_read_path_enabled to false.',
  },
  {
    id: '2.7-old-zone-excluded',
    title: 'Exclude the old ingesters from writes',
    why: 'Distributors and rulers no longer send series to %s, so its ingesters hold nothing new when they are shut down.' % oldZone,
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 5)' }],
    actions: [m.jsonnet({ hidden: {
      distributor_args: { 'ingester.ring.excluded-zones': oldZone },
      ruler_args: { 'ingester.ring.excluded-zones': oldZone },
    } })],
    gates: [m.ready('distributors-and-rulers-ready', m.nameIn(['distributor', 'ruler']), minPods=2)],
    undo: 'Remove ingester.ring.excluded-zones from distributor_args and ruler_args.',
  },
  {
    id: '2.8-old-ingesters-shut-down',
    title: 'Shut the old ingesters down like a zone',
    why: 'Flush and ship every old ingester, scale the StatefulSet to 0, wait until they left the ring and their blocks are queryable.',
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 6)' }],
    minDuration: p.zoneShutdownMinDuration,
    actions: [
      { ingesterZoneShutdown: {
        statefulSet: 'ingester',
        zone: oldZone,
        ringPods: { labels: ringPods },
        config: {
          querier: { labels: 'name=querier' },
          ruler: { labels: 'name=ruler' },
          storeGateway: { labels: m.nameIn(['store-gateway-' + z for z in zones]) },
          compactor: { labels: 'name=compactor' },
        },
      } },
      m.jsonnet({ objects: m.replicas('ingester_statefulset', 0) }),
    ],
    gates: [m.ring('old-ingesters-left', 'ingester', m.nameIn(['distributor'] + zoneIngesters), [m.left('ingester')] + [m.joined(i) for i in zoneIngesters])],
    undo: 'Remove the ingester_statefulset replicas override (the old ingesters come back empty).',
  },
  {
    id: '2.9-migration-done',
    title: 'End the ingester migration',
    why: |||
      The old StatefulSet, its Service and PodDisruptionBudget are no longer rendered and are
      deleted (mimirctl never deletes a StatefulSet that still runs pods); the exclusion and the
      pins come out. Series the old ingesters handed over still sit in the new heads until their
      blocks are cut.
    |||,
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 7)' }],
    actions: [m.jsonnet({
      config: { multi_zone_ingester_migration_enabled: false, multi_zone_ingester_replicas: p.ingesterReplicas },
      remove: {
        config: ['multi_zone_ingester_replication_write_path_enabled', 'multi_zone_ingester_replication_read_path_enabled'],
        hidden: { distributor_args: ['ingester.ring.excluded-zones'], ruler_args: ['ingester.ring.excluded-zones'] },
        objects: ['ingester_statefulset'],
      },
      destructive: true,
    })],
    wait: staleSeriesWait,
    undo: 'Set multi_zone_ingester_migration_enabled back to true (the old StatefulSet comes back).',
  },
] + (if p.shuffleSharding then [{
       id: '2.10-read-path-shuffle-sharding-on',
       title: 'Wait until every series is inside its shard again',
       why: 'Only once query_store_after has passed since the old ingesters left is every series the queriers ask for inside its shard.',
       docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 8)' }],
       // A step waits after its actions: the wait is a step of its own,
       // before the one that changes the flag.
       wait: queryStoreAfterWait('every series is back inside its shard'),
     }, {
       id: '2.11-read-path-shuffle-sharding-back',
       title: "Give shuffle sharding on the read path back to the environment",
       actions: [m.jsonnet({ remove: { hidden: { querier_args: ['querier.shuffle-sharding-ingesters-enabled'], ruler_args: ['querier.shuffle-sharding-ingesters-enabled'] } } })],
       gates: [m.ready('queriers-and-rulers-ready', m.nameIn(['querier', 'ruler', 'ruler-querier']), minPods=2)],
       undo: 'Set querier.shuffle-sharding-ingesters-enabled to false in querier_args and ruler_args.',
     }] else []) + [
  {
    id: '2.12-series-limits-back',
    title: "Give the series limits and the ingesters' shutdown flags back to the environment",
    why: "One rollout of the zone ingesters: the limits come back, and the old ingesters' zone and flush on shutdown, which the zone ingesters carried meanwhile through ingester_args, go.",
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 9)' }],
    actions: [m.jsonnet({ remove: { scale: limits, hidden: { ingester_args: std.objectFields(oldIngesterArgs) } } })],
    undo: 'Scale the limits by 2 again.',
  },
]
