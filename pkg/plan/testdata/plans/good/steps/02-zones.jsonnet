local lib = import 'zones.libsonnet';
[lib.zoneStep(z, std.extVar('namespace')) for z in std.extVar('zones')]
