package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Idempotency keys.
//
// The Scheduler records a hold's or booking's Idempotency-Key for every
// caller alike: a retry with the key gets the appointment the first request
// made. A key is only a string a client picks, so the handler scopes it to
// the caller before it reaches the Scheduler: two callers that send the
// same key never share a result. As a second line, a result that lies
// outside the caller's patient compartment is never returned.
//
// A key names one request. The Scheduler can only tell that a key made
// another appointment when the request names a stored one; a key sent again
// with a request for a new appointment would get what the first request
// made, whatever it asked for. So the handler binds each key to the first
// request that carries it (requestKey): another request with the key gets
// keyUsed and changes nothing.

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

// requestKeyPrefix prefixes the idempotency records that bind a caller's
// key to the digest of its first request.
const requestKeyPrefix = "fhir-request:"

// requestKey returns the caller's idempotency key of r (callerKey) bound
// to the request: its method, path and input in (the Parameters of an
// operation, the resource of a create). The first request with a key
// records their digest; a later request with the same key and another
// digest fails with keyUsed. It returns "" when r has no key.
func (h *handler) requestKey(r *http.Request, g Grant, in Resource) (string, error) {
	key := callerKey(r, g)
	if key == "" {
		return "", nil
	}
	data, err := Marshal(in)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), data...))
	digest := hex.EncodeToString(sum[:])
	ctx, rec := r.Context(), requestKeyPrefix+key
	bind := func() error {
		return h.s.Store().Update(ctx, func(tx store.Tx) error {
			got, err := tx.Idempotent(ctx, rec)
			switch {
			case err == nil && got == digest:
				return nil
			case err == nil:
				return keyUsed()
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
			return tx.SetIdempotent(ctx, rec, digest)
		})
	}
	err = bind()
	if errors.Is(err, store.ErrConflict) {
		err = bind() // a concurrent request recorded the key first
	}
	if err != nil {
		return "", err
	}
	return key, nil
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

// reusedKey turns the Scheduler's refusal of a hold or booking of a stored
// appointment whose key made another appointment into keyUsed: the
// Scheduler's error names that appointment, which may be another
// patient's. Every other err is returned as it is.
func (h *handler) reusedKey(ctx context.Context, action scheduling.Action, req openslot.BookRequest, err error) error {
	if err == nil || req.IdempotencyKey == "" || req.AppointmentID == "" || !errors.Is(err, openslot.ErrConflict) {
		return err
	}
	if prev, rerr := h.s.Replay(ctx, action, req.IdempotencyKey); rerr == nil && prev != nil && prev.ID != req.AppointmentID {
		return keyUsed()
	}
	return err
}

// hold places a hold for a caller confined to patient ("" when not
// confined); see replayed and reusedKey.
func (h *handler) hold(ctx context.Context, req openslot.BookRequest, patient string) (*scheduling.Appointment, error) {
	a, err := h.s.Hold(ctx, req)
	return replayed(a, h.reusedKey(ctx, scheduling.ActionHold, req, err), req.IdempotencyKey, patient)
}

// bookFor books for a caller confined to patient ("" when not confined);
// see replayed and reusedKey.
func (h *handler) bookFor(ctx context.Context, req openslot.BookRequest, patient string) (*scheduling.Appointment, error) {
	a, err := h.s.Book(ctx, req)
	return replayed(a, h.reusedKey(ctx, scheduling.ActionBook, req, err), req.IdempotencyKey, patient)
}
