package localmimir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// StartEtcd runs etcd from e2e/local/bin on two free loopback ports and
// returns it with its client endpoint ("127.0.0.1:port").
func StartEtcd(t testing.TB) (*Process, string) {
	t.Helper()
	bin := filepath.Join(filepath.Dir(Binary(t, 2)), "etcd")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("etcd binary %s is missing: build it with `e2e/local/tools/build.sh etcd`", bin)
	}
	client, peer := FreePort(t), FreePort(t)
	p := &Process{Name: "etcd", HTTPPort: client, Dir: t.TempDir()}
	cu, pu := "http://127.0.0.1:"+strconv.Itoa(client), "http://127.0.0.1:"+strconv.Itoa(peer)
	spawn(t, p, bin, []string{
		"--name=e", "--data-dir=" + filepath.Join(p.Dir, "data"),
		"--listen-client-urls=" + cu, "--advertise-client-urls=" + cu,
		"--listen-peer-urls=" + pu, "--initial-advertise-peer-urls=" + pu,
		"--initial-cluster=e=" + pu,
	})
	return p, "127.0.0.1:" + strconv.Itoa(client)
}

// PrometheusBinary is Debian's Prometheus (apt-get install prometheus); the
// packaged service is never used, tests run the binary with their own config.
const PrometheusBinary = "/usr/bin/prometheus"

// StartPrometheus runs Prometheus on a free loopback port with config (a
// prometheus.yml body) and waits until it is ready.
func StartPrometheus(ctx context.Context, t testing.TB, name, config string) *Process {
	t.Helper()
	if _, err := os.Stat(PrometheusBinary); err != nil {
		t.Fatalf("%s is missing: install Debian's package with `apt-get install -y prometheus` (do not start its service)", PrometheusBinary)
	}
	p := &Process{Name: name, HTTPPort: FreePort(t), Dir: t.TempDir()}
	cfg := filepath.Join(p.Dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatalf("write config of Prometheus %s: %v", name, err)
	}
	spawn(t, p, PrometheusBinary, []string{
		"--config.file=" + cfg, "--storage.tsdb.path=" + filepath.Join(p.Dir, "data"),
		"--web.listen-address=" + p.HTTPAddr(), "--web.enable-lifecycle",
		"--storage.remote.flush-deadline=1s", // do not linger on a stopped Mimir
	})
	if err := p.waitPath(ctx, "/-/ready"); err != nil {
		t.Fatal(err)
	}
	return p
}

// WaitReady polls /ready (Mimir) until it answers 200 or ctx ends.
func (p *Process) WaitReady(ctx context.Context) error { return p.waitPath(ctx, "/ready") }

func (p *Process) waitPath(ctx context.Context, path string) error {
	err := poll(ctx, func() (bool, string) {
		if !p.Running() {
			return true, "exited"
		}
		code, body, err := get(ctx, p.URL(path))
		if err != nil {
			return false, err.Error()
		}
		return code == 200, fmt.Sprintf("%d %s", code, body)
	})
	if err == nil && !p.Running() {
		err = fmt.Errorf("%s exited before %s answered 200", p.Name, path)
	}
	if err != nil {
		return fmt.Errorf("%w; log tail:\n%s", err, p.LogTail(30))
	}
	return nil
}
