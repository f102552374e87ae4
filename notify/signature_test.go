package notify

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

var sigNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestSignVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"resourceType":"Bundle","type":"message"}`)
	h := Sign(secret, sigNow, body)
	if want := "t=" + strconv.FormatInt(sigNow.Unix(), 10) + ",v1="; !strings.HasPrefix(h, want) || len(h) != len(want)+64 {
		t.Fatalf("Sign = %q, want %s<64 hex digits>", h, want)
	}
	if err := Verify(secret, h, body, sigNow.Add(time.Minute), time.Minute); err != nil {
		t.Fatalf("Verify of a fresh signature: %v", err)
	}
	// Rotation: an old and a new signature, either secret verifies.
	other := Sign([]byte("old"), sigNow, body)
	both := h + "," + other[strings.Index(other, "v1="):] + ",v2=ignored"
	for _, s := range []string{"s3cret", "old"} {
		if err := Verify([]byte(s), both, body, sigNow, 0); err != nil {
			t.Errorf("Verify with secret %q of %q: %v", s, both, err)
		}
	}

	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		tol    time.Duration
		want   error
	}{
		{"tampered body", "s3cret", h, string(body) + " ", sigNow, 0, ErrInvalidSignature},
		{"wrong secret", "other", h, string(body), sigNow, 0, ErrInvalidSignature},
		{"replayed late", "s3cret", h, string(body), sigNow.Add(6 * time.Minute), 0, ErrStaleSignature},
		{"from the future", "s3cret", h, string(body), sigNow.Add(-2 * time.Minute), time.Minute, ErrStaleSignature},
		{"empty", "s3cret", "", string(body), sigNow, 0, ErrInvalidSignature},
		{"no v1", "s3cret", "t=1", string(body), sigNow, 0, ErrInvalidSignature},
		{"no t", "s3cret", h[strings.Index(h, "v1="):], string(body), sigNow, 0, ErrInvalidSignature},
		{"two t", "s3cret", "t=1," + h, string(body), sigNow, 0, ErrInvalidSignature},
		{"negative t", "s3cret", "t=-5,v1=" + strings.Repeat("ab", 32), string(body), sigNow, 0, ErrInvalidSignature},
		{"short v1", "s3cret", "t=1,v1=abcd", string(body), sigNow, 0, ErrInvalidSignature},
		{"bare word", "s3cret", "t=1,v1", string(body), sigNow, 0, ErrInvalidSignature},
		{"huge", "s3cret", strings.Repeat("x", 5000), string(body), sigNow, 0, ErrInvalidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify([]byte(tc.secret), tc.header, []byte(tc.body), tc.now, tc.tol)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// A stale timestamp is reported before the MAC is checked, and a receiver
// cannot be tricked into accepting an old body by swapping in a new
// timestamp: the timestamp is part of what is signed.
func TestVerifyTimestampIsSigned(t *testing.T) {
	secret := []byte("k")
	body := []byte("{}")
	old := Sign(secret, sigNow.Add(-time.Hour), body)
	forged := "t=" + strconv.FormatInt(sigNow.Unix(), 10) + old[strings.Index(old, ","):]
	if err := Verify(secret, forged, body, sigNow, 0); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("Verify of a re-stamped signature = %v, want ErrInvalidSignature", err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte("secret"), "t=1772442000,v1=00", []byte(`{"a":1}`))
	f.Add([]byte("k"), "t=1, v1="+strings.Repeat("0", 64), []byte(""))
	f.Add([]byte(""), ",,,=,t=", []byte("x"))
	f.Fuzz(func(t *testing.T, secret []byte, header string, body []byte) {
		// Whatever the header, Verify answers with one of its sentinels or
		// nil, and never panics.
		err := Verify(secret, header, body, sigNow, time.Hour)
		if err != nil && !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrStaleSignature) {
			t.Fatalf("Verify(%q) = %v, not a sentinel", header, err)
		}
		// What Sign produces verifies, and only for its body; with an empty
		// secret nothing verifies.
		h := Sign(secret, sigNow, body)
		if len(secret) == 0 {
			if err := Verify(secret, h, body, sigNow, time.Hour); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("Verify with an empty secret = %v, want ErrInvalidSignature", err)
			}
			return
		}
		if err := Verify(secret, h, body, sigNow, time.Hour); err != nil {
			t.Fatalf("Verify(Sign) = %v", err)
		}
		if err := Verify(secret, h, append(body, 'x'), sigNow, time.Hour); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("Verify of another body = %v, want ErrInvalidSignature", err)
		}
	})
}
