//go:build tools

// Package kube pins the Kubernetes control-plane programs that the local
// test cluster runs. Nothing here is compiled into mimirctl: the build script
// runs `go build` on the listed commands from this module.
package kube

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
