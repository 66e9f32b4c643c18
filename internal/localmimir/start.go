package localmimir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Options describe one Mimir process.
type Options struct {
	Major Major
	// Name is the memberlist node name and the instance id in every ring.
	Name string
	// Target is Mimir's -target (default "all").
	Target string
	// Zone is the availability zone of the rings that know zones.
	Zone string
	// Join lists processes whose memberlist this one joins.
	Join []*Process
	// Bucket is the filesystem object store shared by the cluster (required).
	Bucket string
	// RuntimeConfig, when set, is written to a file passed as -runtime-config.file.
	RuntimeConfig string
	// Args are extra flags; they come last and win.
	Args []string
}

// ringPrefixes are the flag prefixes of every ring a process may join.
var ringPrefixes = map[Major][]string{
	2: {"ingester.ring", "distributor.ring", "store-gateway.sharding-ring", "compactor.ring", "ruler.ring",
		"query-scheduler.ring", "alertmanager.sharding-ring", "overrides-exporter.ring"},
	3: {"ingester.ring", "distributor.ring", "store-gateway.sharding-ring", "compactor.ring", "ruler.ring",
		"query-scheduler.ring", "alertmanager.sharding-ring", "overrides-exporter.ring", "querier.ring"},
}

// zonedRings are the rings with an availability-zone flag.
var zonedRings = []string{"ingester.ring", "store-gateway.sharding-ring", "alertmanager.sharding-ring"}

// Start runs a Mimir process in its own temporary directory and stops it
// when the test ends. It does not wait for readiness.
func Start(t testing.TB, o Options) *Process {
	t.Helper()
	if o.Bucket == "" {
		t.Fatalf("start Mimir %s: Options.Bucket is required (a directory shared by the cluster)", o.Name)
	}
	if o.Target == "" {
		o.Target = "all"
	}
	p := &Process{
		Name: o.Name, HTTPPort: FreePort(t), GRPCPort: FreePort(t), MemberlistPort: FreePort(t),
		Dir: t.TempDir(),
	}
	args := baseArgs(p, o)
	if o.RuntimeConfig != "" {
		path := filepath.Join(p.Dir, "runtime.yaml")
		if err := os.WriteFile(path, []byte(o.RuntimeConfig), 0o600); err != nil {
			t.Fatalf("write runtime config of Mimir %s: %v", o.Name, err)
		}
		args = append(args, "-runtime-config.file="+path, "-runtime-config.reload-period=1s")
	}
	args = append(args, o.Args...)
	spawn(t, p, Binary(t, o.Major), args)
	return p
}

func baseArgs(p *Process, o Options) []string {
	args := []string{
		"-target=" + o.Target,
		"-auth.multitenancy-enabled=true",
		"-log.level=info",
		"-server.http-listen-address=127.0.0.1", "-server.http-listen-port=" + strconv.Itoa(p.HTTPPort),
		"-server.grpc-listen-address=127.0.0.1", "-server.grpc-listen-port=" + strconv.Itoa(p.GRPCPort),
		"-memberlist.nodename=" + o.Name,
		"-memberlist.bind-addr=127.0.0.1", "-memberlist.bind-port=" + strconv.Itoa(p.MemberlistPort),
		"-memberlist.advertise-addr=127.0.0.1", "-memberlist.advertise-port=" + strconv.Itoa(p.MemberlistPort),
		"-blocks-storage.backend=filesystem", "-blocks-storage.filesystem.dir=" + filepath.Join(o.Bucket, "blocks"),
		"-ruler-storage.backend=filesystem", "-ruler-storage.filesystem.dir=" + filepath.Join(o.Bucket, "rules"),
		"-alertmanager-storage.backend=filesystem", "-alertmanager-storage.filesystem.dir=" + filepath.Join(o.Bucket, "alertmanager"),
		"-alertmanager.web.external-url=http://" + p.HTTPAddr() + "/alertmanager",
		// Without it the frontend advertises the first non-loopback address
		// it finds, and queriers cannot hand results back.
		"-query-frontend.instance-addr=127.0.0.1",
		"-ingester.ring.replication-factor=1",
		"-ingester.ring.min-ready-duration=0s",
		"-ingester.ring.final-sleep=0s",
	}
	if len(o.Join) > 0 {
		peers := make([]string, 0, len(o.Join))
		for _, j := range o.Join {
			peers = append(peers, j.MemberlistAddr())
		}
		args = append(args, "-memberlist.join="+strings.Join(peers, ","))
	}
	for _, r := range ringPrefixes[o.Major] {
		args = append(args, fmt.Sprintf("-%s.instance-id=%s", r, o.Name), fmt.Sprintf("-%s.instance-addr=127.0.0.1", r))
	}
	if o.Zone != "" {
		for _, r := range zonedRings {
			args = append(args, fmt.Sprintf("-%s.instance-availability-zone=%s", r, o.Zone))
		}
	}
	return args
}
