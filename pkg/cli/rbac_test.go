package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
	rbacvalidation "k8s.io/component-helpers/auth/rbac/validation"
	"sigs.k8s.io/yaml"
)

// deployRules reads the rules of a Role and a ClusterRole of deploy/rbac.
func deployRules(t *testing.T, file, role, clusterRole string) (namespaced, cluster []rbacv1.PolicyRule) {
	t.Helper()
	read := func(file string) []string {
		data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "rbac", file))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(data), "\n---\n")
	}
	for _, doc := range append(read(file), read("cluster-role.yaml")...) {
		var r rbacv1.ClusterRole // a Role has the same fields
		if err := yaml.Unmarshal([]byte(doc), &r); err != nil {
			t.Fatal(err)
		}
		switch {
		case r.Kind == "Role" && r.Name == role:
			namespaced = r.Rules
		case r.Kind == "ClusterRole" && r.Name == clusterRole:
			cluster = r.Rules
		}
	}
	if namespaced == nil || cluster == nil {
		t.Fatalf("no Role %s in %s or no ClusterRole %s", role, file, clusterRole)
	}
	return namespaced, cluster
}

// requestedRules turns the requests a fake clientset recorded into the RBAC
// rules they need (each once), split into the namespaced and the
// cluster-scoped ones.
func requestedRules(actions []clienttesting.Action) (namespaced, cluster []rbacv1.PolicyRule) {
	seen := map[string]bool{}
	for _, a := range actions {
		key := fmt.Sprint(a.GetNamespace() == "", a.GetVerb(), a.GetResource(), a.GetSubresource())
		if seen[key] {
			continue
		}
		seen[key] = true
		res := a.GetResource().Resource
		if a.GetSubresource() != "" {
			res += "/" + a.GetSubresource()
		}
		r := rbacv1.PolicyRule{Verbs: []string{a.GetVerb()}, APIGroups: []string{a.GetResource().Group}, Resources: []string{res}}
		if a.GetNamespace() == "" {
			cluster = append(cluster, r)
		} else {
			namespaced = append(namespaced, r)
		}
	}
	return namespaced, cluster
}

// TestTheDeployRolesCoverWhatTheCommandsRequest runs the commands with the
// run state in the cluster (the ConfigMap and its Lease) against a fake
// clientset that records every request, and checks that the Roles of
// deploy/rbac allow each one. It covers what pkg/cli and pkg/plan request
// (state, lock, the cluster's identity); the requests of a plan's actions
// and gates go through the engine, which these tests replace with fakes.
func TestTheDeployRolesCoverWhatTheCommandsRequest(t *testing.T) {
	state := "--state=configmap"
	tests := []struct {
		behaviour         string
		file, role, crole string
		commands          [][]string
		exits             []int
	}{
		{"read-only: plan and status", "readonly.yaml", "mimirctl-readonly", "mimirctl-cluster-read",
			[][]string{{"plan", "demo", state}, {"status", state}, {"status", state, "-o", "json"}},
			[]int{ExitOK, ExitOK, ExitOK}},
		{"apply: apply, approve, resume, abort", "apply.yaml", "mimirctl-apply", "mimirctl-cluster-read",
			[][]string{{"apply", "demo", state}, {"approve", "2-route", state}, {"resume", "--yes", state},
				{"apply", "demo", state, "-p", "replicas=5"}, {"abort", state}, {"status", state}, {"plan", "demo", state}},
			[]int{ExitPaused, ExitOK, ExitOK, ExitPaused, ExitOK, ExitOK, ExitOK}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			c := newTestCLI(t)
			bumpResourceVersions(c)
			for i, args := range tt.commands {
				if _, errOut, code := c.run("", args...); code != tt.exits[i] {
					t.Fatalf("%v: exit %d, want %d\n%s", args, code, tt.exits[i], errOut)
				}
			}
			gotNS, gotCluster := requestedRules(c.kube.Actions())
			if len(gotNS) == 0 {
				t.Fatal("no request recorded: the commands did not use the cluster state")
			}
			ns, cluster := deployRules(t, tt.file, tt.role, tt.crole)
			if ok, missing := rbacvalidation.Covers(ns, gotNS); !ok {
				t.Errorf("Role %s does not allow %v", tt.role, missing)
			}
			if ok, missing := rbacvalidation.Covers(cluster, gotCluster); !ok {
				t.Errorf("ClusterRole %s does not allow %v", tt.crole, missing)
			}
		})
	}
}

// bumpResourceVersions makes the fake clientset give ConfigMaps a new
// resourceVersion on every write, as an API server does (the state store
// compares them; the plain fake keeps them empty).
func bumpResourceVersions(c *testCLI) {
	var rv int
	bump := func(a clienttesting.Action) (bool, runtime.Object, error) {
		obj := a.(interface{ GetObject() runtime.Object }).GetObject().(*corev1.ConfigMap)
		rv++
		obj.ResourceVersion = strconv.Itoa(rv)
		return false, nil, nil
	}
	c.kube.PrependReactor("create", "configmaps", bump)
	c.kube.PrependReactor("update", "configmaps", bump)
}
