package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
- name: other
  cluster: {server: "https://127.0.0.2:6443"}
users:
- name: u
  user: {token: t}
- name: robot
  user: {token: r}
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: mimir-dev}
- name: prod
  context: {cluster: c, user: u}
current-context: dev
`

func TestConnect(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "config")
	broken := filepath.Join(dir, "broken")
	if err := os.WriteFile(good, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte("clusters: {"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // never fall back to in-cluster here
	tests := []struct {
		behaviour string
		opts      Options
		kubeenv   string
		namespace string
		context   string
		err       []string
		host      string // "": the context's cluster
		token     string // "": the context's user
	}{
		{"the current context and its namespace are used", Options{Kubeconfig: good}, "", "mimir-dev", "dev", nil, "", ""},
		{"--context and --namespace override the kubeconfig", Options{Kubeconfig: good, Context: "prod", Namespace: "mimir"}, "", "mimir", "prod", nil, "", ""},
		{"a context without namespace means default", Options{Kubeconfig: good, Context: "prod"}, "", "default", "prod", nil, "", ""},
		{"--cluster and --user override the context's, as with kubectl", Options{Kubeconfig: good, Cluster: "other", User: "robot"}, "", "mimir-dev", "dev", nil,
			"https://127.0.0.2:6443", "r"},
		{"an unknown context lists the known ones", Options{Kubeconfig: good, Context: "staging"}, "", "", "",
			[]string{good, `context "staging" does not exist`, "known contexts: dev, prod", "--context"}, "", ""},
		{"a missing file is named", Options{Kubeconfig: filepath.Join(dir, "nope")}, "", "", "",
			[]string{filepath.Join(dir, "nope"), "no such file", "--kubeconfig"}, "", ""},
		{"a broken file is named", Options{Kubeconfig: broken}, "", "", "",
			[]string{broken, "kubectl config view"}, "", ""},
		{"no kubeconfig anywhere says where it looked", Options{}, filepath.Join(dir, "a") + ":" + filepath.Join(dir, "b"), "", "",
			[]string{"no kubeconfig found", filepath.Join(dir, "a"), "--kubeconfig"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.kubeenv)
			c, err := tt.opts.Connect()
			if tt.err == nil {
				if err != nil || c.Namespace != tt.namespace || c.Context != tt.context {
					t.Fatalf("Connect = %+v, %v; want namespace %s, context %s", c, err, tt.namespace, tt.context)
				}
				host, token := tt.host, tt.token
				if host == "" {
					host, token = "https://127.0.0.1:6443", "t"
				}
				if c.Config.Host != host || c.Config.BearerToken != token {
					t.Fatalf("server %s token %s, want %s %s", c.Config.Host, c.Config.BearerToken, host, token)
				}
				return
			}
			for _, want := range tt.err {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v does not say %q", err, want)
				}
			}
		})
	}
}
