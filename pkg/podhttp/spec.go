package podhttp

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Probe is a request whose answer tells whether something holds on a pod.
type Probe struct {
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	Path   string `yaml:"path" json:"path"`
	// Header is sent with the request (e.g. X-Scope-OrgID for a query).
	Header map[string]string `yaml:"header,omitempty" json:"header,omitempty"`
	// Status lists the accepted status codes (default: 200).
	Status []int `yaml:"status,omitempty" json:"status,omitempty"`
	// BodyMatches is a regular expression the body must match.
	BodyMatches string `yaml:"bodyMatches,omitempty" json:"bodyMatches,omitempty"`
}

func (p *Probe) validate(field string) error {
	if !strings.HasPrefix(p.Path, "/") {
		return fmt.Errorf("%s.path %q must start with /", field, p.Path)
	}
	if p.BodyMatches != "" {
		if _, err := regexp.Compile(p.BodyMatches); err != nil {
			return fmt.Errorf("%s.bodyMatches: %w", field, err)
		}
	}
	return nil
}

func (p *Probe) header() http.Header {
	if len(p.Header) == 0 {
		return nil
	}
	h := http.Header{}
	for k, v := range p.Header {
		h.Set(k, v)
	}
	return h
}

func (p *Probe) method() string {
	if p.Method == "" {
		return http.MethodGet
	}
	return strings.ToUpper(p.Method)
}

// accepts reports whether a response satisfies the probe.
func (p *Probe) accepts(status int, body []byte) bool {
	want := p.Status
	if len(want) == 0 {
		want = []int{http.StatusOK}
	}
	ok := false
	for _, s := range want {
		ok = ok || s == status
	}
	if !ok {
		return false
	}
	if p.BodyMatches == "" {
		return true
	}
	return regexp.MustCompile(p.BodyMatches).Match(body)
}

// CallSpec is the `http` action: one request to each selected pod, e.g.
// POST /ingester/prepare-shutdown. Each pod's successful call is recorded,
// so a resumed run does not call it again; `done` tells whether the call's
// effect is already in place (without it, the endpoint must be idempotent).
type CallSpec struct {
	Pods   podaccess.Selector `yaml:"pods" json:"pods"`
	Method string             `yaml:"method,omitempty" json:"method,omitempty"`
	Path   string             `yaml:"path" json:"path"`
	Body   string             `yaml:"body,omitempty" json:"body,omitempty"`
	// ExpectStatus lists accepted codes (default: any 2xx).
	ExpectStatus []int `yaml:"expectStatus,omitempty" json:"expectStatus,omitempty"`
	// Done is a probe that passes on a pod where the call took effect.
	Done *Probe `yaml:"done,omitempty" json:"done,omitempty"`
	// MinPods is the least number of pods the selector must find (default 1).
	MinPods int `yaml:"minPods,omitempty" json:"minPods,omitempty"`
	// IsDestructive marks calls that take capacity away (e.g. /ingester/shutdown).
	IsDestructive bool `yaml:"destructive,omitempty" json:"destructive,omitempty"`
}

// Validate checks the spec.
func (s *CallSpec) Validate() error {
	var errs []error
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pods: %w", err))
	}
	if !strings.HasPrefix(s.Path, "/") {
		errs = append(errs, fmt.Errorf("path %q must start with / (e.g. /ingester/prepare-shutdown)", s.Path))
	}
	switch s.method() {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		errs = append(errs, fmt.Errorf("method %q: want GET, POST, PUT, PATCH or DELETE", s.Method))
	}
	if s.Done != nil {
		if err := s.Done.validate("done"); err != nil {
			errs = append(errs, err)
		}
	}
	if s.MinPods < 0 {
		errs = append(errs, errors.New("minPods must not be negative"))
	}
	return errors.Join(errs...)
}

func (s *CallSpec) method() string {
	if s.Method == "" {
		return http.MethodPost
	}
	return strings.ToUpper(s.Method)
}

// Describe says what the action calls.
func (s *CallSpec) Describe() string {
	return fmt.Sprintf("%s %s on %s", s.method(), s.Path, s.Pods)
}

// Destructive reports whether the call was marked destructive.
func (s *CallSpec) Destructive() bool { return s.IsDestructive }

func (s *CallSpec) minPods() int { return max(1, s.MinPods) }

func (s *CallSpec) statusOK(code int) bool {
	if len(s.ExpectStatus) == 0 {
		return code >= 200 && code < 300
	}
	for _, c := range s.ExpectStatus {
		if c == code {
			return true
		}
	}
	return false
}

// GateSpec is the `http` gate: every selected pod answers a probe.
type GateSpec struct {
	Pods  podaccess.Selector `yaml:"pods" json:"pods"`
	Probe `yaml:",inline" json:",inline"`
	// MinPods is the least number of pods that must answer (default 1):
	// fewer is inconclusive, never a pass.
	MinPods int `yaml:"minPods,omitempty" json:"minPods,omitempty"`
}

// Validate checks the spec.
func (s *GateSpec) Validate() error {
	var errs []error
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pods: %w", err))
	}
	if err := s.validate("http"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Describe says what the gate checks.
func (s *GateSpec) Describe() string {
	d := fmt.Sprintf("%s %s answers %v on every one of %s", s.method(), s.Path, statusList(s.Status), s.Pods)
	if s.BodyMatches != "" {
		d += fmt.Sprintf(" with a body matching /%s/", s.BodyMatches)
	}
	return d
}

func statusList(s []int) []int {
	if len(s) == 0 {
		return []int{http.StatusOK}
	}
	return s
}
