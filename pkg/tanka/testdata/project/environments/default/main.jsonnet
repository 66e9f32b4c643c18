local mimir = import 'minimimir/mimir.libsonnet';

mimir {
  _config+:: {
    multi_zone_ingester_replicas: 6,
  },
}
