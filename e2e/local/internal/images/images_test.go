package images

import (
	"reflect"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"grafana/mimir:2.9.0":            "grafana/mimir:2.9.0",
		"docker.io/grafana/mimir:3.0.5":  "grafana/mimir:3.0.5",
		"grafana/mimir":                  "grafana/mimir:latest",
		"docker.io/library/consul:1.16":  "consul:1.16",
		"localhost:5000/etcd":            "localhost:5000/etcd:latest",
		"quay.io/coreos/etcd@sha256:abc": "quay.io/coreos/etcd@sha256:abc",
		"registry.k8s.io/etcd:3.5.9-0":   "registry.k8s.io/etcd:3.5.9-0",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	rules := Default()
	tests := []struct {
		name          string
		image         string
		command, args []string
		wantPath      string
		wantArgv      []string
	}{
		{"mimir 2.x runs bin/mimir2 with the image entrypoint and the pod's args",
			"grafana/mimir:2.9.0", nil, []string{"-target=all"}, "/bin/mimir2", []string{"/bin/mimir", "-target=all"}},
		{"mimir 2.16 runs bin/mimir216, built from the 2.16 module",
			"grafana/mimir:2.16.0", nil, []string{"-target=write"}, "/bin/mimir216", []string{"/bin/mimir", "-target=write"}},
		{"mimir 3.x runs bin/mimir3",
			"grafana/mimir:3.0.5", nil, []string{"-target=ingester"}, "/bin/mimir3", []string{"/bin/mimir", "-target=ingester"}},
		{"other mimir tags run the 3.x build",
			"grafana/mimir:r340-abcdef", nil, nil, "/bin/mimir3", []string{"/bin/mimir"}},
		{"a command naming the mimir binary replaces the entrypoint",
			"grafana/mimir:2.9.0", []string{"/usr/bin/mimir"}, []string{"-version"}, "/bin/mimir2", []string{"/usr/bin/mimir", "-version"}},
		{"a shell command in a mimir image runs from the host userland",
			"grafana/mimir:2.9.0", []string{"sh", "-c", "true"}, nil, "sh", []string{"sh", "-c", "true"}},
		{"consul's default command is a dev agent with the image's directories",
			"hashicorp/consul:1.16.1", nil, nil, "/bin/consul",
			[]string{"consul", "agent", "-data-dir=/consul/data", "-config-dir=/consul/config", "-dev", "-client", "0.0.0.0"}},
		{"consul subcommands in args run consul",
			"consul:1.15", nil, []string{"members"}, "/bin/consul", []string{"consul", "members"}},
		{"etcd images run bin/etcd with the command's flags",
			"quay.io/coreos/etcd:v3.5.9", []string{"/usr/local/bin/etcd", "--name=e"}, nil, "/bin/etcd", []string{"/usr/local/bin/etcd", "--name=e"}},
		{"the S3 gateway runs bin/versitygw with the pod's command",
			"versity/versitygw:v1.8.0", []string{"versitygw", "--port", ":7070"}, []string{"posix", "/data"}, "/bin/versitygw",
			[]string{"versitygw", "--port", ":7070", "posix", "/data"}},
		{"mimirctl's image runs bin/mimirctl with the pod's args as its arguments",
			"mimirctl:e2e", nil, []string{"resume", "--pod-access=direct"}, "/bin/mimirctl",
			[]string{"/usr/local/bin/mimirctl", "resume", "--pod-access=direct"}},
		{"busybox runs the host's shell",
			"busybox:1.36", nil, nil, "sh", []string{"sh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Resolve(rules, "/bin", tt.image, tt.command, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if l.Path != tt.wantPath || !reflect.DeepEqual(l.Argv, tt.wantArgv) {
				t.Errorf("got %s %q, want %s %q", l.Path, l.Argv, tt.wantPath, tt.wantArgv)
			}
		})
	}
	t.Run("the S3 gateway's image needs a command (its entrypoint script is not emulated)", func(t *testing.T) {
		_, err := Resolve(rules, "/bin", "versity/versitygw:v1.8.0", nil, nil)
		if err == nil || !strings.Contains(err.Error(), "set the container's command") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an unmapped image is an error that says how to map it", func(t *testing.T) {
		_, err := Resolve(rules, "/bin", "nginx:1.25", nil, nil)
		if err == nil || !strings.Contains(err.Error(), "--image") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("user rules come first", func(t *testing.T) {
		own := append([]Rule{{Pattern: "grafana/mimir:2.9.0", Binary: "/opt/mimir", Names: []string{"mimir"}, Entrypoint: []string{"/bin/mimir"}}}, rules...)
		l, _ := Resolve(own, "/bin", "grafana/mimir:2.9.0", nil, nil)
		if l.Path != "/opt/mimir" {
			t.Errorf("path = %s", l.Path)
		}
	})
}

func TestExpand(t *testing.T) {
	env := map[string]string{"POD_IP": "10.244.0.5", "NAME": "ingester-0"}
	for in, want := range map[string]string{
		"-ring.instance-addr=$(POD_IP)": "-ring.instance-addr=10.244.0.5",
		"$(NAME)-$(POD_IP)":             "ingester-0-10.244.0.5",
		"$(MISSING) stays":              "$(MISSING) stays",
		"$$(POD_IP) is escaped":         "$(POD_IP) is escaped",
		"a lone $ and $(unterminated":   "a lone $ and $(unterminated",
	} {
		if got := Expand(in, env); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}
