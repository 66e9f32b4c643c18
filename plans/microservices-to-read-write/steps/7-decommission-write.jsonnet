local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local writers = ['mimir-write-' + z for z in zones];
local ingesters = ['ingester-' + z for z in zones];
local backends = ['mimir-backend-' + z for z in zones];
local zoneStep(z) = {
  id: '7.2-shutdown-ingester-' + z,
  title: 'Shut down the ingesters of ' + z,
  why: |||
    The zone's mimir-write pods, as deployed, take every series of the zone once its ingesters
    are gone: the step refuses when they are fewer than the ingesters or would exceed
    ingester.instance_limits.max_series (-p allowWriteCapacityShortfall=true and a confirmation
    pass it). Each ingester flushes its TSDB head and ships every block before it stops; the next zone
    follows only once these blocks can be queried: max(query-store-after,
    ignore-blocks-within + 2×sync-interval, 2×cleanup-interval), each the largest value over
    the live components' /config.
  |||,
  docs: [{ title: 'Step 7.2: Scale down ingesters' }, { title: 'Scaling down ingesters deployed in multiple zones' }],
  minDuration: p.zoneShutdownMinDuration,
  actions: [
    // The point of no return for the zone: its mimir-write pods, as deployed,
    // must take what its ingesters hold.
    { writeCapacity: { zone: z, allowShortfall: p.allowWriteCapacityShortfall } },
    { ingesterZoneShutdown: {
      statefulSet: 'ingester-' + z,
      zone: z,
      ringPods: { labels: m.nameIn(ingesters + writers) },
      config: {
        querier: { labels: m.nameIn(['querier', 'mimir-read']) },
        ruler: { labels: m.nameIn(['ruler'] + backends) },
        storeGateway: { labels: m.nameIn(['store-gateway-' + x for x in zones] + backends) },
        compactor: { labels: m.nameIn(['compactor'] + backends) },
      },
    } },
    m.jsonnet({ objects: m.replicas(m.zoneStatefulSet('ingester', z), 0) }),
  ],
  gates: [m.ring('ingester-' + z + '-left', 'ingester', m.nameIn(writers), [m.left('ingester-' + z), m.joined('mimir-write-' + z)])],
  undo: 'Remove the %s replicas override: the ingesters start on their kept volumes (what they held is shipped) and take new writes.' % m.zoneStatefulSet('ingester', z),
};
[
  {
    id: '7.1-scale-down-distributors',
    title: 'Scale the microservice distributors to 0 and wait for the next TSDB head compaction',
    why: |||
      With no distributor of their own left, the microservice ingesters' heads are compacted and
      shipped before they are shut down (the doc's "wait the next TSDB head compaction", up to
      the block range; --force-flush flushes them at once instead).
    |||,
    docs: [{ title: 'Step 7.1: Scale down distributors' }],
    actions: [
      m.jsonnet({ objects: m.replicas('distributor_deployment', 0) }),
      { ingesterHeadCompaction: { pods: { labels: m.nameIn(ingesters) } } },
    ],
    undo: 'Remove the distributor_deployment replicas override.',
  },
] + [zoneStep(z) for z in zones]
