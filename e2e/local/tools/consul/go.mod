module github.com/mimirctl/mimirctl/e2e/local/tools/consul

go 1.24

// Consul 1.16.1 is the last MPL-2.0 release line used here (1.16.6 and later are BSL).
require github.com/hashicorp/consul v1.16.1

// Consul's own exclude lines: Go ignores a dependency's excludes.
exclude (
	github.com/hashicorp/go-msgpack v1.1.5
	github.com/hashicorp/go-msgpack v1.1.6
)
