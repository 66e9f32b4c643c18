package cli

import (
	"os"
	"runtime/debug"
)

// DefaultMemoryLimit is the soft memory limit (bytes) Main gives Go's
// runtime when the GOMEMLIMIT environment variable is not set: 160 MiB.
//
// Evaluating Grafana's Mimir library keeps up to about 110 MB live; with
// Go's default (no limit, GOGC=100) the heap of a run that evaluates it
// step after step grew past 190 MB and the process peaked at 420 MB
// resident (`mimirctl plan microservices-to-read-write` on the e2e suite's
// Mimir 2.16 environment, render memo off, 2 cores, 2026-12-02). With this
// limit the collector works harder only near it: the same run peaked at
// 237 MB with the same CPU time (24.2 s against 25.1 s user); 128 MiB gave
// 222 MB but 34% more CPU, close to the live heap. It is soft: Go exceeds
// it rather than fail an allocation, and bounds the collector's extra work
// (runtime/debug.SetMemoryLimit). GOMEMLIMIT (e.g. "512MiB", or "off" for
// none) replaces it, as the Go runtime documents.
const DefaultMemoryLimit = 160 << 20

// setDefaultMemoryLimit sets DefaultMemoryLimit unless GOMEMLIMIT is set
// (the runtime has read it already).
func setDefaultMemoryLimit() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
}
