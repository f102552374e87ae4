package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
)

// Idempotency keys.
//
// The Scheduler records a hold's or booking's Idempotency-Key for every
// caller alike: a retry with the key gets the appointment the first request
// made. A key is only a string a client picks, so the handler scopes it to
// the caller before it reaches the Scheduler: two callers that send the
// same key never share a result. As a second line, a result that lies
// outside the caller's patient compartment is never returned.

// callerKey returns the request's Idempotency-Key scoped to the caller of
// g: the hexadecimal first 16 bytes of SHA-256 of the grant's subject and
// patient, a colon, and the header's value. It returns "" when the request
// has no key. Without an Authorizer every caller has the same scope.
func callerKey(r *http.Request, g Grant) string {
	k := r.Header.Get("Idempotency-Key")
	if k == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(g.Subject + "\x00" + g.Patient))
	return hex.EncodeToString(sum[:16]) + ":" + k
}

// keyUsed is the answer when an idempotency key names an appointment the
// caller may not see. It says nothing about that appointment.
func keyUsed() error {
	return &httpError{status: http.StatusConflict, code: IssueConflict,
		msg: "Idempotency-Key already used: send a new key with a new request"}
}

// replayed checks the result of a hold or booking made with an idempotency
// key against the compartment of the caller (patient, "" when not
// confined): a key the Scheduler answered with an appointment outside it
// is refused with keyUsed.
func replayed(a *scheduling.Appointment, err error, key, patient string) (*scheduling.Appointment, error) {
	if err != nil || key == "" || inCompartment(patient, a) {
		return a, err
	}
	return nil, keyUsed()
}

// hold places a hold for a caller confined to patient ("" when not
// confined); see replayed.
func (h *handler) hold(ctx context.Context, req openslot.BookRequest, patient string) (*scheduling.Appointment, error) {
	a, err := h.s.Hold(ctx, req)
	return replayed(a, err, req.IdempotencyKey, patient)
}

// bookFor books for a caller confined to patient ("" when not confined);
// see replayed.
func (h *handler) bookFor(ctx context.Context, req openslot.BookRequest, patient string) (*scheduling.Appointment, error) {
	a, err := h.s.Book(ctx, req)
	return replayed(a, err, req.IdempotencyKey, patient)
}
