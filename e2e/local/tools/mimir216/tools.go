//go:build tools

// Package mimir216 pins the newest Grafana Mimir 2.x build whose dependencies
// the module proxy serves (VERSION 2.16.0, a commit of 2025-04-22), which the
// local test cluster runs for the read-write round trip.
package mimir216

import _ "github.com/grafana/mimir/cmd/mimir"
