package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Names are the host object names of one cluster. Its ID is derived from the
// state directory, so several clusters (different state directories and pod
// CIDRs) coexist and each one's cleanup touches only its own objects.
//
//	bridge        mctl<id>                 e.g. mctl3fa2
//	pod veths     mctl<id><6 hex>          (15 characters at most)
//	pod netns     mctl-<id>-<ns>-<pod>-<uid prefix>, also under /etc/netns
type Names struct {
	ID string
}

// NamesFor returns the names of the cluster whose state directory is stateDir
// (an absolute path).
func NamesFor(stateDir string) Names {
	sum := sha256.Sum256([]byte(stateDir))
	return Names{ID: hex.EncodeToString(sum[:])[:4]}
}

// Bridge is the host bridge every pod's veth is attached to.
func (n Names) Bridge() string { return Prefix + n.ID }

// LinkPrefix starts the bridge and every pod veth of the cluster.
func (n Names) LinkPrefix() string { return Prefix + n.ID }

// NetnsPrefix starts every pod network namespace of the cluster.
func (n Names) NetnsPrefix() string { return Prefix + "-" + n.ID + "-" }

// Netns is a pod's network namespace: readable, and unique per pod UID so
// that a re-created pod of the same name never meets its predecessor.
func (n Names) Netns(namespace, pod, uid string) string {
	if len(pod) > 100 {
		pod = pod[:100]
	}
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return fmt.Sprintf("%s%s-%s-%s", n.NetnsPrefix(), namespace, pod, uid)
}

// Veth is the host end of a pod's veth pair.
func (n Names) Veth(uid string) string {
	sum := sha256.Sum256([]byte(uid))
	return n.LinkPrefix() + hex.EncodeToString(sum[:])[:6]
}
