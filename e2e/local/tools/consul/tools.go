//go:build tools

// Package consul pins the Consul agent used as the old ring KV store in the
// KV-store migration tests.
package consul

import _ "github.com/hashicorp/consul"
