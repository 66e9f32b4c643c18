// Package scenario holds what the end-to-end suite and the demo share: a
// test Tanka environment deployed in a namespace, gateway Services standing
// for the user's load balancer, and continuous write and query traffic whose
// every acknowledged sample is read back at the end.
package scenario
