//go:build tools

// Package tk pins Grafana Tanka's CLI, the oracle that pkg/tanka's renderer is
// compared with (TestRenderMatchesRealTanka): what `tk show` prints is what
// users' environments render to.
package tk

import _ "github.com/grafana/tanka/cmd/tk"
