package notify

import "errors"

// Sentinel errors of the package. Check them with errors.Is; the wrapped
// message says which option, header part or event failed.
var (
	// ErrInvalidSignature: a signature header that is malformed, or whose
	// signatures do not match the body under the secret.
	ErrInvalidSignature = errors.New("notify: invalid signature")
	// ErrStaleSignature: a well-formed signature whose timestamp lies outside
	// the tolerance around now (a replayed or badly delayed delivery).
	ErrStaleSignature = errors.New("notify: signature timestamp outside tolerance")
	// ErrInvalidOptions: options that cannot work, such as a webhook without
	// a URL or secret, or a negative reminder offset.
	ErrInvalidOptions = errors.New("notify: invalid options")
)
