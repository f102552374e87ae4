package notify

import (
	"math"
	"time"
)

// Backoff is an exponential backoff with jitter: retry n (counted from 1)
// waits about Initial × Multiplier^(n-1), capped at Max, of which the
// fraction Jitter is random. The zero value means the defaults: 1s initial,
// 5m cap, multiplier 2, jitter 0.5 (each wait is uniformly random between
// half and all of the exponential value, so instances that failed together
// do not retry together). A receiver's Retry-After header can lengthen a
// wait, never beyond Max (see Webhook).
type Backoff struct {
	// Initial is the wait before the first retry.
	Initial time.Duration
	// Max caps every wait, including one asked for by a Retry-After header.
	Max time.Duration
	// Multiplier is the growth factor per retry; values below 1 mean 2.
	Multiplier float64
	// Jitter is the random fraction of each wait, up to 1 (the wait is
	// anywhere between 0 and the exponential value). Zero means the default
	// 0.5; a negative value means no jitter; values above 1 mean 1.
	Jitter float64
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = time.Second
	}
	if b.Max <= 0 {
		b.Max = 5 * time.Minute
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = 2
	}
	switch {
	case b.Jitter == 0:
		b.Jitter = 0.5
	case b.Jitter < 0:
		b.Jitter = 0
	case b.Jitter > 1:
		b.Jitter = 1
	}
	return b
}

// Delay returns the wait before retry n (1 for the first retry; values
// below 1 count as 1), given u, a uniformly random number in [0, 1) (for
// example rand.Float64()). The result lies in [(1-Jitter)·d, d] where d is
// the capped exponential value, so it never exceeds Max.
func (b Backoff) Delay(n int, u float64) time.Duration {
	b = b.withDefaults()
	if n < 1 {
		n = 1
	}
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(n-1))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	u = min(max(u, 0), 1)
	return time.Duration(d * (1 - b.Jitter*u))
}

// retryDelay returns the wait before retry n, given u as for Delay and
// asked, the delay the failed attempt's answer asked for in a Retry-After
// header (0 for none): the larger of Delay(n, u) and asked, capped at Max.
func (b Backoff) retryDelay(n int, u float64, asked time.Duration) time.Duration {
	return min(max(b.Delay(n, u), asked), b.withDefaults().Max)
}
