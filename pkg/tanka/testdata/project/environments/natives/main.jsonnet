local tk = import 'tk';
local yaml = std.native('parseYaml')('a: 1\n---\nb: [x, y]\n');
{
  cm: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'natives', annotations: {} },
    data: {
      namespace: tk.env.spec.namespace,
      env_name: tk.env.metadata.name,
      yaml_docs: std.toString(yaml),
      json: std.toString(std.native('parseJson')('{"a": [1, 2]}')),
      manifest_yaml: std.native('manifestYamlFromJson')('{"b": {"c": 1}, "a": [1]}'),
      manifest_json: std.native('manifestJsonFromJson')('{"a":1}', 2),
      sha: std.native('sha256')('mimir'),
      match: std.toString(std.native('regexMatch')('^ingester-zone-[a-c]$', 'ingester-zone-b')),
      subst: std.native('regexSubst')('zone-([a-c])', 'ingester-zone-a', 'z$1'),
      escape: std.native('escapeStringRegex')('a.b*c'),
    },
  },
  cluster_role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'natives' } },
  own_ns: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'own', namespace: 'elsewhere' } },
  not_namespaced: { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'thing', annotations: { 'tanka.dev/namespaced': 'false' } } },
}
