package config

import "testing"

func TestLayout(t *testing.T) {
	l := Layout{Root: "/state"}
	for got, want := range map[string]string{
		l.ContainerLog("mimir", "ingester-0", "uid-1", "ingester", 2): "/state/logs/pods/mimir_ingester-0_uid-1/ingester/2.log",
		l.VolumeDir("uid-1", "runtime-config"):                        "/state/pods/uid-1/volumes/runtime-config",
		l.ContainerDir("uid-1", "ingester"):                           "/state/pods/uid-1/containers/ingester",
		l.PVDir("pvc-9"):                                              "/state/pv/pvc-9",
		l.ComponentLog("kube-apiserver"):                              "/state/logs/kube-apiserver.log",
		l.Description():                                               "/state/cluster.json",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestNames(t *testing.T) {
	a, b := NamesFor("/tmp/mctl-localcluster"), NamesFor("/tmp/other")
	t.Run("clusters with different state directories get different names", func(t *testing.T) {
		if a.ID == b.ID || a.Bridge() == b.Bridge() || a.NetnsPrefix() == b.NetnsPrefix() {
			t.Errorf("a=%+v b=%+v", a, b)
		}
	})
	t.Run("veths fit the kernel's 15 characters and start with the cluster's link prefix", func(t *testing.T) {
		v := a.Veth("0f8b1c2e-1111-2222-3333-444455556666")
		if len(v) > 15 || v[:len(a.LinkPrefix())] != a.LinkPrefix() || v == a.Veth("other") {
			t.Errorf("veth %q", v)
		}
	})
	t.Run("a pod's netns is readable and unique per UID", func(t *testing.T) {
		n := a.Netns("mimir", "ingester-0", "1234567890abcdef")
		if n != a.NetnsPrefix()+"mimir-ingester-0-12345678" || n == a.Netns("mimir", "ingester-0", "fedcba09") {
			t.Errorf("netns %q", n)
		}
	})
}
