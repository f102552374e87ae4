package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// EventReminder is the event type of a reminder. Package scheduling has no
// such type because a reminder changes nothing; Reminders records it in the
// store's event log so that it travels through the same dispatcher and
// webhooks as every other event. Its Event.At is the instant the reminder
// was due, From and To are the appointment's status, and Appointment is the
// appointment as it was when the reminder was recorded.
const EventReminder scheduling.EventType = "reminder"

// Offset is how long before an appointment's start a reminder is due: Days
// calendar days, then Duration of elapsed time, earlier.
//
// The two parts differ across a daylight-saving change. Days keeps the wall
// clock: "1 day before" an appointment at 09:00 is 09:00 the previous day
// in the appointment's zone, even when that day is 23 or 25 hours long.
// Duration is elapsed time: "2 hours before" an appointment at 03:30, just
// after clocks went forward at 02:00, is 00:30, three wall-clock hours
// earlier. A wall time that happens twice means its first occurrence; one
// that never happens (it falls in the spring-forward gap) means the instant
// the clocks jump.
type Offset struct {
	// Days is the number of calendar days before, at the same wall time.
	Days int
	// Duration is elapsed time before (after Days are taken off).
	Duration time.Duration
}

// DaysBefore returns the offset of n calendar days at the same wall time.
func DaysBefore(n int) Offset { return Offset{Days: n} }

// Before returns the offset of d elapsed time.
func Before(d time.Duration) Offset { return Offset{Duration: d} }

// Due returns when the reminder for an appointment starting at start is
// due, reading wall times in loc.
func (o Offset) Due(start time.Time, loc *time.Location) time.Time {
	t := start
	if o.Days != 0 {
		l := start.In(loc)
		y, mo, d := l.Date()
		h, mi, s := l.Clock()
		t = wallTime(y, mo, d-o.Days, h, mi, s, l.Nanosecond(), loc)
	}
	return t.Add(-o.Duration)
}

// String formats o as an ISO 8601 duration, such as "P1D", "PT2H" or
// "P1DT30M". It is part of each reminder's idempotency key.
func (o Offset) String() string {
	var b strings.Builder
	b.WriteString("P")
	if o.Days != 0 {
		b.WriteString(strconv.Itoa(o.Days) + "D")
	}
	if o.Duration != 0 || o.Days == 0 {
		b.WriteString("T")
		d := o.Duration
		if h := d / time.Hour; h != 0 {
			b.WriteString(strconv.FormatInt(int64(h), 10) + "H")
			d -= h * time.Hour
		}
		if m := d / time.Minute; m != 0 {
			b.WriteString(strconv.FormatInt(int64(m), 10) + "M")
			d -= m * time.Minute
		}
		if d != 0 || o.Duration == 0 {
			b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S")
		}
	}
	return b.String()
}

// lead is an upper bound of how long before start o can fall due (a
// calendar day is at most 25 hours in every zone openslot meets; use 26 to
// be safe).
func (o Offset) lead() time.Duration { return time.Duration(o.Days)*26*time.Hour + o.Duration }

// ReminderKey is the idempotency key a reminder is recorded under in the
// store: the appointment id, its current start and the offset. A
// reminder therefore fires once per appointment, start and offset, and an
// appointment that moves gets fresh reminders for its new time.
func ReminderKey(appointmentID string, start time.Time, o Offset) string {
	return "reminder:" + appointmentID + ":" + start.UTC().Format(time.RFC3339Nano) + ":" + o.String()
}

// ReminderOptions configures Reminders.
type ReminderOptions struct {
	// Offsets are the reminders to send before each booked appointment,
	// for example {DaysBefore(1), Before(2 * time.Hour)}. Required.
	Offsets []Offset
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DefaultZone is the zone for appointments whose zone cannot be found
	// (see Reminders); nil means UTC.
	DefaultZone *time.Location
	// Logger receives one line per pass with counts and errors (ids and
	// error kinds only: never an error's text, which can quote stored
	// data); nil means slog.Default.
	Logger *slog.Logger
}

