package kube

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/invocation"
)

// FieldConflict is a field another field manager owns.
type FieldConflict struct {
	Field   string `json:"field"`
	Manager string `json:"manager"`
}

// ConflictError is a server-side apply refused because other field managers
// own fields mimirctl sets. Applying with ForceConflicts takes them over.
type ConflictError struct {
	Object    diff.Ref
	Conflicts []FieldConflict
	Err       error
}

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = fmt.Sprintf("%s is owned by %q", c.Field, c.Manager)
	}
	return fmt.Sprintf("apply %s: %s; another tool manages these fields: stop it from doing so, "+
		"or take them over with --force-conflicts", e.Object, strings.Join(parts, ", "))
}

func (e *ConflictError) Unwrap() error { return e.Err }

var managerRE = regexp.MustCompile(`conflict with "([^"]*)"`)

// asConflict extracts the field conflicts of a server-side apply error.
func asConflict(ref diff.Ref, err error) (*ConflictError, bool) {
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return nil, false
	}
	ce := &ConflictError{Object: ref, Err: err}
	for _, c := range status.Status().Details.Causes {
		if c.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		manager := c.Message
		if m := managerRE.FindStringSubmatch(c.Message); m != nil {
			manager = m[1]
		}
		ce.Conflicts = append(ce.Conflicts, FieldConflict{Field: c.Field, Manager: manager})
	}
	return ce, len(ce.Conflicts) > 0
}

// AdmissionDeniedError is a change an admission webhook refused.
type AdmissionDeniedError struct {
	// Operation says what was refused, e.g. "scale StatefulSet
	// mimir/ingester-zone-b to 2".
	Operation string
	Webhook   string
	Message   string
	Err       error
}

func (e *AdmissionDeniedError) Error() string {
	msg := fmt.Sprintf("%s: the admission webhook %q refused it: %s", e.Operation, e.Webhook, e.Message)
	if strings.Contains(e.Webhook, "downscale") || strings.Contains(e.Message, "downscale") {
		msg += " (this is Grafana rollout-operator guarding zone-by-zone downscales; `" + invocation.Command("plan") + "` explains its webhooks)"
	}
	return msg
}

func (e *AdmissionDeniedError) Unwrap() error { return e.Err }

var deniedRE = regexp.MustCompile(`admission webhook "([^"]+)" denied the request:?\s*(.*)`)

// asAdmissionDenied recognises a webhook refusal in an API error.
func asAdmissionDenied(operation string, err error) (*AdmissionDeniedError, bool) {
	if err == nil {
		return nil, false
	}
	m := deniedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return nil, false
	}
	return &AdmissionDeniedError{Operation: operation, Webhook: m[1], Message: strings.TrimSpace(m[2]), Err: err}, true
}

// explainAPIError wraps err from operation with the typed error a caller
// can branch on when there is one.
func explainAPIError(operation string, ref diff.Ref, err error) error {
	if ce, ok := asConflict(ref, err); ok {
		return ce
	}
	if ad, ok := asAdmissionDenied(operation, err); ok {
		return ad
	}
	return fmt.Errorf("%s: %w", operation, err)
}
