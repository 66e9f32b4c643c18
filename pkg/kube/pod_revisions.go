package kube

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// PodRollout is where one pod stands in the rollout of the Deployment or
// StatefulSet that owns it.
type PodRollout struct {
	Pod string `json:"pod"`
	// Workload is "Deployment overrides-exporter" or "StatefulSet
	// ingester-zone-a"; empty for a pod neither owns (a bare pod, a Job's or
	// DaemonSet's pod), whose revision is not checked.
	Workload string `json:"workload,omitempty"`
	// Hold is why the pod is not yet what its workload wants, as in
	// PodHold.Reason: "old revision", "pending: Unschedulable ...", "not
	// ready: CrashLoopBackOff", "terminating"; empty when the pod is Ready
	// and runs the workload's newest revision.
	Hold string `json:"hold,omitempty"`
	// Ended is a pod whose containers have all stopped for good (phase
	// Succeeded or Failed, e.g. an evicted pod): it runs nothing.
	Ended bool `json:"ended,omitempty"`
}

// PodRollouts says, for every pod of pods (all in namespace ns), whether it
// is Ready and runs the newest revision of its workload: for a StatefulSet
// the controller-revision-hash label against status.updateRevision (pods
// below a RollingUpdate partition count as current); for a Deployment the
// pod-template-hash label against the ReplicaSet whose
// deployment.kubernetes.io/revision is the Deployment's, the rule
// `kubectl rollout status` follows. The result is in the order of pods.
// It returns an error naming the object when an owner cannot be read
// (missing get/list permission on replicasets, deployments or statefulsets
// in ns, or an owner deleted under its pods).
func PodRollouts(ctx context.Context, cs kubernetes.Interface, ns string, pods []corev1.Pod) ([]PodRollout, error) {
	r := revisionCache{ctx: ctx, cs: cs, ns: ns, rs: map[string]*appsv1.ReplicaSet{}, deploy: map[string]string{}, sts: map[string]*appsv1.StatefulSet{}}
	out := make([]PodRollout, 0, len(pods))
	for i := range pods {
		p := &pods[i]
		pr := PodRollout{Pod: p.Name, Ended: p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed}
		workload, current, err := r.current(p)
		if err != nil {
			return nil, fmt.Errorf("pod %s/%s: %w", ns, p.Name, err)
		}
		pr.Workload = workload
		if !pr.Ended {
			pr.Hold = holdReason(podView{pod: p, labels: p.Labels, ordinal: ordinal(p.Name)}, current)
		}
		out = append(out, pr)
	}
	return out, nil
}

// revisionCache reads each owner once per PodRollouts call.
type revisionCache struct {
	ctx    context.Context
	cs     kubernetes.Interface
	ns     string
	rs     map[string]*appsv1.ReplicaSet
	deploy map[string]string // Deployment name → pod-template-hash of its newest ReplicaSet
	sts    map[string]*appsv1.StatefulSet
}

// current names the pod's workload and reports whether the pod runs its
// newest revision.
func (r *revisionCache) current(p *corev1.Pod) (string, bool, error) {
	owner := metav1.GetControllerOf(p)
	if owner == nil {
		return "", true, nil
	}
	switch owner.Kind {
	case "StatefulSet":
		sts, err := r.statefulSet(owner.Name)
		if err != nil {
			return "", false, err
		}
		partition := int32(0)
		if ru := sts.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
			partition = *ru.Partition
		}
		o := ordinal(p.Name)
		cur := sts.Status.UpdateRevision == "" || (o >= 0 && o < partition) || p.Labels[LabelControllerRevisionHash] == sts.Status.UpdateRevision
		return "StatefulSet " + sts.Name, cur, nil
	case "ReplicaSet":
		rs, err := r.replicaSet(owner.Name)
		if err != nil {
			return "", false, err
		}
		d := metav1.GetControllerOf(rs)
		if d == nil || d.Kind != "Deployment" {
			return "", true, nil // a bare ReplicaSet has no revisions
		}
		hash, err := r.newestHash(d.Name)
		if err != nil {
			return "", false, err
		}
		return "Deployment " + d.Name, hash == "" || p.Labels[LabelPodTemplateHash] == hash, nil
	}
	return "", true, nil
}

func (r *revisionCache) statefulSet(name string) (*appsv1.StatefulSet, error) {
	if s, ok := r.sts[name]; ok {
		return s, nil
	}
	var sts *appsv1.StatefulSet
	err := withRetry(r.ctx, func() (err error) {
		sts, err = r.cs.AppsV1().StatefulSets(r.ns).Get(r.ctx, name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read its StatefulSet %s: %w", name, err)
	}
	r.sts[name] = sts
	return sts, nil
}

func (r *revisionCache) replicaSet(name string) (*appsv1.ReplicaSet, error) {
	if s, ok := r.rs[name]; ok {
		return s, nil
	}
	var rs *appsv1.ReplicaSet
	err := withRetry(r.ctx, func() (err error) {
		rs, err = r.cs.AppsV1().ReplicaSets(r.ns).Get(r.ctx, name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read its ReplicaSet %s: %w", name, err)
	}
	r.rs[name] = rs
	return rs, nil
}

func (r *revisionCache) newestHash(name string) (string, error) {
	if h, ok := r.deploy[name]; ok {
		return h, nil
	}
	var d *appsv1.Deployment
	err := withRetry(r.ctx, func() (err error) {
		d, err = r.cs.AppsV1().Deployments(r.ns).Get(r.ctx, name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read its Deployment %s: %w", name, err)
	}
	hash, _, err := newestReplicaSet(r.ctx, r.cs, d)
	if err != nil {
		return "", fmt.Errorf("newest ReplicaSet of Deployment %s: %w", name, err)
	}
	r.deploy[name] = hash
	return hash, nil
}
