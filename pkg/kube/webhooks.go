package kube

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// WebhookKind is one of rollout-operator's downscale webhooks.
type WebhookKind string

const (
	PrepareDownscale WebhookKind = "prepare-downscale"
	NoDownscale      WebhookKind = "no-downscale"
	// ReplicaController is not a webhook: rollout-operator's controller
	// sets the StatefulSet's replicas from another object (see
	// ReplicaControl), so a direct scale-down is undone or cascades.
	ReplicaController WebhookKind = "replica-controller"
)

// DownscaleWebhook is an admission webhook that acts on StatefulSet
// scale-downs in the namespace.
type DownscaleWebhook struct {
	Kind WebhookKind `json:"kind"`
	// Configuration is e.g. "MutatingWebhookConfiguration prepare-downscale-mimir".
	Configuration string `json:"configuration"`
	Webhook       string `json:"webhook"`
	FailurePolicy string `json:"failurePolicy,omitempty"`
}

// DownscaleGuard is what a webhook will do to scale-downs of one
// StatefulSet.
type DownscaleGuard struct {
	StatefulSet string      `json:"statefulSet"`
	Kind        WebhookKind `json:"kind"`
	Explanation string      `json:"explanation"`
	// RefusesNow is true when a scale-down attempted now would be refused:
	// no-downscale, prepare-downscale without the annotations it needs, or
	// a rollout group that is recently downscaled or not rolled out.
	RefusesNow bool `json:"refusesNow,omitempty"`
	// BlockedUntil is set when scale-downs are refused until then because
	// another StatefulSet of the rollout group was scaled down recently.
	BlockedUntil *time.Time `json:"blockedUntil,omitempty"`
	// DirectScaleUnsafe is true when a scale-down through the StatefulSet's
	// own scale subresource would be undone by rollout-operator or make it
	// scale other StatefulSets too (kind ReplicaController).
	DirectScaleUnsafe bool `json:"directScaleUnsafe,omitempty"`
}

// Preflight is what admission webhooks will do to scale-downs in a
// namespace.
type Preflight struct {
	Webhooks []DownscaleWebhook `json:"webhooks"`
	Guards   []DownscaleGuard   `json:"guards"`
	// Warnings are what could not be checked (e.g. no permission to list
	// webhook configurations).
	Warnings []string `json:"warnings,omitempty"`
	// Unseen are the warnings about what a scale-down could meet but could
	// not be read (no permission): a subset of Warnings.
	Unseen []string `json:"unseen,omitempty"`
	// ZoneTracker is rollout-operator's record of zone downscales.
	ZoneTracker ZoneTracker `json:"-"`
	// StatefulSets are the namespace's StatefulSets the guards judged.
	StatefulSets []appsv1.StatefulSet `json:"-"`
}

// unseen records a warning about something a scale-down could meet.
func (p *Preflight) unseen(w string) {
	p.Warnings = append(p.Warnings, w)
	p.Unseen = append(p.Unseen, w)
}

// ForStatefulSet returns the guards on one StatefulSet's scale-downs.
func (p *Preflight) ForStatefulSet(name string) []DownscaleGuard {
	var out []DownscaleGuard
	for _, g := range p.Guards {
		if g.StatefulSet == name {
			out = append(out, g)
		}
	}
	return out
}

