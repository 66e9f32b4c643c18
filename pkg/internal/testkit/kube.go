package testkit

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Namespace is the namespace the builders put objects in unless told
// otherwise (InNamespace).
const Namespace = "mimir"

// StatefulSetOption changes a StatefulSet that StatefulSet builds.
type StatefulSetOption interface{ applyToStatefulSet(*appsv1.StatefulSet) }

// PodOption changes a pod that Pod builds.
type PodOption interface{ applyToPod(*corev1.Pod) }

// MetaOption changes the metadata of any object the builders make; it is
// both a StatefulSetOption and a PodOption.
type MetaOption func(*metav1.ObjectMeta)

func (o MetaOption) applyToStatefulSet(s *appsv1.StatefulSet) { o(&s.ObjectMeta) }
func (o MetaOption) applyToPod(p *corev1.Pod)                 { o(&p.ObjectMeta) }

// StatefulSetFunc is a StatefulSetOption that does anything else to the
// StatefulSet, for a change only one test needs.
type StatefulSetFunc func(*appsv1.StatefulSet)

func (f StatefulSetFunc) applyToStatefulSet(s *appsv1.StatefulSet) { f(s) }

// PodFunc is a PodOption that does anything else to the pod, for a change
// only one test needs.
type PodFunc func(*corev1.Pod)

func (f PodFunc) applyToPod(p *corev1.Pod) { f(p) }

// InNamespace puts the object in namespace ns instead of Namespace.
func InNamespace(ns string) MetaOption { return func(m *metav1.ObjectMeta) { m.Namespace = ns } }

// Label sets the label key to value.
func Label(key, value string) MetaOption {
	return func(m *metav1.ObjectMeta) {
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels[key] = value
	}
}

// Annotation sets the annotation key to value.
func Annotation(key, value string) MetaOption {
	return func(m *metav1.ObjectMeta) {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[key] = value
	}
}

// Annotations sets each of annotations (none when it is empty).
func Annotations(annotations map[string]string) MetaOption {
	return func(m *metav1.ObjectMeta) {
		for k, v := range annotations {
			Annotation(k, v)(m)
		}
	}
}

// UID returns the UID the builders give the object called name,
// "uid-<name>", which OwnedBy uses to point at its owner.
func UID(name string) types.UID { return types.UID("uid-" + name) }

// StatefulSet builds the StatefulSet name in Namespace, as Mimir's jsonnet
// makes them: labelled name=<name>, its pods labelled and selected by that
// label, its
// governing Service of the same name. It has 1 replica, rolled out:
// generation 1 observed, every replica ready and updated. Options apply in
// order, so a later one wins.
func StatefulSet(name string, opts ...StatefulSetOption) *appsv1.StatefulSet {
	one := int32(1)
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, UID: UID(name), Generation: 1, Labels: map[string]string{"name": name}},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &one,
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"name": name}},
			Template:    corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"name": name}}},
		},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1},
	}
	for _, o := range opts {
		o.applyToStatefulSet(s)
	}
	return s
}

// Replicas sets spec.replicas to n, and the status to n replicas, all
// ready and updated (a rolled-out StatefulSet of that size).
func Replicas(n int32) StatefulSetOption {
	return StatefulSetFunc(func(s *appsv1.StatefulSet) {
		s.Spec.Replicas = &n
		s.Status.Replicas, s.Status.ReadyReplicas, s.Status.UpdatedReplicas = n, n, n
	})
}

// ReplicaStatus sets the status's replicas, readyReplicas and
// updatedReplicas (a rollout under way), leaving spec.replicas.
func ReplicaStatus(replicas, ready, updated int32) StatefulSetOption {
	return StatefulSetFunc(func(s *appsv1.StatefulSet) {
		s.Status.Replicas, s.Status.ReadyReplicas, s.Status.UpdatedReplicas = replicas, ready, updated
	})
}

