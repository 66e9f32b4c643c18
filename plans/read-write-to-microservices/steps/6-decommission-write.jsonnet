local m = import 'mimirctl.libsonnet';
local zones = std.extVar('zones');
local writers = ['mimir-write-' + z for z in zones];
local ingesters = ['ingester-' + z for z in zones];
local zoneStep(z) = {
  id: '6.2-shutdown-mimir-write-' + z,
  title: 'Shut down mimir-write in ' + z,
  why: |||
    mimir-write's ingesters flush and ship every block before they stop; the next zone follows
    only once these blocks can be queried: max(query-store-after, 2×sync-interval,
    2×cleanup-interval), read from the live components' /config.
  |||,
  docs: [{ title: 'Scaling down ingesters deployed in multiple zones' }],
  minDuration: std.extVar('params').zoneShutdownMinDuration,
  actions: [
    // The point of no return for the zone: its ingesters, as deployed, must
    // take what its mimir-write pods hold.
    { writeCapacity: {
      zone: z,
      ingesters: 'mimir-write-' + z,
      writers: 'ingester-' + z,
      replicasParameter: 'ingesterReplicas',
      replicasKnob: 'multi_zone_ingester_replicas',
      allowShortfall: std.extVar('params').allowWriteCapacityShortfall,
    } },
    { ingesterZoneShutdown: {
      statefulSet: 'mimir-write-' + z,
      zone: z,
      ringPods: { labels: m.nameIn(ingesters + writers) },
      config: {
        querier: { labels: m.nameIn(['querier', 'mimir-read']) },
        ruler: { labels: m.nameIn(['ruler'] + ['mimir-backend-' + x for x in zones]) },
        storeGateway: { labels: m.nameIn(['store-gateway-' + x for x in zones] + ['mimir-backend-' + x for x in zones]) },
        compactor: { labels: m.nameIn(['compactor'] + ['mimir-backend-' + x for x in zones]) },
      },
    } },
    m.jsonnet({ objects: m.replicas(m.zoneStatefulSet('mimir_write', z), 0) }),
  ],
  gates: [m.ring('mimir-write-' + z + '-left', 'ingester', m.nameIn(ingesters), [m.left('mimir-write-' + z), m.joined('ingester-' + z)])],
  undo: 'Remove the %s replicas override.' % m.zoneStatefulSet('mimir_write', z),
};
[
  {
    id: '6.1-head-compaction',
    title: "Wait for the next TSDB head compaction of mimir-write's ingesters",
    why: 'mimir-write receives no pushes of its own any more; its heads are compacted and shipped before it is shut down (--force-flush flushes them at once).',
    actions: [{ ingesterHeadCompaction: { pods: { labels: m.nameIn(writers) } } }],
  },
] + [zoneStep(z) for z in zones]
