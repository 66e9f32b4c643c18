{
  where: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'where' },
    data: {
      'where.libsonnet': (import 'where.libsonnet').where,
      'where-lib.libsonnet': (import 'where-lib.libsonnet').where,
      'where-vendor.libsonnet': (import 'where-vendor.libsonnet').where,
      'where-root-vendor.libsonnet': (import 'where-root-vendor.libsonnet').where,
    },
  },
}
