//go:build tools

// Package mimir3 pins the Grafana Mimir 3.x build (3.0.5, main of 2026-04-23)
// that the local test cluster runs for the KV-store and ingester tests.
package mimir3

import _ "github.com/grafana/mimir/cmd/mimir"
