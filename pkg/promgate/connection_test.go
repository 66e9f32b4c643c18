package promgate

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePrometheus answers /api/v1/query with a one-series vector and records
// what each request carried.
type fakePrometheus struct {
	mu       sync.Mutex
	requests []*http.Request
	warnings bool
}

func (f *fakePrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(context.Background()))
	f.mu.Unlock()
	if !strings.HasSuffix(r.URL.Path, "/api/v1/query") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	warn := ""
	if f.warnings {
		warn = `,"warnings":["mimir: partial response"]`
	}
	_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1700000000,"0"]}]}` + warn + `}`))
}

func (f *fakePrometheus) last(t *testing.T) *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("no request reached the fake Prometheus")
	}
	return f.requests[len(f.requests)-1]
}

func query(t *testing.T, c Connection) error {
	t.Helper()
	a, err := NewAPI(c)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Query(context.Background(), "up", time.Now())
	return err
}

func TestConnectionSendsWhatTheOperatorConfigured(t *testing.T) {
	fp := &fakePrometheus{}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		conn   Connection
		before func()
		check  func(t *testing.T, r *http.Request)
	}{
		{"a Mimir address keeps its /prometheus prefix and sends the tenant", Connection{URL: srv.URL + "/prometheus", Tenant: "tenant-1"}, nil,
			func(t *testing.T, r *http.Request) {
				if r.URL.Path != "/prometheus/api/v1/query" || r.Header.Get("X-Scope-OrgID") != "tenant-1" {
					t.Errorf("path %s tenant %q", r.URL.Path, r.Header.Get("X-Scope-OrgID"))
				}
			}},
		{"basic auth reads the password file", Connection{URL: srv.URL, BasicAuthUser: "ops", BasicAuthPasswordFile: pwFile}, nil,
			func(t *testing.T, r *http.Request) {
				if u, p, ok := r.BasicAuth(); !ok || u != "ops" || p != "s3cret" {
					t.Errorf("basic auth %q %q %v", u, p, ok)
				}
			}},
		{"a bearer token file is read on every request, so rotation works", Connection{URL: srv.URL, BearerTokenFile: tokenFile},
			func() { _ = os.WriteFile(tokenFile, []byte("rotated-2\n"), 0o600) },
			func(t *testing.T, r *http.Request) {
				if got := r.Header.Get("Authorization"); got != "Bearer rotated-2" {
					t.Errorf("Authorization %q", got)
				}
			}},
		{"no credentials are sent unless configured", Connection{URL: srv.URL}, nil,
			func(t *testing.T, r *http.Request) {
				if r.Header.Get("Authorization") != "" || r.Header.Get("X-Scope-OrgID") != "" {
					t.Errorf("unexpected headers %v", r.Header)
				}
			}},
	}
	_ = os.WriteFile(tokenFile, []byte("first"), 0o600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			if err := query(t, tt.conn); err != nil {
				t.Fatal(err)
			}
			tt.check(t, fp.last(t))
		})
	}
}

func TestConnectionTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, clientDER := clientCert(t, dir)
	clientCA, err := x509.ParseCertificate(clientDER)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA)
	fp := &fakePrometheus{}
	srv := httptest.NewUnstartedServer(fp)
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(dir, "ca.pem")
	writePEM(t, caFile, "CERTIFICATE", srv.Certificate().Raw)

	if err := query(t, Connection{URL: srv.URL}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA must be refused, got %v", err)
	}
	if err := query(t, Connection{URL: srv.URL, CAFile: caFile}); err != nil {
		t.Errorf("with the CA file: %v", err)
	}
	if err := query(t, Connection{URL: srv.URL, InsecureSkipVerify: true}); err != nil {
		t.Errorf("with insecureSkipVerify: %v", err)
	}
	if err := query(t, Connection{URL: srv.URL, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	if r := fp.last(t); r.TLS == nil || len(r.TLS.PeerCertificates) != 1 || r.TLS.PeerCertificates[0].Subject.CommonName != "mimirctl" {
		t.Errorf("the client certificate did not reach the server")
	}
}

func clientCert(t *testing.T, dir string) (certFile, keyFile string, der []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mimirctl"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, keyf := filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	writePEM(t, cert, "CERTIFICATE", der)
	writePEM(t, keyf, "EC PRIVATE KEY", kb)
	return cert, keyf, der
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestServerWarningsReachTheObservation(t *testing.T) {
	fp := &fakePrometheus{warnings: true}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	a, err := NewAPI(Connection{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Spec{Query: "up", Condition: zeroCondition()}, Deps{API: a})
	if err != nil {
		t.Fatal(err)
	}
	obs := g.Evaluate(context.Background())
	if !strings.Contains(strings.Join(obs.Details, "\n"), "server warning: mimir: partial response") {
		t.Fatalf("warnings missing: %s", obs)
	}
}

func TestConnectionValidateNamesTheKey(t *testing.T) {
	tests := []struct {
		name string
		conn Connection
		want string
	}{
		{"a URL is required", Connection{}, "url: missing"},
		{"the URL must be http(s)", Connection{URL: "prometheus:9090"}, "is not an http(s) address"},
		{"one password source", Connection{URL: "http://p", BasicAuthUser: "u", BasicAuthPassword: "a", BasicAuthPasswordFile: "f"}, "basicAuthPassword and basicAuthPasswordFile: give one"},
		{"a password needs a user", Connection{URL: "http://p", BasicAuthPassword: "a"}, "basicAuthUser: missing"},
		{"one token source", Connection{URL: "http://p", BearerToken: "a", BearerTokenFile: "f"}, "bearerToken and bearerTokenFile: give one"},
		{"basic auth or a bearer token", Connection{URL: "http://p", BasicAuthUser: "u", BearerToken: "t"}, "basic auth and bearer token: give one"},
		{"a client certificate needs its key", Connection{URL: "https://p", CertFile: "c.pem"}, "certFile and keyFile: give both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.conn.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}
