package podnet

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	t.Run("a namespace name is readable and unique per pod UID", func(t *testing.T) {
		a := NetnsName("mimir", "ingester-0", "1234567890abcdef")
		b := NetnsName("mimir", "ingester-0", "fedcba0987654321")
		if a != "mctl-mimir-ingester-0-12345678" || a == b {
			t.Errorf("names %q, %q", a, b)
		}
	})
	t.Run("veth names fit the kernel's 15 characters and carry the prefix", func(t *testing.T) {
		v := VethName("1234567890abcdef-1234")
		if len(v) > 15 || !strings.HasPrefix(v, "mctl") || v == VethName("other") {
			t.Errorf("veth %q", v)
		}
	})
}

func TestResolvConf(t *testing.T) {
	got := string(ResolvConf("mimir", netip.MustParseAddr("10.244.0.1")))
	want := "search mimir.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.244.0.1\noptions ndots:5\n"
	if got != want {
		t.Errorf("resolv.conf:\n%s\nwant:\n%s", got, want)
	}
}
