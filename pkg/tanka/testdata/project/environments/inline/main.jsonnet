// Two inline environments; their data holds nested objects, arrays and a List.
local env(name, ns) = {
  apiVersion: 'tanka.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: name },
  spec: { namespace: ns, apiServer: 'https://127.0.0.1:6443' },
  data: {
    nested: {
      deeper: {
        cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { env: name } },
      },
    },
    arrays: [
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }],
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' } },
    ],
    list: {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'd' }, spec: { ports: [{ port: 80 }] } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'e' } },
      ],
    },
    disabled: null,
  },
};
{
  a: env('mimir-a', 'ns-a'),
  b: env('mimir-b', 'ns-b'),
}
