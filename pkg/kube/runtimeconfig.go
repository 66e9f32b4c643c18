package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// RuntimeConfigChange is a merge into Mimir's runtime configuration file.
type RuntimeConfigChange struct {
	Namespace string
	// ConfigMap and Key default to RuntimeConfigMap and RuntimeConfigKey.
	ConfigMap string
	Key       string
	// Patch is merged into the YAML document: objects merge key by key,
	// null removes a key, anything else replaces. For example
	// {"multi_kv_config": {"primary": "memberlist", "mirror_enabled": true}}.
	Patch map[string]any
}

func (c RuntimeConfigChange) names() (string, string) {
	cm, key := c.ConfigMap, c.Key
	if cm == "" {
		cm = mimir.RuntimeConfigMap
	}
	if key == "" {
		key = mimir.RuntimeConfigKey
	}
	return cm, key
}

// ApplyRuntimeConfig merges the change into the ConfigMap and reports
// whether it changed anything (false: already done). The update carries the
// resourceVersion read, and is retried from the read on a conflict.
func ApplyRuntimeConfig(ctx context.Context, cs kubernetes.Interface, c RuntimeConfigChange) (changed bool, err error) {
	cmName, key := c.names()
	op := fmt.Sprintf("change %s in ConfigMap %s/%s", key, c.Namespace, cmName)
	patch := normalizeJSON(c.Patch)
	err = withRetry(ctx, func() error {
		cm, err := cs.CoreV1().ConfigMaps(c.Namespace).Get(ctx, cmName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		doc := map[string]any{}
		if err := yaml.Unmarshal([]byte(cm.Data[key]), &doc); err != nil {
			return fmt.Errorf("%s: the current content is not YAML: %w", key, err)
		}
		if doc == nil { // an empty file
			doc = map[string]any{}
		}
		if covers(doc, patch) {
			changed = false
			return nil
		}
		out, err := yaml.Marshal(mergePatch(doc, patch))
		if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[key] = string(out)
		_, err = cs.CoreV1().ConfigMaps(c.Namespace).Update(ctx, cm, metav1.UpdateOptions{FieldManager: RuntimeConfigFieldManager})
		changed = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("%s: %w", op, err)
	}
	return changed, nil
}

// mergePatch applies patch to doc (JSON merge patch semantics).
func mergePatch(doc, patch map[string]any) map[string]any {
	for k, v := range patch {
		pm, pIsMap := v.(map[string]any)
		dm, dIsMap := doc[k].(map[string]any)
		switch {
		case v == nil:
			delete(doc, k)
		case pIsMap && dIsMap:
			doc[k] = mergePatch(dm, pm)
		case pIsMap:
			doc[k] = mergePatch(map[string]any{}, pm)
		default:
			doc[k] = v
		}
	}
	return doc
}

// covers reports whether doc already holds every value of patch (a null in
// patch means the key is absent or null).
func covers(doc, patch map[string]any) bool {
	for k, v := range patch {
		have, ok := doc[k]
		if v == nil {
			if ok && have != nil {
				return false
			}
			continue
		}
		pm, pIsMap := v.(map[string]any)
		hm, hIsMap := have.(map[string]any)
		if pIsMap && hIsMap {
			if !covers(hm, pm) {
				return false
			}
			continue
		}
		if !ok || !reflect.DeepEqual(have, v) {
			return false
		}
	}
	return true
}

// normalizeJSON gives a value the types YAML-decoded documents have.
func normalizeJSON(m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		return m
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return m
	}
	return out
}

// PodRuntimeConfig is whether one pod serves a change.
type PodRuntimeConfig struct {
	Pod    string `json:"pod"`
	Serves bool   `json:"serves"`
	Detail string `json:"detail,omitempty"`
}

// CheckRuntimeConfig asks each selected pod for /runtime_config and
// reports which serve the patch's values. The observation passes when all
// do, fails when one does not, and is inconclusive when a pod cannot be
// asked or none is selected.
func CheckRuntimeConfig(ctx context.Context, cs kubernetes.Interface, doer podaccess.Doer, namespace string, sel podaccess.Selector, patch map[string]any) (verdict.Observation, []PodRuntimeConfig, error) {
	res, err := podaccess.Resolve(ctx, cs, namespace, sel)
	if err != nil {
		return verdict.Observation{}, nil, err
	}
	if len(res.Targets) == 0 {
		return verdict.Inconclusivef("no running pod among %s", sel).WithDetails(res.NotReady...), nil, nil
	}
	want := normalizeJSON(patch)
	var pods []PodRuntimeConfig
	var obs []verdict.Observation
	for _, t := range res.Targets {
		p, o := podServes(ctx, doer, t, want)
		pods, obs = append(pods, p), append(obs, o)
	}
	for _, nr := range res.NotReady {
		obs = append(obs, verdict.Inconclusivef("pod %s", nr))
	}
	return verdict.All(fmt.Sprintf("%s serve the runtime configuration change", sel), obs...), pods, nil
}

func podServes(ctx context.Context, doer podaccess.Doer, t podaccess.Target, want map[string]any) (PodRuntimeConfig, verdict.Observation) {
	code, body, err := podaccess.Get(ctx, doer, t, mimir.PathRuntimeConfig, http.Header{"Accept": {"text/plain"}})
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %s", code, bodyMessage(body))
	}
	if err != nil {
		return PodRuntimeConfig{Pod: t.Name, Detail: err.Error()}, verdict.Inconclusivef("pod %s: %v", t.Name, err)
	}
	served := map[string]any{}
	if err := yaml.Unmarshal(body, &served); err != nil {
		return PodRuntimeConfig{Pod: t.Name, Detail: "not YAML: " + err.Error()}, verdict.Inconclusivef("pod %s: %s is not YAML", t.Name, mimir.PathRuntimeConfig)
	}
	if !covers(served, want) {
		return PodRuntimeConfig{Pod: t.Name, Detail: "still serves the previous values"}, verdict.Failf("pod %s still serves the previous values", t.Name)
	}
	return PodRuntimeConfig{Pod: t.Name, Serves: true}, verdict.Passf("pod %s serves the new values", t.Name)
}

// bodyMessage shortens an error body: the message of an API server Status
// (what the pod proxy answers when it cannot reach the pod), else the first
// line.
func bodyMessage(body []byte) string {
	var status struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &status) == nil && status.Message != "" {
		return status.Message
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return line
}

// WaitRuntimeConfig waits until CheckRuntimeConfig passes. The kubelet
// refreshes mounted ConfigMaps within about a minute and Mimir reloads the
// file every -runtime-config.reload-period (10s), so expect a minute or two.
func WaitRuntimeConfig(ctx context.Context, cs kubernetes.Interface, doer podaccess.Doer, namespace string, sel podaccess.Selector, patch map[string]any, opts WaitOptions) (verdict.Observation, error) {
	var last verdict.Observation
	err := poll(ctx, opts, func() (bool, error) {
		obs, _, err := CheckRuntimeConfig(ctx, cs, doer, namespace, sel, patch)
		if err != nil {
			return false, err
		}
		last = obs
		return obs.Verdict == verdict.Pass, nil
	})
	if err != nil {
		return last, fmt.Errorf("wait for %s to serve the runtime configuration change (%s): %w", sel, last, err)
	}
	return last, nil
}