// Reminders turns booked appointments into reminder events. Each pass
// (RunOnce) looks at the booked appointments that start within the longest
// offset from now, and for each appointment whose reminder is due records
// one EventReminder in the store's event log, in one transaction with its
// idempotency key (ReminderKey). The dispatcher then delivers it like any
// other event, in order with the appointment's other events.
//
// Rules:
//   - Only appointments with status booked get reminders, and only before
//     they start. The transaction re-reads the appointment, so one that was
//     cancelled or moved since the scan gets none; a Webhook also drops a
//     reminder whose appointment was cancelled or moved after it was
//     recorded and before it was delivered.
//   - When several offsets of one appointment are due (the process was down
//     when the earlier one fell due), only the latest one, the closest to the
//     start, is sent; the missed ones are skipped, so a patient never gets
//     two reminders at once.
//   - The zone that wall times are read in is, in order: the appointment's
//     time-zone extension (scheduling.ExtTimeZone), the zone of the schedule
//     of the appointment's first stored slot, DefaultZone.
//
// Several processes may run Reminders on one store at the same time: the
// idempotency key makes exactly one of them record each reminder.
type Reminders struct {
	st      store.Store
	offsets []Offset
	now     func() time.Time
	zone    *time.Location
	logger  *slog.Logger
	lead    time.Duration
}

