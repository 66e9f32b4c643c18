package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// required are the component binaries a cluster cannot start without; the
// Mimir, Consul and etcd builds are checked when a pod needs them.
var required = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

// preflight checks what Up needs from the host before touching anything.
func preflight(opts Options) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("the local cluster needs root (network namespaces, veths, mounts): run it with sudo or as root")
	}
	for _, tool := range []string{"ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found in PATH: install iproute2 and util-linux", tool)
		}
	}
	var missing []string
	for _, b := range required {
		if _, err := os.Stat(filepath.Join(opts.BinDir, b)); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s missing in %s: build them with make tools (e2e/local/tools/build.sh)", strings.Join(missing, ", "), opts.BinDir)
	}
	return nil
}
