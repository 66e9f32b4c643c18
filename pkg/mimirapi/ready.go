package mimirapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Readiness is a pod's answer on /ready.
type Readiness struct {
	Ready bool
	// Code and Reason are the status and first lines of the body, e.g. 503
	// "Ingester not ready: instance 10.0.0.1:9095 in state JOINING".
	Code   int
	Reason string
}

// CheckReady asks pod t whether it is ready. The error is about reaching the
// pod; a not-ready answer is a Readiness with Ready false.
func CheckReady(ctx context.Context, d podaccess.Doer, t podaccess.Target) (Readiness, error) {
	_, err := get(ctx, d, t, mimir.PathReady, "")
	var se *StatusError
	switch {
	case err == nil:
		return Readiness{Ready: true, Code: http.StatusOK, Reason: mimir.ReadyBody}, nil
	case errors.As(err, &se):
		return Readiness{Code: se.Code, Reason: se.Body}, nil
	case errors.Is(err, ErrNotServed):
		return Readiness{Code: http.StatusNotFound, Reason: "/ready not served (is this a Mimir pod?)"}, nil
	}
	return Readiness{}, err
}
