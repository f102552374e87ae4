package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// Offer ids.
//
// A computed Slot and a proposed Appointment of $find are not stored: their
// ids encode what they offer, so that a later request (Slot/{id},
// Slot/$hold, Appointment/{id}, $hold, $book) can act on them with no state
// kept in between. The id is "o." followed by the offer in the 64 letters
// FHIR ids allow (A-Z a-z 0-9 - .), used as a base64 alphabet:
//
//	kind ('s' slot, 'a' appointment), start (Unix seconds), duration
//	(seconds), the schedule ids, the patient ids, and the service as an
//	index into the service codes of one of the schedules
//
// (lower-case hexadecimal ids, such as the Scheduler's own, are packed to
// half their length). A FHIR id has at most 64 characters; an offer too
// long for that is recorded once in the store (an idempotency record keyed
// by its digest) and its id is "h." and 40 letters of that digest. Both
// kinds are deterministic: the same offer always has the same id.

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-."

var idEncoding = base64.NewEncoding(idAlphabet).WithPadding(base64.NoPadding)

// The kinds of offer.
const (
	offerSlot        = 's'
	offerAppointment = 'a'
)

// offerKeyPrefix prefixes the idempotency keys of recorded long offers.
const offerKeyPrefix = "fhir-offer:"

// offerLike reports whether id has the shape of an offer id ("o." or "h."
// and anything).
func offerLike(id string) bool {
	return strings.HasPrefix(id, "o.") || strings.HasPrefix(id, "h.")
}

// checkClientID refuses an id a client chose for a new resource when it
// has the shape of an offer id: a stored resource with such an id would
// stand in for the offer, letting one caller take the offer $find made for
// another. The error is an *OutcomeError naming <resourceType>.id.
func checkClientID(resourceType, id string) error {
	if !offerLike(id) {
		return nil
	}
	return newOutcomeError([]OperationOutcomeIssue{newIssue(IssueInvalid, resourceType+".id",
		"ids that start with \"o.\" or \"h.\" are reserved for the offers of this server; choose another id, or POST to have one assigned")})
}

// offer is free time on one or more schedules.
type offer struct {
	kind       byte
	start, end time.Time
	schedules  []string
	patients   []string
	// service is the index of the schedule (in schedules) whose service
	// codes hold the service, and the index of the code there; -1 when the
	// offer has no service.
	serviceSchedule, serviceIndex int
}

// encode returns the offer's bytes.
func (o offer) encode() []byte {
	b := []byte{o.kind}
	b = binary.AppendUvarint(b, uint64(o.start.Unix()))
	b = binary.AppendUvarint(b, uint64(o.end.Sub(o.start)/time.Second))
	b = appendIDList(b, o.schedules)
	b = appendIDList(b, o.patients)
	if o.serviceSchedule < 0 {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(o.serviceSchedule)+1)
		b = binary.AppendUvarint(b, uint64(o.serviceIndex))
	}
	return b
}

func appendIDList(b []byte, ids []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		if raw, err := hex.DecodeString(id); err == nil && len(id) > 0 && strings.ToLower(id) == id && len(raw) < 0x80 {
			b = append(b, 0x80|byte(len(raw)))
			b = append(b, raw...)
			continue
		}
		b = append(b, byte(len(id)))
		b = append(b, id...)
	}
	return b
}

var errBadOffer = errors.New("not an offer")

// decodeOfferBytes parses what encode wrote.
func decodeOfferBytes(b []byte) (offer, error) {
	o := offer{serviceSchedule: -1}
	if len(b) == 0 {
		return o, errBadOffer
	}
	o.kind, b = b[0], b[1:]
	if o.kind != offerSlot && o.kind != offerAppointment {
		return o, errBadOffer
	}
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	start, ok1 := next()
	dur, ok2 := next()
	if !ok1 || !ok2 || start > 1<<40 || dur == 0 || dur > 366*24*3600 {
		return o, errBadOffer
	}
	o.start = time.Unix(int64(start), 0).UTC()
	o.end = o.start.Add(time.Duration(dur) * time.Second)
	list := func() ([]string, bool) {
		n, ok := next()
		if !ok || n > 64 {
			return nil, false
		}
		var ids []string
		for range n {
			if len(b) == 0 {
				return nil, false
			}
			h := b[0]
			l := int(h &^ 0x80)
			if len(b) < 1+l || l == 0 {
				return nil, false
			}
			raw := b[1 : 1+l]
			b = b[1+l:]
			if h&0x80 != 0 {
				ids = append(ids, hex.EncodeToString(raw))
			} else {
				ids = append(ids, string(raw))
			}
		}
		return ids, true
	}
	var ok bool
	if o.schedules, ok = list(); !ok || len(o.schedules) == 0 {
		return o, errBadOffer
	}
	if o.patients, ok = list(); !ok {
		return o, errBadOffer
	}
	svc, ok := next()
	if !ok || svc > uint64(len(o.schedules)) {
		return o, errBadOffer
	}
	if svc > 0 {
		idx, ok := next()
		if !ok || idx > 1<<16 {
			return o, errBadOffer
		}
		o.serviceSchedule, o.serviceIndex = int(svc-1), int(idx)
	}
	if len(b) != 0 {
		return o, errBadOffer
	}
	return o, nil
}

