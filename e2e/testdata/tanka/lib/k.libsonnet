// `import 'k.libsonnet'` resolves here, as it does to k8s-libsonnet in a
// real Tanka project, so overrides written for Mimir's documentation work
// unchanged (see mimir-lite/k.libsonnet).
import 'mimir-lite/k.libsonnet'
