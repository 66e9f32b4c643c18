// Package podaccess reaches the HTTP endpoints of Mimir pods: ring pages,
// /metrics, /config, ingester endpoints.
//
// Two modes exist. Proxy mode (the default) goes through the Kubernetes API
// server's pod proxy, so it works from a laptop with nothing but a kubeconfig.
// Direct mode dials the pod IP, for mimirctl running inside the cluster.
//
// Client is a distinct type on purpose: it cannot be confused with the
// Kubernetes API client even though proxy mode uses the API server's transport.
package podaccess

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"
)

// Mode selects how pods are reached.
type Mode string

const (
	// ModeProxy reaches pods through the API server's pod proxy.
	ModeProxy Mode = "proxy"
	// ModeDirect dials pod IPs.
	ModeDirect Mode = "direct"
)

// ParseMode validates a --pod-access flag value.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case ModeProxy, ModeDirect:
		return Mode(s), nil
	}
	return "", fmt.Errorf("unknown pod access mode %q (want %q or %q)", s, ModeProxy, ModeDirect)
}

// Target is one pod's HTTP endpoint.
type Target struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	IP        string `json:"ip,omitempty"`
	Port      int    `json:"port"`
}

// String names the target as namespace/name:port.
func (t Target) String() string { return fmt.Sprintf("%s/%s:%d", t.Namespace, t.Name, t.Port) }

// Doer sends one HTTP request to a pod. Consumers depend on this interface;
// *Client implements it.
type Doer interface {
	Do(ctx context.Context, t Target, method, path string, header http.Header, body io.Reader) (*http.Response, error)
}

// Client sends HTTP requests to pods.
type Client struct {
	mode Mode
	http *http.Client
	// long is http without the client-wide timeout (Timeout 0): requests
	// that are bounded by their context alone, see LongCalls.
	long    *http.Client
	apiBase *url.URL // proxy mode only
}

var _ Doer = (*Client)(nil)

// NewProxy returns a client that reaches pods through the API server described
// by cfg. cfg.Timeout (kubectl's --request-timeout) bounds each request, except
// for the client LongCalls returns.
func NewProxy(cfg *rest.Config) (*Client, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("build HTTP client for the API server %s: %w", cfg.Host, err)
	}
	unbounded := rest.CopyConfig(cfg)
	unbounded.Timeout = 0
	long, err := rest.HTTPClientFor(unbounded)
	if err != nil {
		return nil, fmt.Errorf("build HTTP client for the API server %s: %w", cfg.Host, err)
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.Host, "/") + cfg.APIPath)
	if err != nil {
		return nil, fmt.Errorf("parse API server address %q: %w", cfg.Host, err)
	}
	if base.Scheme == "" {
		base.Scheme = "https"
	}
	return &Client{mode: ModeProxy, http: hc, long: long, apiBase: base}, nil
}

// NewDirect returns a client that dials pod IPs with hc (http.DefaultClient
// when nil).
func NewDirect(hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	long := *hc
	long.Timeout = 0
	return &Client{mode: ModeDirect, http: hc, long: &long}
}

// LongCalls returns a client for calls that may legitimately take minutes,
// such as an ingester's /ingester/flush?wait=true or /ingester/shutdown with
// millions of in-memory series (grafana/mimir#11166): the same transport
// without the client-wide timeout, so that only the caller's context bounds
// a request. The API server does not cut them either: kube-apiserver treats
// the pods/proxy subresource as a long-running request.
func (c *Client) LongCalls() Doer {
	return &Client{mode: c.mode, http: c.long, long: c.long, apiBase: c.apiBase}
}

// LongCalls returns d's variant without a client-wide timeout when d has one
// (a *Client or anything with a LongCalls method), else d itself.
func LongCalls(d Doer) Doer {
	if l, ok := d.(interface{ LongCalls() Doer }); ok {
		return l.LongCalls()
	}
	return d
}

// Mode reports how this client reaches pods.
func (c *Client) Mode() Mode { return c.mode }

// URL returns the address a request for path on t goes to. path may carry a
// query string.
func (c *Client) URL(t Target, path string) (string, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	switch c.mode {
	case ModeDirect:
		if t.IP == "" {
			return "", fmt.Errorf("pod %s has no IP yet (is it running?)", t)
		}
		return "http://" + net.JoinHostPort(t.IP, strconv.Itoa(t.Port)) + path, nil
	default:
		u := *c.apiBase
		return strings.TrimSuffix(u.String(), "/") + fmt.Sprintf("/api/v1/namespaces/%s/pods/%s:%d/proxy%s",
			url.PathEscape(t.Namespace), url.PathEscape(t.Name), t.Port, path), nil
	}
}

// Do sends one request to the pod and returns the response; the caller closes
// its body. A response is returned for every HTTP status: callers decide what a
// status means.
func (c *Client) Do(ctx context.Context, t Target, method, path string, header http.Header, body io.Reader) (*http.Response, error) {
	u, err := c.URL(t, path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s for pod %s: %w", method, path, t, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s on pod %s (%s access): %w", method, path, t, c.mode, err)
	}
	return resp, nil
}

// MaxBody bounds the bytes Get reads from one response.
const MaxBody = 64 << 20

// Get sends a GET and returns the status code and body (at most MaxBody bytes).
func Get(ctx context.Context, d Doer, t Target, path string, header http.Header) (int, []byte, error) {
	resp, err := d.Do(ctx, t, http.MethodGet, path, header, nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read %s from pod %s: %w", path, t, err)
	}
	return resp.StatusCode, b, nil
}
