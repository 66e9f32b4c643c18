// Ingesters, without downtime: the zone StatefulSets come up beside the old
// one, writes and then reads become zone-aware, the old ingesters are shut
// down like a zone. Tanka: Grafana's library knobs (multi_zone_ingester_*);
// Helm: the mimir-distributed chart's ingester.zoneAwareReplication values,
// as its guide passes them.
local m = import 'mimirctl.libsonnet';
local z = import 'zones.libsonnet';
local p = std.extVar('params');
local sel = z.selectors;
local zones = z.zones;
// The old ingesters get a zone of their own, the guide's zone-default, so
// that writes can exclude them by zone before they are shut down (the chart
// gives them that zone always).
local oldZone = 'zone-default';
local ringPods = sel.ringPods;
// The series limits while series are held twice; removed at the end. The
// library's _config paths (Tanka), the limits by flag (Helm: where the
// release sets them, see helmValues scaleLimits).
local limits = [
  'limits.max_global_series_per_user',
  'overrides.*.max_global_series_per_user',
  'overrides.*.max_global_series_per_metric',
  'ingester_instance_limits.max_series',
];
local limitFlags = ['ingester.max-global-series-per-user', 'ingester.max-global-series-per-metric', 'ingester.instance-limits.max-series'];
local IZ(v) = { ingester: { zoneAwareReplication: v } };
local migration(v) = IZ({ migration: v });
// On Helm the zones end at ceil(ingester.replicas / 3) once the write path
// moves, so the parameter must be what the release's values give it.
local ingesterReplicas = z.expectReplicas('ingester.replicas', p.ingesterReplicas, 'ingesterReplicas');
// Read-path flags on Helm: extraArgs of each read-path component.
local readPathArgs(v) = { [c]: { extraArgs: v } for c in ['querier', 'ruler', 'ruler_querier'] };
// Batches of at most batchSize zone ingesters, up to ingesterReplicas (one
// step standing for them all when `plans show` has no ingesterReplicas).
assert p.batchSize <= 21 : 'batchSize %d: the guide adds at most 21 ingesters at a time (each holds series twice until the old heads drop them); pass -p batchSize=21 or less' % p.batchSize;
local bound = std.isNumber(p.ingesterReplicas);
local batches =
  if bound then std.makeArray(std.ceil(p.ingesterReplicas / p.batchSize), function(i) std.min((i + 1) * p.batchSize, p.ingesterReplicas))
  else [p.ingesterReplicas];
