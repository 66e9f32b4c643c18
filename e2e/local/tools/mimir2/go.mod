module github.com/mimirctl/mimirctl/e2e/local/tools/mimir2

go 1.24

require github.com/grafana/mimir v0.0.0-20230630050318-e4d286c69115

// Mimir's own replaces (Go ignores a dependency's replaces), two of them moved
// to versions that the module proxy holds.
replace (
	github.com/grafana/dskit => github.com/grafana/dskit v0.0.0-20230706162620-5081d8ed53e6
	github.com/grafana/regexp => github.com/grafana/regexp v0.0.0-20221005093135-b4c2bcb0a4b6
	github.com/hashicorp/memberlist => github.com/grafana/memberlist v0.3.1-0.20220714140823-09ffed8adbbe
	github.com/munnerz/goautoneg => github.com/charleskorn/goautoneg v0.0.0-20230303030534-7248a2f4c9cc
	github.com/opentracing-contrib/go-stdlib => github.com/grafana/opentracing-contrib-go-stdlib v0.0.0-20230509071955-f410e79da956
	github.com/prometheus/prometheus => github.com/grafana/mimir-prometheus v0.0.0-20230505111100-e5eb66f42202
	gopkg.in/yaml.v3 => github.com/colega/go-yaml-yaml v0.0.0-20220720105220-255a8d16d094
)
