// Mimir 2.9 in microservices mode with zone-aware ingesters and
// store-gateways, rings on memberlist: the starting point of the
// microservices → read-write migration in the end-to-end suite and the demo.
(import 'mimir-lite/mimir.libsonnet') + {
  _config+:: {
    namespace: 'mimir',
    create_namespace: true,

    // Read-write mode needs zone awareness; having it from the start keeps
    // the migration's first step a checked no-op.
    multi_zone_ingester_enabled: true,
    multi_zone_store_gateway_enabled: true,
  },
}