local perZone = z.perZone;
local ingesterSettings = { labels: sel.ingesters };
local querierSettings = { labels: sel.queryPath };
// What a moved series leaves behind in the old ingesters' heads is dropped
// once its block is cut and the head compacted: the block range plus the
// idle timeout, to which each ingester adds up to 25% jitter, plus the
// interval at which ingesters look for a head to compact (3h15m with
// Mimir 2's defaults, 3h30m with Mimir 3's 15-minute interval; the guide
// says 3h).
local idleTimeout = 'blocks_storage.tsdb.head_compaction_idle_timeout';
local staleSeriesWait = {
  duration: p.staleSeriesMinWait,
  reason: 'series that moved to the new ingesters leave the old heads',
  fromConfig: {
    pods: ingesterSettings,
    keys: ['blocks_storage.tsdb.block_ranges_period[0]', idleTimeout, 'blocks_storage.tsdb.head_compaction_interval'],
    factors: { [idleTimeout]: 1.25 },
  },
};
// Data written since the write path moved is only in the ingesters until
// query_store_after has passed.
local queryStoreAfterWait(reason) = {
  duration: p.queryStoreAfterMinWait,
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
    why: if z.helm then |||
      ingester.zoneAwareReplication.migration keeps the old StatefulSet; with it the chart makes
      the old ingesters (always in zone %s) flush and ship their blocks on shutdown and leave the
      ring, and keeps distributors, rulers and queriers off zone-aware replication (writePath and
      readPath are pinned false). The configuration changes, so every Mimir component restarts
      (the configuration checksum). In the same upgrade the series limits double: while series
      move, each one is counted on an old and on a new ingester, and without room the ingesters
      refuse writes at the limits. The release's own limits (Mimir's default where its
      configuration sets none, every tenant's runtime override, the runtime ingester limit) are
      written doubled under mimir.structuredConfig and runtimeConfig; a limit set by a flag in
      extraArgs is refused (move it first).
    ||| % oldZone else |||
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
    }), m.helmValues({
      set: IZ({ enabled: true, migration: { enabled: true, replicas: 0, writePath: false, readPath: false } }) + z.rolloutOperator,
      scaleLimits: { [f]: 2 for f in limitFlags },
      expectValues: [ingesterReplicas],
    })],
    gates: [m.ring('old-ingesters-in-their-zone', 'ingester', ringPods, [{ workload: sel.oldIngesters, zone: oldZone, joined: true }, m.settled])],
    undo: if z.helm then 'Remove ingester.zoneAwareReplication, the doubled limits (mimir.structuredConfig.limits, ingester.instance_limits, runtimeConfig) and rollout_operator from mimirctl-values.yaml.'
    else 'Remove the multi_zone_ingester_* keys, the ingester_args entries and the scale entries from mimirctl.libsonnet.',
  },
] + [
  {
    id: if bound then '2.3-zone-ingesters-%d' % n else '2.3-zone-ingesters-n',
    title: if bound then 'Bring the zone ingesters to %d' % n else 'Bring the zone ingesters to %s, %d more per step' % [n, p.batchSize],
    why: 'At most %d new ingesters at a time: every series they take over is held twice until the old heads drop it.' % p.batchSize,
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 2)' }],
    actions: [m.jsonnet({ config: { multi_zone_ingester_replicas: n } }), m.helmValues({ set: migration({ replicas: n }) })],
    gates: [m.ring('zone-ingesters-joined', 'ingester', ringPods, [{ members: '.+', zone: z, joined: true, min: perZone(n) } for z in zones] + [m.settled], timeout='30m')],
    wait: staleSeriesWait,
    undo: 'Set %s back to the previous batch after shutting the extra ingesters down one by one.' % (if z.helm then 'ingester.zoneAwareReplication.migration.replicas' else 'multi_zone_ingester_replicas'),
  }
  for n in batches
] + (if p.shuffleSharding then [{
       id: '2.4-read-path-shuffle-sharding-off',
       title: 'Turn shuffle sharding off on the read path',
       why: 'A zone-aware write path places series outside the shards queriers would ask; until every series is back inside its shard, queriers and rulers ask every ingester (more load: watch them).',
       docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 2b)' }],
       actions: [m.jsonnet({ hidden: { querier_args: shuffleOff, ruler_args: shuffleOff } }), m.helmValues({ set: readPathArgs({ 'querier.shuffle-sharding-ingesters-enabled': 'false' }) })],
       gates: [m.ready('queriers-and-rulers-ready', sel.queryPath)],
       undo: 'Remove querier.shuffle-sharding-ingesters-enabled from %s.' % (if z.helm then "the querier's, ruler's and ruler_querier's extraArgs" else 'querier_args and ruler_args'),
     }] else []) + [
  {
    id: '2.5-write-path-zone-aware',
    title: 'Make the write path zone-aware',
    why: 'Distributors and rulers replicate each series to three zones; the queriers keep asking every ingester until what was written before has reached the store.',
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 3)' }],
    actions: [m.jsonnet({ config: { multi_zone_ingester_replication_write_path_enabled: true } }), m.helmValues({ set: migration({ writePath: true }), expectValues: [ingesterReplicas] })],
    gates: [m.ready('distributors-and-rulers-ready', sel.distributorsAndRulers)],
    wait: queryStoreAfterWait('samples written before the write path moved are queried from the store'),
    undo: 'Set %s to false.' % (if z.helm then 'ingester.zoneAwareReplication.migration.writePath' else 'multi_zone_ingester_replication_write_path_enabled'),
  },
  {
    id: '2.6-read-path-zone-aware',
    title: 'Make the read path zone-aware',
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 4)' }],
    actions: [m.jsonnet({ config: { multi_zone_ingester_replication_read_path_enabled: true } }), m.helmValues({ set: migration({ readPath: true }) })],
    gates: [m.ready('queriers-ready', sel.queriers)],
    undo: 'Set %s to false.' % (if z.helm then 'ingester.zoneAwareReplication.migration.readPath' else 'multi_zone_ingester_replication_read_path_enabled'),
  },
  {
    id: '2.7-old-zone-excluded',
    title: 'Exclude the old ingesters from writes',
    why: 'Distributors and rulers no longer send series to %s, so its ingesters hold nothing new when they are shut down.' % oldZone,
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 5)' }],
    actions: [m.jsonnet({ hidden: {
      distributor_args: { 'ingester.ring.excluded-zones': oldZone },
      ruler_args: { 'ingester.ring.excluded-zones': oldZone },
    } }), m.helmValues({ set: migration({ excludeDefaultZone: true }) })],
    gates: [m.ready('distributors-and-rulers-ready', sel.distributorsAndRulers)],
    undo: if z.helm then 'Set ingester.zoneAwareReplication.migration.excludeDefaultZone to false.' else 'Remove ingester.ring.excluded-zones from distributor_args and ruler_args.',
  },
  {
    id: '2.8-old-ingesters-shut-down',
    title: 'Shut the old ingesters down like a zone',
    why: 'Flush and ship every old ingester, scale the StatefulSet to 0, wait until they left the ring and their blocks are queryable.' + (if z.helm then ' Then the values say so too (migration.scaleDownDefaultZone), so that the next upgrade keeps them at 0.' else ''),
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 6)' }],
    minDuration: p.zoneShutdownMinDuration,
    actions: [
      { ingesterZoneShutdown: {
        statefulSet: sel.oldIngesters,
        zone: oldZone,
        ringPods: { labels: ringPods },
        config: {
          querier: { labels: sel.querier },
          ruler: { labels: sel.ruler },
          storeGateway: { labels: sel.zoneStoreGatewayPods },
          compactor: { labels: sel.compactor },
        },
      } },
      m.jsonnet({ objects: m.replicas('ingester_statefulset', 0) }), m.helmValues({ set: migration({ scaleDownDefaultZone: true }) }),
    ],
    gates: [m.ring('old-ingesters-left', 'ingester', sel.zoneRingPods, [m.left(sel.oldIngesters)] + [m.joined(i) for i in sel.zoneIngesters])],
    undo: if z.helm then 'Set ingester.zoneAwareReplication.migration.scaleDownDefaultZone to false and scale StatefulSet %s back (the old ingesters come back empty).' % sel.oldIngesters
    else 'Remove the ingester_statefulset replicas override (the old ingesters come back empty).',
  },
  {
    id: '2.9-migration-done',
    title: 'End the ingester migration',
    why: |||
      The old StatefulSet, its Service and PodDisruptionBudget are no longer rendered and are
      deleted (mimirctl never deletes a StatefulSet that still runs pods; the chart keeps one
      PodDisruptionBudget for all ingesters); the exclusion and the pins come out. Series the old
      ingesters handed over still sit in the new heads until their blocks are cut.
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
    }), m.helmValues({ remove: ['ingester.zoneAwareReplication.migration'], destructive: true })],
    wait: staleSeriesWait,
    undo: if z.helm then 'Set ingester.zoneAwareReplication.migration back to its values of step 2.8 (the old StatefulSet comes back, at 0).' else 'Set multi_zone_ingester_migration_enabled back to true (the old StatefulSet comes back).',
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
       actions: [m.jsonnet({ remove: { hidden: { querier_args: ['querier.shuffle-sharding-ingesters-enabled'], ruler_args: ['querier.shuffle-sharding-ingesters-enabled'] } } }), m.helmValues({ remove: ['%s.extraArgs.querier\\.shuffle-sharding-ingesters-enabled' % c for c in std.objectFields(readPathArgs({}))] })],
       gates: [m.ready('queriers-and-rulers-ready', sel.queryPath)],
       undo: 'Set querier.shuffle-sharding-ingesters-enabled to false in %s.' % (if z.helm then "the querier's, ruler's and ruler_querier's extraArgs" else 'querier_args and ruler_args'),
     }] else []) + [
  {
    id: '2.12-series-limits-back',
    title: if z.helm then 'Give the series limits back to the release' else "Give the series limits and the ingesters' shutdown flags back to the environment",
    why: if z.helm then 'The doubled limits leave mimirctl-values.yaml: your values apply again (a change of the configuration file restarts every Mimir component; runtime limits restart nothing).'
    else "One rollout of the zone ingesters: the limits come back, and the old ingesters' zone and flush on shutdown, which the zone ingesters carried meanwhile through ingester_args, go.",
    docs: [{ title: 'Migrate ingesters to zone-aware replication without downtime (step 9)' }],
    actions: [m.jsonnet({ remove: { scale: limits, hidden: { ingester_args: std.objectFields(oldIngesterArgs) } } }), m.helmValues({ unscaleLimits: limitFlags })],
    undo: 'Scale the limits by 2 again.',
  },
]