// Revisions sets the status's currentRevision and updateRevision (the
// ControllerRevision names; they differ while a rollout is under way).
func Revisions(current, update string) StatefulSetOption {
	return StatefulSetFunc(func(s *appsv1.StatefulSet) {
		s.Status.CurrentRevision, s.Status.UpdateRevision = current, update
	})
}

// Generation sets metadata.generation and status.observedGeneration (the
// controller has not seen the latest spec while observed < gen).
func Generation(gen, observed int64) StatefulSetOption {
	return StatefulSetFunc(func(s *appsv1.StatefulSet) { s.Generation, s.Status.ObservedGeneration = gen, observed })
}

// OnDelete sets the update strategy to OnDelete, as Mimir's zone-aware
// StatefulSets run under the rollout-operator.
func OnDelete() StatefulSetOption {
	return StatefulSetFunc(func(s *appsv1.StatefulSet) {
		s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType
	})
}

// Pod builds the pod name in Namespace: running, Ready, at IP 10.0.0.1,
// with no labels, owner or containers. Options apply in order.
func Pod(name string, opts ...PodOption) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	for _, o := range opts {
		o.applyToPod(p)
	}
	return p
}

// StatefulSetPods builds n pods of the StatefulSet sts, <sts>-0 to
// <sts>-<n-1>, each labelled name=<sts> and owned by it (OwnedBy); opts
// apply to each. They come as objects for a fake clientset.
func StatefulSetPods(sts string, n int, opts ...PodOption) []runtime.Object {
	out := make([]runtime.Object, 0, n)
	for i := range n {
		all := append([]PodOption{Label("name", sts), OwnedBy("StatefulSet", sts)}, opts...)
		out = append(out, Pod(fmt.Sprintf("%s-%d", sts, i), all...))
	}
	return out
}

// OwnedBy makes the pod's controller the apps/v1 object kind/name (a
// StatefulSet or ReplicaSet), whose UID is UID(name): its only owner
// reference is ControllerRef(kind, name).
func OwnedBy(kind, name string) PodOption {
	return PodFunc(func(p *corev1.Pod) { p.OwnerReferences = []metav1.OwnerReference{ControllerRef(kind, name)} })
}

// ControllerRef is the owner reference of an object controlled by the
// apps/v1 object kind/name (a Deployment, ReplicaSet or StatefulSet), whose
// UID is UID(name).
func ControllerRef(kind, name string) metav1.OwnerReference {
	controller := true
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, UID: UID(name), Controller: &controller}
}

// PodIP sets the pod's IP ("" for a pod not yet given one).
func PodIP(ip string) PodOption { return PodFunc(func(p *corev1.Pod) { p.Status.PodIP = ip }) }

// Phase sets the pod's phase, leaving its conditions.
func Phase(phase corev1.PodPhase) PodOption {
	return PodFunc(func(p *corev1.Pod) { p.Status.Phase = phase })
}

// Ready sets the pod's Ready condition to ready, replacing its conditions.
func Ready(ready bool) PodOption {
	return PodFunc(func(p *corev1.Pod) {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}
	})
}

// NoConditions removes the pod's conditions (a pod whose kubelet has not
// reported readiness).
func NoConditions() PodOption {
	return PodFunc(func(p *corev1.Pod) { p.Status.Conditions = nil })
}

// Waiting makes the pod not Ready, its container "c" waiting for reason
// (e.g. CrashLoopBackOff).
func Waiting(reason string) PodOption {
	return PodFunc(func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}
	})
}

// Unschedulable makes the pod Pending, the scheduler having found no node:
// its only condition is PodScheduled false, reason Unschedulable, with
// message.
func Unschedulable(message string) PodOption {
	return PodFunc(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: message}}
	})
}

// ContainerPort adds the named TCP port to the pod's first container, which
// it creates as "c" when the pod has none.
func ContainerPort(name string, port int32) PodOption {
	return PodFunc(func(p *corev1.Pod) {
		if len(p.Spec.Containers) == 0 {
			p.Spec.Containers = []corev1.Container{{Name: "c"}}
		}
		c := &p.Spec.Containers[0]
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: name, ContainerPort: port})
	})
}
