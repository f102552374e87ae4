package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the HTTP header that carries a delivery's signature.
const SignatureHeader = "Openslot-Signature"

// DefaultTolerance is how far a signature's timestamp may lie from the
// receiver's clock when Verify is given a tolerance of zero or less.
const DefaultTolerance = 5 * time.Minute

// maxSignatureHeader bounds the header Verify parses; a real one is under
// 100 bytes per signature.
const maxSignatureHeader = 4096

// Sign returns the value of the Openslot-Signature header for body sent at
// t: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">".
// Binding the timestamp into the MAC is what makes the signature replay-safe:
// a receiver that checks it with Verify refuses an old delivery sent again.
// Verify refuses what Sign makes with an empty secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery as a receiver: header is the value of the
// Openslot-Signature header, body the raw request body exactly as received
// (before any JSON parsing), now the receiver's clock and tolerance how far
// the signed timestamp may be from now in either direction (DefaultTolerance
// when zero or less).
//
// The header is a comma-separated list of key=value parts: exactly one t
// (Unix seconds) and one or more v1 (hex HMAC-SHA256); unknown keys are
// ignored so that later schemes can be added beside v1. Verify succeeds
// when any v1 matches, which lets a sender sign with an old and a new secret
// while a receiver rotates. It returns an error wrapping ErrInvalidSignature
// for a malformed header or a mismatch, and ErrStaleSignature for a
// timestamp outside the tolerance. The comparison takes constant time.
//
// An empty secret verifies nothing (ErrInvalidSignature): anyone can sign
// with the empty key, so a receiver whose secret is missing from its
// configuration must refuse every delivery rather than accept forgeries.
// To accept deliveries signed with either of two secrets while the sender
// rotates, call Verify with each.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: the secret is empty", ErrInvalidSignature)
	}
	ts, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sec, _ := strconv.ParseInt(ts, 10, 64) // parseSignature checked the digits
	if age := now.Unix() - sec; age > int64(tolerance/time.Second) || -age > int64(tolerance/time.Second) {
		return fmt.Errorf("%w: t=%s is %ds from now, tolerance %s", ErrStaleSignature, ts, age, tolerance)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(want, s) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches the body", ErrInvalidSignature)
}

// parseSignature splits a signature header into its timestamp digits and
// decoded v1 signatures.
func parseSignature(header string) (ts string, sigs [][]byte, err error) {
	if len(header) > maxSignatureHeader {
		return "", nil, fmt.Errorf("%w: header longer than %d bytes", ErrInvalidSignature, maxSignatureHeader)
	}
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", nil, fmt.Errorf("%w: part %q is not key=value", ErrInvalidSignature, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return "", nil, fmt.Errorf("%w: more than one t", ErrInvalidSignature)
			}
			if v == "" || len(v) > 18 || strings.Trim(v, "0123456789") != "" {
				return "", nil, fmt.Errorf("%w: t=%q is not Unix seconds", ErrInvalidSignature, v)
			}
			ts = v
		case "v1":
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != sha256.Size {
				return "", nil, fmt.Errorf("%w: v1 is not a hex HMAC-SHA256", ErrInvalidSignature)
			}
			sigs = append(sigs, s)
		}
	}
	if ts == "" {
		return "", nil, fmt.Errorf("%w: no t part", ErrInvalidSignature)
	}
	if len(sigs) == 0 {
		return "", nil, fmt.Errorf("%w: no v1 part", ErrInvalidSignature)
	}
	return ts, sigs, nil
}
