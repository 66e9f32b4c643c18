local m = import 'mimirctl.libsonnet';
[
  {
    id: '2-migration-mode',
    title: 'Deploy the read-write components with 0 replicas',
    why: |||
      deployment_mode: migration renders both the microservices and the read-write
      components. The read-write ones start at 0 replicas, so nothing changes for traffic.
      Grafana's library changes two microservices in migration mode as well: query-schedulers
      are found through their ring (query_scheduler_service_discovery_mode: ring, so the
      query-frontends, queriers and query-schedulers roll out with new args), and
      overrides_exporter_enabled is forced off (mimir-backend runs the overrides-exporter, whose
      Deployment is no longer rendered). `mimirctl plan` shows both in this step's diff.
    |||,
    docs: [{ title: 'Step 2: Deploy read-write components with 0 replicas' }],
    actions: [m.jsonnet({ config: {
      deployment_mode: 'migration',
      mimir_write_replicas: 0,
      mimir_read_replicas: 0,
      mimir_backend_replicas: 0,
      autoscaling_mimir_read_enabled: false,
    } })],
    undo: 'Remove deployment_mode and the mimir_*_replicas keys from mimirctl.libsonnet (the read-write objects are pruned).',
  },
  {
    id: '2.1-compare-configuration',
    title: 'Compare each microservice with the read-write component that takes over its work',
    why: |||
      The doc's optional check: the .spec of distributor vs mimir-write-zone-a, ingester-zone-X vs
      mimir-write-zone-X, query-frontend/querier vs mimir-read, the backend components vs
      mimir-backend-zone-X. The result is recorded in the run state; nothing changes.
    |||,
    docs: [{ title: 'Step 2: Optionally double check configuration' }],
    actions: [{ compare: { source: 'live' } }],
  },
]
