// Package podnet builds pod networking on the host with ip(8): one bridge with
// the gateway address, and per pod a named network namespace joined to the
// bridge by a veth pair, with the pod's address, a default route through the
// bridge and a resolv.conf for ip netns exec. Names come from the cluster's
// config.Names.
package podnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
)

// ip runs ip(8) and returns its error output in the error.
func ip(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "ip", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// LinkExists reports whether a network interface of that name exists on the host.
func LinkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// EnsureBridge creates the bridge with gateway (e.g. 10.244.0.1/16) unless it
// exists, and brings it up.
func EnsureBridge(ctx context.Context, name string, gateway netip.Prefix) error {
	if !LinkExists(name) {
		if err := ip(ctx, "link", "add", name, "type", "bridge"); err != nil {
			return fmt.Errorf("create bridge %s: %w", name, err)
		}
	}
	if err := ip(ctx, "addr", "replace", gateway.String(), "dev", name); err != nil {
		return fmt.Errorf("address bridge %s: %w", name, err)
	}
	if err := ip(ctx, "link", "set", name, "up"); err != nil {
		return fmt.Errorf("bring bridge %s up: %w", name, err)
	}
	return nil
}

// DeleteLink removes a network interface; a missing one is not an error.
func DeleteLink(ctx context.Context, name string) error {
	if !LinkExists(name) {
		return nil
	}
	if err := ip(ctx, "link", "del", name); err != nil && LinkExists(name) {
		return err
	}
	return nil // gone meanwhile: a veth goes with its peer's namespace
}

// Sandbox is one pod's network.
type Sandbox struct {
	Netns  string
	Veth   string
	Addr   netip.Prefix // pod address with the subnet's length
	Bridge string
	Gate   netip.Addr
}

// Create builds the sandbox; on failure it removes what it made.
func (s Sandbox) Create(ctx context.Context, resolvConf []byte) (err error) {
	defer func() {
		if err != nil {
			_ = s.Delete(context.WithoutCancel(ctx))
		}
	}()
	steps := [][]string{
		{"netns", "add", s.Netns},
		{"link", "add", s.Veth, "type", "veth", "peer", "name", "eth0", "netns", s.Netns},
		{"link", "set", s.Veth, "master", s.Bridge, "up"},
		{"-n", s.Netns, "addr", "add", s.Addr.String(), "dev", "eth0"},
		{"-n", s.Netns, "link", "set", "eth0", "up"},
		{"-n", s.Netns, "link", "set", "lo", "up"},
		{"-n", s.Netns, "route", "add", "default", "via", s.Gate.String()},
	}
	for _, args := range steps {
		if err := ip(ctx, args...); err != nil {
			return fmt.Errorf("create network namespace %s for %s: %w", s.Netns, s.Addr.Addr(), err)
		}
	}
	dir := filepath.Join(config.NetnsEtcDir, s.Netns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, "resolv.conf"), resolvConf, 0o644)
}

// Delete removes the namespace, the veth and the /etc/netns entry; parts
// already gone are skipped.
func (s Sandbox) Delete(ctx context.Context) error {
	return DeleteNetns(ctx, s.Netns, s.Veth)
}

// DeleteNetns removes a named network namespace, its host veth (when known)
// and its /etc/netns entry.
func DeleteNetns(ctx context.Context, netns, veth string) error {
	var errs []error
	if _, err := os.Stat(filepath.Join(config.NetnsRunDir, netns)); err == nil {
		if err := ip(ctx, "netns", "del", netns); err != nil {
			errs = append(errs, err)
		}
	}
	if veth != "" {
		if err := DeleteLink(ctx, veth); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(config.NetnsEtcDir, netns)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ResolvConf is a pod's resolv.conf: cluster DNS and Kubernetes's search path.
func ResolvConf(namespace string, nameserver netip.Addr) []byte {
	d := config.ClusterDomain
	return fmt.Appendf(nil, "search %s.svc.%s svc.%s %s\nnameserver %s\noptions ndots:5\n",
		namespace, d, d, d, nameserver)
}
