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