// DetectDownscaleWebhooks finds rollout-operator's prepare-downscale and
// no-downscale webhooks that apply to StatefulSets in namespace, and
// explains, per labelled StatefulSet, what they will do to a scale-down at
// time now, reading zone downscales from the zone tracker ConfigMap as well
// as the annotations. It also explains the StatefulSets whose replicas
// rollout-operator's controller sets from another object (ReplicaControl),
// webhooks or not.
func DetectDownscaleWebhooks(ctx context.Context, cs kubernetes.Interface, namespace string, now time.Time) (*Preflight, error) {
	p := &Preflight{Webhooks: []DownscaleWebhook{}, Guards: []DownscaleGuard{}}
	nsLabels := namespaceLabels(ctx, cs, namespace, p)
	if err := findWebhooks(ctx, cs, nsLabels, p); err != nil {
		return nil, err
	}
	zt, warnings, err := ReadZoneTracker(ctx, cs, namespace)
	if err != nil {
		return nil, err
	}
	p.ZoneTracker = zt
	p.Warnings = append(p.Warnings, warnings...)
	p.Unseen = append(p.Unseen, warnings...)
	var list *appsv1.StatefulSetList
	err = withRetry(ctx, func() (err error) {
		list, err = cs.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list StatefulSets in %s: %w", namespace, err)
	}
	p.StatefulSets = list.Items
	for _, wh := range p.Webhooks {
		for i := range list.Items {
			if g, ok := guard(wh, &list.Items[i], list.Items, zt, now); ok {
				p.Guards = append(p.Guards, g)
			}
		}
	}
	for i := range list.Items {
		if notes := ReplicaControl(&list.Items[i], list.Items); len(notes) > 0 {
			p.Guards = append(p.Guards, DownscaleGuard{StatefulSet: list.Items[i].Name, Kind: ReplicaController,
				Explanation: strings.Join(notes, "; "), DirectScaleUnsafe: true})
		}
	}
	return p, nil
}

func namespaceLabels(ctx context.Context, cs kubernetes.Interface, namespace string, p *Preflight) labels.Set {
	ns, err := cs.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		p.Warnings = append(p.Warnings, fmt.Sprintf("cannot read namespace %s (%v): assuming every webhook's namespace selector matches it", namespace, err))
		return nil
	}
	return ns.Labels
}

func findWebhooks(ctx context.Context, cs kubernetes.Interface, nsLabels labels.Set, p *Preflight) error {
	reg := cs.AdmissionregistrationV1()
	mutating, err := reg.MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		p.unseen("no permission to list MutatingWebhookConfigurations: rollout-operator's prepare-downscale webhook cannot be detected")
	} else if err != nil {
		return fmt.Errorf("list MutatingWebhookConfigurations: %w", err)
	} else {
		for _, c := range mutating.Items {
			for _, w := range c.Webhooks {
				add(p, "MutatingWebhookConfiguration "+c.Name, w.Name, w.ClientConfig, w.Rules, w.NamespaceSelector, w.FailurePolicy, nsLabels)
			}
		}
	}
	validating, err := reg.ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		p.unseen("no permission to list ValidatingWebhookConfigurations: rollout-operator's no-downscale webhook cannot be detected")
		return nil
	} else if err != nil {
		return fmt.Errorf("list ValidatingWebhookConfigurations: %w", err)
	}
	for _, c := range validating.Items {
		for _, w := range c.Webhooks {
			add(p, "ValidatingWebhookConfiguration "+c.Name, w.Name, w.ClientConfig, w.Rules, w.NamespaceSelector, w.FailurePolicy, nsLabels)
		}
	}
	return nil
}

// add records a webhook when its path is one of rollout-operator's and it
// applies to StatefulSets in the namespace.
func add(p *Preflight, config, name string, cc admissionv1.WebhookClientConfig, rules []admissionv1.RuleWithOperations,
	nsSel *metav1.LabelSelector, policy *admissionv1.FailurePolicyType, nsLabels labels.Set) {
	kind := webhookKind(cc)
	if kind == "" || !coversStatefulSets(rules) || !selects(nsSel, nsLabels) {
		return
	}
	wh := DownscaleWebhook{Kind: kind, Configuration: config, Webhook: name}
	if policy != nil {
		wh.FailurePolicy = string(*policy)
	}
	p.Webhooks = append(p.Webhooks, wh)
}

func webhookKind(cc admissionv1.WebhookClientConfig) WebhookKind {
	path := ""
	if cc.Service != nil && cc.Service.Path != nil {
		path = *cc.Service.Path
	} else if cc.URL != nil {
		if u, err := url.Parse(*cc.URL); err == nil {
			path = u.Path
		}
	}
	switch {
	case strings.HasSuffix(path, WebhookPathPrepareDownscale):
		return PrepareDownscale
	case strings.HasSuffix(path, WebhookPathNoDownscale):
		return NoDownscale
	}
	return ""
}

func coversStatefulSets(rules []admissionv1.RuleWithOperations) bool {
	for _, r := range rules {
		for _, res := range r.Resources {
			if res == "*" || res == "statefulsets" || res == "statefulsets/scale" || res == "*/scale" {
				return true
			}
		}
	}
	return false
}

func selects(sel *metav1.LabelSelector, nsLabels labels.Set) bool {
	if sel == nil || nsLabels == nil {
		return true
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err != nil || s.Matches(nsLabels)
}
