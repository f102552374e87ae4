package notify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/openslot/openslot"
	"github.com/openslot/openslot/fhir"
)

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

// errorKind names an error's class for logs: never its text, which may
// quote stored patient data (a driver error quoting a row) or the
// receiver's URL with its credentials. It is openslot.ErrorKind with the
// HTTP client's failures (refused, closed, dns, tls, timeout) and an
// invalid message named too.
func errorKind(err error) string {
	var dns *net.DNSError
	var tlsRecord tls.RecordHeaderError
	var tlsCert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var badCert x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, fhir.ErrInvalid):
		return "invalid-message"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection-refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection-closed"
	case errors.As(err, &dns):
		return "dns"
	case errors.As(err, &tlsRecord), errors.As(err, &tlsCert), errors.As(err, &unknownCA),
		errors.As(err, &badHost), errors.As(err, &badCert):
		return "tls"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	return openslot.ErrorKind(err)
}

// redactURL returns raw as scheme://host/path: without user info (a
// password), query (a token) or fragment, and "" when it does not parse.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}
