function(replicas=1, image='x') {
  cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tla' }, data: { replicas: std.toString(replicas), image: image } },
}
