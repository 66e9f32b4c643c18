//go:build tools

// Package mimir2 pins the Grafana Mimir 2.x build (2.9.0, still with the
// read, write and backend targets) that the local test cluster runs.
package mimir2

import _ "github.com/grafana/mimir/cmd/mimir"
