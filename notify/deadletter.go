package notify

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// DeadLetter records an event a subscriber gave up on: every attempt
// failed, the message could not be built, or the receiver refused it for
// good (a 4xx other than 408, 409, 425 and 429, or a redirect the message
// cannot follow; see Webhook). Delivery moves past the event once its dead
// letter is recorded, so one bad event never blocks the appointments behind
// it.
type DeadLetter struct {
	// Subscriber is the webhook's name (WebhookOptions.Name).
	Subscriber string
	// Cursor is the event's position in the store's event log.
	Cursor int64
	// EventType and AppointmentID identify the event.
	EventType     scheduling.EventType
	AppointmentID string
	// Attempts is how many HTTP requests were made (0 when the message
	// could not even be built).
	Attempts int
	// LastStatus is the HTTP status of the last attempt, 0 when it got none
	// (connection refused, timeout).
	LastStatus int
	// Reason says why the last attempt failed: the receiver's status, the
	// kind of a transport error (timeout, connection-refused, tls, ...) with
	// the URL stripped to scheme://host/path, or that the message could not
	// be built. It never holds the body, the receiver's answer, the URL's
	// user info or query, or an error's text (which can quote patient data),
	// so it is safe to log.
	Reason string
	// At is when the event was dead-lettered.
	At time.Time
	// Body is the signed payload (a FHIR message Bundle), kept so that an
	// operator can redeliver it with Webhook.Redeliver. It is patient data:
	// store it where you store appointments.
	Body []byte
}

// DeadLetters is where a Webhook records what it gave up on. Record must be
// durable when it returns nil: delivery then moves past the event. When it
// returns an error, the Webhook returns that error to the dispatcher, which
// keeps the event and offers it again later, so nothing is lost. Record
// may be called concurrently, by the webhooks of several subscribers that
// share one DeadLetters; it may keep d.Body, which the Webhook does not
// modify afterwards.
//
// The default, MemoryDeadLetters, keeps them in memory only. To persist them,
// implement Record with an INSERT into a table of your own (for example
// dead_letters(subscriber, cursor, event_type, appointment_id, attempts,
// last_status, reason, at, body), primary key (subscriber, cursor), with ON
// CONFLICT DO NOTHING, since an event can be dead-lettered again after a
// crash between Record and the dispatcher saving its cursor).
type DeadLetters interface {
	Record(ctx context.Context, d DeadLetter) error
}

// MemoryDeadLetters is the default DeadLetters: it keeps the most recent
// dead letters in memory and logs each one's ids (never its body). It is
// safe for concurrent use.
type MemoryDeadLetters struct {
	logger *slog.Logger
	max    int

	mu      sync.Mutex
	letters []DeadLetter
	dropped int
}

// DefaultMaxDeadLetters is how many dead letters NewMemoryDeadLetters keeps
// when given a max of zero or less.
const DefaultMaxDeadLetters = 1000

// NewMemoryDeadLetters returns an in-memory DeadLetters that keeps up to max
// records (DefaultMaxDeadLetters when max <= 0), dropping the oldest beyond
// that, and logs each record at warning level to logger (slog.Default when
// nil).
func NewMemoryDeadLetters(logger *slog.Logger, max int) *MemoryDeadLetters {
	if logger == nil {
		logger = slog.Default()
	}
	if max <= 0 {
		max = DefaultMaxDeadLetters
	}
	return &MemoryDeadLetters{logger: logger, max: max}
}

// Record keeps d and logs its subscriber, cursor, event type, appointment
// id, attempts and last status.
func (m *MemoryDeadLetters) Record(ctx context.Context, d DeadLetter) error {
	d.Body = slices.Clone(d.Body)
	m.mu.Lock()
	if len(m.letters) == m.max {
		m.letters = slices.Delete(m.letters, 0, 1)
		m.dropped++
	}
	m.letters = append(m.letters, d)
	m.mu.Unlock()
	m.logger.LogAttrs(ctx, slog.LevelWarn, "notify: event dead-lettered",
		slog.String("subscriber", d.Subscriber), slog.Int64("cursor", d.Cursor),
		slog.String("event", string(d.EventType)), slog.String("appointment", d.AppointmentID),
		slog.Int("attempts", d.Attempts), slog.Int("status", d.LastStatus))
	return nil
}

// List returns a copy of the dead letters kept, oldest first.
func (m *MemoryDeadLetters) List() []DeadLetter {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]DeadLetter, len(m.letters))
	for i, d := range m.letters {
		d.Body = slices.Clone(d.Body)
		out[i] = d
	}
	return out
}

// Dropped reports how many dead letters were discarded because more than
// max were kept.
func (m *MemoryDeadLetters) Dropped() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}
