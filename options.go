package openslot

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"
)

// Default values of Options.
const (
	// DefaultHoldTTL is how long a hold lasts when Options.HoldTTL is zero.
	DefaultHoldTTL = 10 * time.Minute
	// DefaultMaxRetries bounds how often a transaction that lost a race is
	// run again when Options.MaxRetries is zero.
	DefaultMaxRetries = 10
)

// Options is what an embedding application controls. The zero value (and a
// nil *Options) gives the defaults.
type Options struct {
	// Now is the clock; nil means time.Now. Tests and simulations set a fixed
	// or stepping clock. Every decision about time (minimum notice, horizon,
	// hold expiry, event stamps) reads it.
	Now func() time.Time
	// HoldTTL is how long a hold lasts; zero means DefaultHoldTTL.
	HoldTTL time.Duration
	// MaxRetries bounds how often a transaction that failed with
	// store.ErrConflict (a race another transaction won) is run again; zero
	// means DefaultMaxRetries, a negative value means never retry.
	MaxRetries int
	// Logger receives one record per change and per retry, at Debug level,
	// with ids, statuses, times and error kinds (ErrorKind) only: never
	// patient names, identifiers or free text. Nil discards.
	Logger *slog.Logger
	// NewID returns a new logical id for the resources the Scheduler creates
	// (appointments, slots, and resources created without an id). Nil means
	// 32 random hexadecimal digits (128 bits from crypto/rand).
	NewID func() string
}

// RandomID returns 32 random hexadecimal digits (128 bits from
// crypto/rand): the default Options.NewID. It is a valid FHIR id.
func RandomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	var h [32]byte
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// withDefaults returns a copy of o with every zero field filled.
func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	if out.HoldTTL <= 0 {
		out.HoldTTL = DefaultHoldTTL
	}
	switch {
	case out.MaxRetries == 0:
		out.MaxRetries = DefaultMaxRetries
	case out.MaxRetries < 0:
		out.MaxRetries = 0
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.NewID == nil {
		out.NewID = RandomID
	}
	return out
}
