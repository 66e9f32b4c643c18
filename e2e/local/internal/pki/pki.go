// Package pki generates the local cluster's certificates at start: a CA, the
// API server's serving certificate, an admin client certificate in
// system:masters, the kubelet API's serving and client certificates, and the
// service-account signing key pair. Nothing is reused between clusters.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Request says what the certificates must cover.
type Request struct {
	// Dir receives the files (created if missing).
	Dir string
	// APIServerIPs and APIServerNames are the serving certificate's SANs.
	APIServerIPs   []net.IP
	APIServerNames []string
	// KubeletIPs are the kubelet API serving certificate's SANs.
	KubeletIPs []net.IP
	// Now is the start of validity; Validity its length.
	Now      time.Time
	Validity time.Duration
}

// Bundle lists the generated files.
type Bundle struct {
	CACert, CAKey                       string
	APIServerCert, APIServerKey         string
	AdminCert, AdminKey                 string
	KubeletCert, KubeletKey             string
	KubeletClientCert, KubeletClientKey string
	// ServiceAccountKey signs service-account tokens; ServiceAccountPub
	// verifies them.
	ServiceAccountKey, ServiceAccountPub string
}

// AdminOrganization puts the admin client in the group that every
// authorizer lets through.
const AdminOrganization = "system:masters"

// Generate creates a fresh CA and every certificate and key of req.Dir.
func Generate(req Request) (*Bundle, error) {
	if err := os.MkdirAll(req.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create PKI directory %s: %w", req.Dir, err)
	}
	if req.Validity == 0 {
		req.Validity = 365 * 24 * time.Hour
	}
	b := bundleIn(req.Dir)
	ca, err := newCA(req)
	if err != nil {
		return nil, err
	}
	if err := ca.write(b.CACert, b.CAKey); err != nil {
		return nil, err
	}
	leaves := []struct {
		cert, key string
		tmpl      *x509.Certificate
	}{
		{b.APIServerCert, b.APIServerKey, serverTemplate("kube-apiserver", req.APIServerIPs, req.APIServerNames)},
		{b.AdminCert, b.AdminKey, clientTemplate("kubernetes-admin", AdminOrganization)},
		{b.KubeletCert, b.KubeletKey, serverTemplate("mctl-kubelet", req.KubeletIPs, nil)},
		{b.KubeletClientCert, b.KubeletClientKey, clientTemplate("kube-apiserver-kubelet-client", AdminOrganization)},
	}
	for _, l := range leaves {
		kp, err := ca.sign(l.tmpl, req)
		if err != nil {
			return nil, err
		}
		if err := kp.write(l.cert, l.key); err != nil {
			return nil, err
		}
	}
	if err := writeServiceAccountKeys(b.ServiceAccountKey, b.ServiceAccountPub); err != nil {
		return nil, err
	}
	return b, nil
}

func bundleIn(dir string) *Bundle {
	p := func(name string) string { return filepath.Join(dir, name) }
	return &Bundle{
		CACert: p("ca.crt"), CAKey: p("ca.key"),
		APIServerCert: p("apiserver.crt"), APIServerKey: p("apiserver.key"),
		AdminCert: p("admin.crt"), AdminKey: p("admin.key"),
		KubeletCert: p("kubelet.crt"), KubeletKey: p("kubelet.key"),
		KubeletClientCert: p("kubelet-client.crt"), KubeletClientKey: p("kubelet-client.key"),
		ServiceAccountKey: p("sa.key"), ServiceAccountPub: p("sa.pub"),
	}
}

// keyPair is a certificate with its private key.
type keyPair struct {
	cert *x509.Certificate
	der  []byte
	key  crypto.Signer
}

func newCA(req Request) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "mctl-local-ca"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	setValidity(tmpl, req)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-sign CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	return &keyPair{cert: cert, der: der, key: key}, nil
}

// sign issues a certificate for tmpl with a fresh key, signed by kp (a CA).
func (kp *keyPair) sign(tmpl *x509.Certificate, req Request) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key for %s: %w", tmpl.Subject.CommonName, err)
	}
	setValidity(tmpl, req)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, kp.cert, key.Public(), kp.key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate for %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate for %s: %w", tmpl.Subject.CommonName, err)
	}
	return &keyPair{cert: cert, der: der, key: key}, nil
}

func setValidity(tmpl *x509.Certificate, req Request) {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl.SerialNumber = serial
	tmpl.NotBefore = req.Now.Add(-time.Hour) // tolerate small clock skew
	tmpl.NotAfter = req.Now.Add(req.Validity)
}

func serverTemplate(cn string, ips []net.IP, names []string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips,
		DNSNames:    names,
	}
}

func clientTemplate(cn, org string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: []string{org}},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func (kp *keyPair) write(certPath, keyPath string) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(kp.key)
	if err != nil {
		return fmt.Errorf("encode key %s: %w", keyPath, err)
	}
	if err := writePEM(certPath, "CERTIFICATE", kp.der, 0o644); err != nil {
		return err
	}
	return writePEM(keyPath, "PRIVATE KEY", keyDER, 0o600)
}

func writeServiceAccountKeys(keyPath, pubPath string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return fmt.Errorf("encode service-account public key: %w", err)
	}
	if err := writePEM(keyPath, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), 0o600); err != nil {
		return err
	}
	return writePEM(pubPath, "PUBLIC KEY", pub, 0o644)
}

func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
