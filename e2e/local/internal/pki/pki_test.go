package pki

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM block", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGenerate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := Generate(Request{
		Dir:            t.TempDir(),
		APIServerIPs:   []net.IP{net.ParseIP("10.244.0.1"), net.ParseIP("10.96.0.1")},
		APIServerNames: []string{"kubernetes.default.svc"},
		KubeletIPs:     []net.IP{net.ParseIP("10.244.0.1")},
		Now:            now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ca := readCert(t, b.CACert)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	verify := func(path string, usage x509.ExtKeyUsage, name string) *x509.Certificate {
		t.Helper()
		c := readCert(t, path)
		_, err := c.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}})
		if err != nil {
			t.Errorf("%s does not verify against the CA for %v %q: %v", path, usage, name, err)
		}
		return c
	}

	t.Run("the CA is a CA valid from before now", func(t *testing.T) {
		if !ca.IsCA || ca.NotBefore.After(now) || ca.NotAfter.Before(now.Add(300*24*time.Hour)) {
			t.Errorf("CA: IsCA=%v valid %s..%s", ca.IsCA, ca.NotBefore, ca.NotAfter)
		}
	})
	t.Run("the API server certificate serves the bridge address, the service IP and the service name", func(t *testing.T) {
		verify(b.APIServerCert, x509.ExtKeyUsageServerAuth, "10.244.0.1")
		verify(b.APIServerCert, x509.ExtKeyUsageServerAuth, "10.96.0.1")
		verify(b.APIServerCert, x509.ExtKeyUsageServerAuth, "kubernetes.default.svc")
	})
	t.Run("the admin is a client in system:masters", func(t *testing.T) {
		c := verify(b.AdminCert, x509.ExtKeyUsageClientAuth, "")
		if len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "system:masters" {
			t.Errorf("admin organization = %v", c.Subject.Organization)
		}
	})
	t.Run("the kubelet API certificate serves the bridge address", func(t *testing.T) {
		verify(b.KubeletCert, x509.ExtKeyUsageServerAuth, "10.244.0.1")
		verify(b.KubeletClientCert, x509.ExtKeyUsageClientAuth, "")
	})
	t.Run("private keys are readable by the owner only", func(t *testing.T) {
		for _, p := range []string{b.CAKey, b.AdminKey, b.ServiceAccountKey} {
			fi, err := os.Stat(p)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, err %v", p, fi.Mode(), err)
			}
		}
	})
	t.Run("the service-account public key parses", func(t *testing.T) {
		data, _ := os.ReadFile(b.ServiceAccountPub)
		block, _ := pem.Decode(data)
		if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			t.Error(err)
		}
	})
	t.Run("the kubeconfig embeds the admin credentials and points at the server", func(t *testing.T) {
		path := t.TempDir() + "/kubeconfig"
		if err := WriteKubeconfig(path, "mctl-local", "https://10.244.0.1:6443", b); err != nil {
			t.Fatal(err)
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Host != "https://10.244.0.1:6443" || len(cfg.CertData) == 0 || len(cfg.KeyData) == 0 || len(cfg.CAData) == 0 {
			t.Errorf("kubeconfig: host %q, cert %d bytes, key %d bytes, CA %d bytes", cfg.Host, len(cfg.CertData), len(cfg.KeyData), len(cfg.CAData))
		}
	})
}