// offerID returns the id of an offer, recording it in the store when it is
// too long to encode.
func (h *handler) offerID(ctx context.Context, o offer) (string, error) {
	for _, id := range append(slices.Clone(o.schedules), o.patients...) {
		if id == "" || len(id) > 64 {
			return "", fmt.Errorf("%w: id %q is not a FHIR id (1 to 64 characters)", scheduling.ErrInvalid, id)
		}
	}
	b := o.encode()
	if id := "o." + idEncoding.EncodeToString(b); len(id) <= 64 {
		return id, nil
	}
	sum := sha256.Sum256(b)
	id := "h." + idEncoding.EncodeToString(sum[:])[:40]
	key := offerKeyPrefix + id
	err := h.s.Store().Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Idempotent(ctx, key); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.SetIdempotent(ctx, key, base64.StdEncoding.EncodeToString(b))
	})
	if errors.Is(err, store.ErrConflict) {
		err = nil // recorded by a concurrent request for the same offer
	}
	return id, err
}

// decodeOffer returns the offer an id stands for, and false when id is not
// an offer id of the given kind.
func (h *handler) decodeOffer(ctx context.Context, id string, kind byte) (offer, bool, error) {
	var b []byte
	switch {
	case strings.HasPrefix(id, "o."):
		var err error
		if b, err = idEncoding.DecodeString(id[2:]); err != nil {
			return offer{}, false, nil
		}
	case strings.HasPrefix(id, "h.") && len(id) == 42:
		var rec string
		err := h.s.Store().View(ctx, func(tx store.ReadTx) error {
			var err error
			rec, err = tx.Idempotent(ctx, offerKeyPrefix+id)
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return offer{}, false, nil
		}
		if err != nil {
			return offer{}, false, err
		}
		if b, err = base64.StdEncoding.DecodeString(rec); err != nil {
			return offer{}, false, fmt.Errorf("offer %s: stored record is damaged: %w", id, err)
		}
	default:
		return offer{}, false, nil
	}
	o, err := decodeOfferBytes(b)
	if err != nil || o.kind != kind {
		return offer{}, false, nil
	}
	return o, true, nil
}

// serviceCodes are the service codes of a schedule an offer's service
// index points into: its service types, then the services of its service
// policies, rules and blocks.
func serviceCodes(sc *scheduling.Schedule) []scheduling.CodeableConcept {
	out := append([]scheduling.CodeableConcept(nil), sc.ServiceType...)
	for _, sp := range sc.ServicePolicies {
		out = append(out, sp.Service)
	}
	for _, r := range sc.Availability.Rules {
		out = append(out, r.Services...)
	}
	for _, b := range sc.Availability.Blocks {
		out = append(out, b.Services...)
	}
	return out
}

// sharesCoding reports whether two concepts share a code (same code, and
// the same system or either system empty), as package availability matches
// services.
func sharesCoding(a, b scheduling.CodeableConcept) bool {
	for _, x := range a.Coding {
		for _, y := range b.Coding {
			if x.Code != "" && x.Code == y.Code && (x.System == "" || y.System == "" || x.System == y.System) {
				return true
			}
		}
	}
	return false
}

// serviceRef finds the service among the schedules' service codes. When no
// schedule knows it, it cannot change what any of them offers, and the
// offer carries none.
func serviceRef(scheds []*scheduling.Schedule, service *scheduling.CodeableConcept) (int, int) {
	if service == nil {
		return -1, 0
	}
	for i, sc := range scheds {
		for j, c := range serviceCodes(sc) {
			if sharesCoding(c, *service) {
				return i, j
			}
		}
	}
	return -1, 0
}

// service returns the service concept of an offer, nil when it has none.
func (o offer) service(scheds []*scheduling.Schedule) *scheduling.CodeableConcept {
	if o.serviceSchedule < 0 || o.serviceSchedule >= len(scheds) {
		return nil
	}
	codes := serviceCodes(scheds[o.serviceSchedule])
	if o.serviceIndex >= len(codes) {
		return nil
	}
	c := codes[o.serviceIndex].Clone()
	return &c
}
