// Package promgate evaluates PromQL gates: an instant query against a
// Prometheus or Mimir (with its /prometheus prefix), its result compared with
// a threshold, empty results and NaN as explicit outcomes, an optional "for"
// duration during which the condition must hold, and server warnings
// reported in the observation.
//
// Queries go through github.com/prometheus/client_golang/api, pinned at
// v1.23.2 (later releases change v1.API.Query's signature).
package promgate

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// DefaultTimeout bounds one query when the connection sets none.
const DefaultTimeout = 30 * time.Second

// Connection says how to reach the query API. The CLI fills it from flags
// (--prometheus-url, --prometheus-tenant, ...); step files never carry
// credentials.
type Connection struct {
	// URL is the API root: http://prometheus:9090, or a Mimir address with
	// its prefix, e.g. http://mimir-gateway/prometheus.
	URL string `yaml:"url" json:"url"`
	// Tenant is sent as X-Scope-OrgID (Mimir).
	Tenant string `yaml:"tenant,omitempty" json:"tenant,omitempty"`
	// BasicAuthUser and BasicAuthPassword (or BasicAuthPasswordFile, read on
	// every request) set basic auth.
	BasicAuthUser         string `yaml:"basicAuthUser,omitempty" json:"basicAuthUser,omitempty"`
	BasicAuthPassword     string `yaml:"basicAuthPassword,omitempty" json:"-"`
	BasicAuthPasswordFile string `yaml:"basicAuthPasswordFile,omitempty" json:"basicAuthPasswordFile,omitempty"`
	// BearerToken or BearerTokenFile (read on every request, so rotated
	// tokens work) set an Authorization: Bearer header.
	BearerToken     string `yaml:"bearerToken,omitempty" json:"-"`
	BearerTokenFile string `yaml:"bearerTokenFile,omitempty" json:"bearerTokenFile,omitempty"`
	// TLS options for https URLs.
	CAFile             string `yaml:"caFile,omitempty" json:"caFile,omitempty"`
	CertFile           string `yaml:"certFile,omitempty" json:"certFile,omitempty"`
	KeyFile            string `yaml:"keyFile,omitempty" json:"keyFile,omitempty"`
	ServerName         string `yaml:"serverName,omitempty" json:"serverName,omitempty"`
	InsecureSkipVerify bool   `yaml:"insecureSkipVerify,omitempty" json:"insecureSkipVerify,omitempty"`
	// Timeout bounds one query (default 30s).
	Timeout duration.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Validate reports settings that cannot work; messages name the flag's key.
func (c Connection) Validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		errs = append(errs, errors.New("url: missing; give the Prometheus or Mimir query address, e.g. http://mimir-gateway/prometheus"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, fmt.Errorf("url: %q is not an http(s) address", c.URL))
	case u.User != nil:
		// Not echoed: the URL holds a secret.
		errs = append(errs, errors.New("url: carries credentials (user:password@host), which would be kept in the run state, "+
			"a ConfigMap anyone who reads the namespace sees; give the user with --prometheus-user and the password with --prometheus-password-file"))
	}
	if c.BasicAuthPassword != "" && c.BasicAuthPasswordFile != "" {
		errs = append(errs, errors.New("basicAuthPassword and basicAuthPasswordFile: give one"))
	}
	if (c.BasicAuthPassword != "" || c.BasicAuthPasswordFile != "") && c.BasicAuthUser == "" {
		errs = append(errs, errors.New("basicAuthUser: missing while a password is set"))
	}
	if c.BearerToken != "" && c.BearerTokenFile != "" {
		errs = append(errs, errors.New("bearerToken and bearerTokenFile: give one"))
	}
	if c.BasicAuthUser != "" && (c.BearerToken != "" || c.BearerTokenFile != "") {
		errs = append(errs, errors.New("basic auth and bearer token: give one"))
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("certFile and keyFile: give both for a client certificate"))
	}
	return errors.Join(errs...)
}

// QueryTimeout is the bound on one query.
func (c Connection) QueryTimeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout.D()
}

// NewAPI returns a query API client for the connection.
func NewAPI(c Connection) (v1.API, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = tc
	client, err := api.NewClient(api.Config{Address: strings.TrimSuffix(c.URL, "/"), RoundTripper: &authRoundTripper{c: c, next: tr}})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", c.URL, err)
	}
	return v1.NewAPI(client), nil
}

func (c Connection) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // an explicit operator choice
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("caFile: %s holds no PEM certificate", c.CAFile)
		}
		tc.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("certFile/keyFile: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// authRoundTripper adds the tenant and credentials to every request.
type authRoundTripper struct {
	c    Connection
	next http.RoundTripper
}

func (a *authRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if a.c.Tenant != "" {
		req.Header.Set(mimir.TenantHeader, a.c.Tenant)
	}
	switch {
	case a.c.BasicAuthUser != "":
		pw, err := secret(a.c.BasicAuthPassword, a.c.BasicAuthPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("read basicAuthPasswordFile: %w", err)
		}
		req.SetBasicAuth(a.c.BasicAuthUser, pw)
	case a.c.BearerToken != "" || a.c.BearerTokenFile != "":
		tok, err := secret(a.c.BearerToken, a.c.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("read bearerTokenFile: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return a.next.RoundTrip(req)
}

func secret(value, file string) (string, error) {
	if file == "" {
		return value, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