// NewReminders returns a Reminders over st. It fails with ErrInvalidOptions
// when no offset is given or an offset is zero or negative.
func NewReminders(st store.Store, opts ReminderOptions) (*Reminders, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: reminders need a store", ErrInvalidOptions)
	}
	if len(opts.Offsets) == 0 {
		return nil, fmt.Errorf("%w: ReminderOptions.Offsets is empty", ErrInvalidOptions)
	}
	r := &Reminders{st: st, offsets: slices.Clone(opts.Offsets), now: opts.Now, zone: opts.DefaultZone,
		logger: opts.Logger}
	for i, o := range r.offsets {
		if o.Days < 0 || o.Duration < 0 || (o.Days == 0 && o.Duration == 0) {
			return nil, fmt.Errorf("%w: ReminderOptions.Offsets[%d] = %s: an offset must be positive",
				ErrInvalidOptions, i, o)
		}
		r.lead = max(r.lead, o.lead())
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.zone == nil {
		r.zone = time.UTC
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	return r, nil
}

// due is one reminder to record.
type due struct {
	appointmentID string
	start         time.Time
	offset        Offset
	at            time.Time
}

// RunOnce makes one pass and returns how many reminders it recorded.
func (r *Reminders) RunOnce(ctx context.Context) (int, error) {
	now := r.now()
	var todo []due
	err := r.st.View(ctx, func(tx store.ReadTx) error {
		q := store.Query{
			ResourceType: "Appointment",
			Terms:        [][]string{{store.Term("status", string(scheduling.AppointmentBooked))}},
			// Starts in (now, now+lead]: stores keep instants to the
			// microsecond, so the half-open [From, To) is drawn there.
			From:  now.Truncate(time.Microsecond).Add(time.Microsecond),
			To:    now.Add(r.lead).Truncate(time.Microsecond).Add(time.Microsecond),
			Limit: store.MaxLimit,
		}
		appts, err := store.SearchAll[scheduling.Appointment](ctx, tx, q, 0)
		if err != nil {
			return fmt.Errorf("notify: reminders: search appointments: %w", err)
		}
		zones := map[string]*time.Location{}
		for _, a := range appts {
			loc, err := r.zoneOf(ctx, tx, a, zones)
			if err != nil {
				return err
			}
			if d, ok := r.dueOffset(a, loc, now); ok {
				todo = append(todo, d)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	recorded := 0
	for _, d := range todo {
		ok, err := r.record(ctx, d)
		if err != nil {
			r.logger.LogAttrs(ctx, slog.LevelError, "notify: reminder not recorded",
				slog.String("appointment", d.appointmentID), slog.String("offset", d.offset.String()),
				slog.String("error", errorKind(err)))
			return recorded, err
		}
		if ok {
			recorded++
		}
	}
	if recorded > 0 {
		r.logger.LogAttrs(ctx, slog.LevelDebug, "notify: reminders recorded", slog.Int("count", recorded))
	}
	return recorded, nil
}

// dueOffset picks the offset to send for a now: the due one closest to the
// start, unless the appointment has started.
func (r *Reminders) dueOffset(a *scheduling.Appointment, loc *time.Location, now time.Time) (due, bool) {
	if a.Status != scheduling.AppointmentBooked || a.Start.IsZero() || !now.Before(a.Start) {
		return due{}, false
	}
	var best due
	found := false
	for _, o := range r.offsets {
		at := o.Due(a.Start, loc)
		if at.After(now) {
			continue
		}
		if !found || at.After(best.at) {
			best = due{appointmentID: a.ID, start: a.Start, offset: o, at: at}
			found = true
		}
	}
	return best, found
}

// record writes one reminder event unless it was recorded before or the
// appointment changed. It reports whether it recorded one.
func (r *Reminders) record(ctx context.Context, d due) (bool, error) {
	key := ReminderKey(d.appointmentID, d.start, d.offset)
	recorded := false
	err := r.st.Update(ctx, func(tx store.Tx) error {
		recorded = false
		if _, err := tx.Idempotent(ctx, key); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		a, err := store.Get[scheduling.Appointment](ctx, tx, d.appointmentID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if a.Status != scheduling.AppointmentBooked || !a.Start.Equal(d.start) {
			return nil
		}
		if err := tx.SetIdempotent(ctx, key, d.at.UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
		recorded = true
		return tx.AppendEvent(ctx, scheduling.Event{
			Type:          EventReminder,
			AppointmentID: a.ID,
			At:            d.at,
			From:          a.Status,
			To:            a.Status,
			Appointment:   a.Clone(),
		})
	})
	if errors.Is(err, store.ErrConflict) {
		// Another process recorded it (the key is taken) or changed the
		// appointment; the next pass looks again.
		return false, nil
	}
	return recorded && err == nil, err
}

// Run calls RunOnce every interval until ctx ends, and returns ctx's
// error. A failed pass is logged and retried at the next tick.
func (r *Reminders) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("%w: reminder interval %s must be positive", ErrInvalidOptions, every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.logger.LogAttrs(ctx, slog.LevelWarn, "notify: reminder pass failed", slog.String("error", errorKind(err)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// zoneOf finds the zone of a's wall times (see Reminders).
func (r *Reminders) zoneOf(ctx context.Context, tx store.ReadTx, a *scheduling.Appointment,
	cache map[string]*time.Location) (*time.Location, error) {
	for _, ext := range a.Extension {
		if ext.URL != scheduling.ExtTimeZone {
			continue
		}
		var v struct {
			ValueCode string `json:"valueCode"`
		}
		if json.Unmarshal(ext.JSON, &v) == nil && v.ValueCode != "" {
			if loc, err := time.LoadLocation(v.ValueCode); err == nil {
				return loc, nil
			}
		}
	}
	for _, ref := range a.Slot {
		typ, id := ref.Split()
		if typ != "Slot" {
			continue
		}
		// The cache holds nil for a slot that is not stored: try the next.
		if loc, ok := cache["Slot/"+id]; ok {
			if loc != nil {
				return loc, nil
			}
			continue
		}
		slot, err := store.Get[scheduling.Slot](ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			cache["Slot/"+id] = nil
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("notify: reminders: read slot %s: %w", id, err)
		}
		loc, err := r.scheduleZone(ctx, tx, slot.Schedule, cache)
		if err != nil {
			return nil, err
		}
		if loc == nil {
			loc = r.zone
		}
		cache["Slot/"+id] = loc
		return loc, nil
	}
	return r.zone, nil
}

func (r *Reminders) scheduleZone(ctx context.Context, tx store.ReadTx, ref scheduling.Reference,
	cache map[string]*time.Location) (*time.Location, error) {
	typ, id := ref.Split()
	if typ != "Schedule" {
		return nil, nil
	}
	if loc, ok := cache["Schedule/"+id]; ok {
		return loc, nil
	}
	s, err := store.Get[scheduling.Schedule](ctx, tx, id)
	if errors.Is(err, store.ErrNotFound) {
		cache["Schedule/"+id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notify: reminders: read schedule %s: %w", id, err)
	}
	var loc *time.Location
	if s.Availability.TimeZone != "" {
		loc, _ = time.LoadLocation(s.Availability.TimeZone)
	}
	cache["Schedule/"+id] = loc
	return loc, nil
}

// reminderCurrent reports whether a reminder still applies: its
// appointment is still booked at the start the reminder was for.
func reminderCurrent(ctx context.Context, st store.Store, id string, start time.Time) (bool, error) {
	current := false
	err := st.View(ctx, func(tx store.ReadTx) error {
		a, err := store.Get[scheduling.Appointment](ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		current = a.Status == scheduling.AppointmentBooked && a.Start.Equal(start)
		return nil
	})
	return current, err
}
