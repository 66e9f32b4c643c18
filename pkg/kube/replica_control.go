package kube

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
)

// ReplicaControl lists the ways rollout-operator's controller, not the
// StatefulSet's own spec, decides sts's replicas, each as a sentence saying
// what a direct scale-down of sts to 0 would cause and what to change first.
// Empty when nothing but the spec decides. It follows rollout-operator's
// pkg/controller: replicas.go (grafana.com/rollout-downscale-leader: a
// follower copies its leader's replicas), custom_resource_replicas.go
// (grafana.com/rollout-mirror-replicas-from-resource-*: replicas copied from a
// reference resource's scale subresource) and delay.go (delayed downscale:
// DELETE of the prepare URL on every pod not being removed).
func ReplicaControl(sts *appsv1.StatefulSet, all []appsv1.StatefulSet) []string {
	var out []string
	if chain := followers(sts.Name, all); len(chain) > 0 {
		var links []string
		for _, f := range chain {
			links = append(links, fmt.Sprintf("%s follows %s", f.Name, f.Annotations[AnnotationDownscaleLeader]))
		}
		names := make([]string, len(chain))
		for i, f := range chain {
			names[i] = f.Name
		}
		out = append(out, fmt.Sprintf("%s through %s, so scaling %s to 0 would make rollout-operator scale %s to 0 after it; "+
			"remove the annotation from %s (or point it elsewhere) first",
			strings.Join(links, ", and "), AnnotationDownscaleLeader, sts.Name, strings.Join(names, " and then "), names[0]))
	}
	if leader := sts.Annotations[AnnotationDownscaleLeader]; leader != "" {
		out = append(out, fmt.Sprintf("%s takes its replicas from %s (%s), so rollout-operator would scale it back up after a direct scale-down; "+
			"remove the annotation first", sts.Name, leader, AnnotationDownscaleLeader))
	}
	if name := sts.Annotations[AnnotationMirrorReplicasFromResourceName]; name != "" {
		ref := sts.Annotations[AnnotationMirrorReplicasFromResourceKind] + "/" + name
		if api := sts.Annotations[AnnotationMirrorReplicasFromResourceAPIVersion]; api != "" {
			ref += " (" + api + ")"
		}
		out = append(out, fmt.Sprintf("%s's replicas come from %s (%s*), so rollout-operator would undo a direct scale-down; "+
			"remove those annotations from %s first", sts.Name, ref, strings.TrimSuffix(AnnotationMirrorReplicasFromResourceName, "name"), sts.Name))
	}
	if url := sts.Annotations[AnnotationPrepareDelayedDownscaleURL]; url != "" && sts.Annotations[AnnotationDelayedDownscale] != "" {
		out = append(out, fmt.Sprintf("rollout-operator's delayed downscale (%s=%s) sends DELETE %s to every pod of %s it is not removing at each reconcile, "+
			"which takes ingesters out of read-only mode; remove %s and %s first",
			AnnotationDelayedDownscale, sts.Annotations[AnnotationDelayedDownscale], url, sts.Name, AnnotationDelayedDownscale, AnnotationPrepareDelayedDownscaleURL))
	}
	return out
}

// followers returns the StatefulSets that follow name's replicas, directly
// or through other followers, in chain order.
func followers(name string, all []appsv1.StatefulSet) []*appsv1.StatefulSet {
	var chain []*appsv1.StatefulSet
	seen := map[string]bool{name: true}
	for frontier := []string{name}; len(frontier) > 0; {
		var next []string
		for _, leader := range frontier {
			for i := range all {
				s := &all[i]
				if s.Annotations[AnnotationDownscaleLeader] == leader && !seen[s.Name] {
					seen[s.Name] = true
					chain = append(chain, s)
					next = append(next, s.Name)
				}
			}
		}
		frontier = next
	}
	return chain
}
