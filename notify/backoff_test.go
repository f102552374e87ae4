package notify

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.5}
	tests := []struct {
		n        int
		u        float64
		want     time.Duration
		describe string
	}{
		{1, 0, 100 * time.Millisecond, "first retry, no randomness"},
		{1, 0.999999, 50*time.Millisecond + 50, "first retry, most jitter: half the wait"},
		{2, 0, 200 * time.Millisecond, "doubles"},
		{4, 0, 800 * time.Millisecond, "doubles again"},
		{5, 0, time.Second, "capped at Max"},
		{1000, 0, time.Second, "no overflow"},
		{0, 0, 100 * time.Millisecond, "n below 1 counts as 1"},
		{3, 2, 200 * time.Millisecond, "u above 1 is clamped"},
	}
	for _, tc := range tests {
		got := b.Delay(tc.n, tc.u)
		if d := got - tc.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("%s: Delay(%d, %v) = %v, want %v", tc.describe, tc.n, tc.u, got, tc.want)
		}
	}

	var zero Backoff // defaults: 1s, x2, cap 5m, jitter 0.5
	if got := zero.Delay(1, 0); got != time.Second {
		t.Errorf("zero Backoff first delay = %v, want 1s", got)
	}
	if got := zero.Delay(30, 0); got != 5*time.Minute {
		t.Errorf("zero Backoff late delay = %v, want 5m", got)
	}
	if got := zero.Delay(1, 0.5); got != 750*time.Millisecond {
		t.Errorf("zero Backoff jittered delay = %v, want 750ms", got)
	}
	if got := (Backoff{Initial: time.Second, Jitter: -1}).Delay(1, 0.9); got != time.Second {
		t.Errorf("negative Jitter means none: got %v", got)
	}
	if got := (Backoff{Initial: time.Second, Jitter: 7}).Delay(1, 0.5); got != 500*time.Millisecond {
		t.Errorf("Jitter above 1 means 1: got %v", got)
	}
	// Every delay lies within [(1-J)d, d] whatever u is.
	for n := 1; n < 12; n++ {
		for _, u := range []float64{0, 0.25, 0.5, 0.75, 0.9999} {
			d := b.Delay(n, u)
			hi := b.Delay(n, 0)
			if d > hi || d < hi/2 {
				t.Fatalf("Delay(%d, %v) = %v outside [%v, %v]", n, u, d, hi/2, hi)
			}
		}
	}
}

func TestBackoffRetryDelay(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Jitter: -1}
	tests := []struct {
		n     int
		asked time.Duration
		want  time.Duration
	}{
		{1, 0, 100 * time.Millisecond},                      // no Retry-After: backoff only
		{1, 50 * time.Millisecond, 100 * time.Millisecond},  // asked for less than the backoff
		{1, 300 * time.Millisecond, 300 * time.Millisecond}, // asked for more
		{1, time.Hour, time.Second},                         // capped at Max
		{20, 0, time.Second},                                // backoff alone is capped too
	}
	for _, tc := range tests {
		if got := b.retryDelay(tc.n, 0, tc.asked); got != tc.want {
			t.Errorf("retryDelay(%d, 0, %v) = %v, want %v", tc.n, tc.asked, got, tc.want)
		}
	}
	var zero Backoff // Max defaults to 5m
	if got := zero.retryDelay(1, 0, time.Hour); got != 5*time.Minute {
		t.Errorf("zero Backoff caps Retry-After at %v, want 5m", got)
	}
}
