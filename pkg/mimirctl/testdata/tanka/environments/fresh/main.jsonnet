import 'app.libsonnet'
