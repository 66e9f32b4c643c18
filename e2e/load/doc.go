// Package load writes a known set of samples to Mimir and proves afterwards
// that every one of them can be read back: the continuous writer and the
// zero-sample-loss checker of the end-to-end suite and the demo.
//
// Samples are deterministic: series s of writer w holds, at timestamp t (a
// multiple of the interval), the value t/interval + s, so a checker needs no
// record of what was written, only the time range.
package load
