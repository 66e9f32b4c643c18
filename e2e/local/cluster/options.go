// Package cluster is the API of the local Kubernetes test cluster: a real
// etcd, kube-apiserver, kube-controller-manager and kube-scheduler, a node
// agent that runs pods as real processes in their own network namespaces on a
// host bridge, a cluster DNS and a Prometheus scraping the pods, all on this
// machine without Docker.
//
// Up starts a supervisor process (the localcluster binary, detached with
// setsid) that owns every component and returns once the cluster is usable;
// Down stops it and removes everything it created, also after a crash. Load
// describes a running cluster from its state directory.
//
//	c, err := cluster.Up(ctx, cluster.Options{})
//	defer cluster.Down(context.Background(), cluster.DownOptions{StateDir: c.StateDir})
//	cfg, err := c.RESTConfig()
package cluster

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/images"
)

// ImageRule maps container images to local binaries; see Options.Images.
type ImageRule = images.Rule

// DefaultImageRules is the built-in image mapping: grafana/mimir:2.16.* →
// bin/mimir216, other grafana/mimir:2.* → bin/mimir2, grafana/mimir:3.* and
// other grafana/mimir tags → bin/mimir3, hashicorp/consul:* and consul:* →
// bin/consul, *etcd* → bin/etcd, versity/versitygw:* → bin/versitygw (pods
// give its command), mimirctl:* → bin/mimirctl (the e2e suite builds it
// there), and busybox/alpine/debian/ubuntu → the host's own userland.
func DefaultImageRules() []ImageRule { return images.Default() }

// ImageLaunch is how the node agent starts a container: the executable
// (Path), its argument vector (Argv), the directories it creates in the
// container's root and the rule that matched.
type ImageLaunch = images.Launch

// ResolveImage returns how the node agent would start a container of image
// with the pod's command and args under rules (e.g. DefaultImageRules()),
// with the component binaries in binDir (Options.BinDir): docker-style, a
// command replaces the image's entrypoint and args replace its CMD; when
// argv[0] names the rule's main program, Path is the rule's Binary in
// binDir, otherwise argv[0] itself. It fails, as the node agent would fail
// the container, when no rule matches image or the container has nothing to
// run (a rule without entrypoint and no command).
func ResolveImage(rules []ImageRule, binDir, image string, command, args []string) (ImageLaunch, error) {
	return images.Resolve(rules, binDir, image, command, args)
}

// Options configure a cluster. The zero value is a usable default.
type Options struct {
	// StateDir holds everything of the cluster (default /tmp/mctl-localcluster).
	StateDir string `json:"stateDir"`
	// BinDir holds the component binaries built by e2e/local/tools/build.sh
	// (default: e2e/local/bin of this module).
	BinDir string `json:"binDir"`
	// PodCIDR is the bridge subnet (default 10.244.0.0/16); the bridge takes
	// its first address.
	PodCIDR string `json:"podCIDR"`
	// Zones and NodesPerZone shape the nodes (default zone-a,b,c × 3).
	Zones        []string `json:"zones"`
	NodesPerZone int      `json:"nodesPerZone"`
	// APIServerPort is the API server's port on the bridge address (6443).
	APIServerPort int `json:"apiServerPort"`
	// PrometheusPort is Prometheus's port on 127.0.0.1 (9090).
	PrometheusPort int `json:"prometheusPort"`
	// NoPrometheus skips Prometheus.
	NoPrometheus bool `json:"noPrometheus"`
	// Images are tried before DefaultImageRules.
	Images []ImageRule `json:"images,omitempty"`
	// ReadyTimeout bounds Up (default 3 minutes).
	ReadyTimeout time.Duration `json:"readyTimeout"`
	// Supervisor is the localcluster binary (default BinDir/localcluster,
	// built with go build when missing or older than its sources).
	Supervisor string `json:"supervisor"`
	// Progress receives human-readable progress lines (nil: discarded).
	Progress io.Writer `json:"-"`
}

// withDefaults fills empty fields.
func (o Options) withDefaults() (Options, error) {
	if o.StateDir == "" {
		o.StateDir = config.DefaultStateDir
	}
	abs, err := filepath.Abs(o.StateDir)
	if err != nil {
		return o, fmt.Errorf("state directory %s: %w", o.StateDir, err)
	}
	o.StateDir = abs
	if o.BinDir == "" {
		root, err := ModuleRoot()
		if err != nil {
			return o, fmt.Errorf("find the component binaries: %w (set Options.BinDir)", err)
		}
		o.BinDir = filepath.Join(root, "e2e", "local", "bin")
	}
	if o.PodCIDR == "" {
		o.PodCIDR = config.DefaultPodCIDR
	}
	if _, err := netip.ParsePrefix(o.PodCIDR); err != nil {
		return o, fmt.Errorf("pod CIDR %q: %w", o.PodCIDR, err)
	}
	if len(o.Zones) == 0 {
		o.Zones = config.DefaultZones
	}
	if o.NodesPerZone <= 0 {
		o.NodesPerZone = config.DefaultNodesPerZone
	}
	if o.APIServerPort == 0 {
		o.APIServerPort = config.DefaultAPIServerPort
	}
	if o.PrometheusPort == 0 {
		o.PrometheusPort = config.DefaultPrometheusPort
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = config.DefaultReadyTimeout
	}
	if o.Supervisor == "" {
		o.Supervisor = filepath.Join(o.BinDir, "localcluster")
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o, nil
}

// imageRules are the user's rules followed by the defaults.
func (o Options) imageRules() []ImageRule {
	return append(append([]ImageRule{}, o.Images...), images.Default()...)
}

// ModuleRoot finds the mimirctl module's root: from the working directory
// upwards, else from this source file's location.
func ModuleRoot() (string, error) {
	isRoot := func(dir string) bool {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		return err == nil && bytes.HasPrefix(data, []byte("module github.com/mimirctl/mimirctl\n"))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if isRoot(dir) {
				return dir, nil
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if dir := filepath.Join(filepath.Dir(file), "..", "..", ".."); isRoot(dir) {
			return filepath.Clean(dir), nil
		}
	}
	return "", fmt.Errorf("no go.mod of github.com/mimirctl/mimirctl above the working directory")
}
