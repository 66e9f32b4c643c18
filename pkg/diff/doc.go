// Package diff compares Kubernetes objects with dyff: rendered objects with
// the live ones they would change (what `mimirctl diff` and `plan` show), and
// pairs of workloads whose .spec should match (what `mimirctl compare` shows
// during the read-write migration).
//
// Rendered against live: the live object is first cut down to the fields the
// rendered object sets plus the fields mimirctl's field manager owns (see
// project.go for why), so status, server-owned metadata and server-filled
// defaults never show up as changes, and fields mimirctl applied before but
// no longer renders show up as removals. Objects that do not exist yet and
// objects to be deleted are reported whole.
//
// Reports come in two forms built from the same dyff report: a human one in
// dyff's style (colour only on a terminal) and a JSON one listing each
// change's go-patch path, kind, and from/to values.
package diff
