package notify

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/memstore"
)

// A 3xx the HTTP client does not follow (300, 304) means the receiver
// cannot take the message at this URL: it is dead-lettered at once, not
// retried.
func TestWebhookUnfollowedRedirectIsPermanent(t *testing.T) {
	for _, status := range []int{http.StatusMultipleChoices, http.StatusNotModified} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			// The receiver answers status once, then 200: a retry would
			// deliver.
			rc := newRetryAfterReceiver(t, status, "")
			dead := deliverFirstEvent(t, rc, WebhookOptions{MaxAttempts: 3,
				Backoff: Backoff{Initial: time.Millisecond, Jitter: -1}})
			if len(dead) != 1 || dead[0].Attempts != 1 || dead[0].LastStatus != status || len(dead[0].Body) == 0 {
				t.Fatalf("dead letters %+v, want one with the body after a single %d", dead, status)
			}
			if n := len(rc.arrivals()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// The zone comes from the first slot reference that is stored: a deleted
// first slot does not send the appointment to DefaultZone when a later
// slot is stored.
func TestRemindersZoneSkipsMissingSlot(t *testing.T) {
	ctx := context.Background()
	ny := mustZone(t, "America/New_York")
	start := time.Date(2026, 3, 8, 9, 0, 0, 0, ny)
	clk := &clock{t: time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)}
	st := memstore.New(&memstore.Options{Now: clk.Now})
	sched := &scheduling.Schedule{Meta: scheduling.Meta{ID: "s1"}, Actor: []scheduling.Reference{scheduling.Ref("Practitioner", "d1")},
		Availability: scheduling.Availability{TimeZone: "America/New_York"}}
	slot := &scheduling.Slot{Meta: scheduling.Meta{ID: "sl2"}, Schedule: scheduling.Ref("Schedule", "s1"),
		Status: scheduling.SlotBusy, Start: start, End: start.Add(30 * time.Minute)}
	// Two appointments share the missing slot, so that the second also
	// meets it in the pass's cache.
	var appts []scheduling.Resource
	for _, id := range []string{"a1", "a2"} {
		a := bookedAppointment(id, start, "")
		a.Slot = []scheduling.Reference{scheduling.Ref("Slot", "gone"), scheduling.Ref("Slot", "sl2")}
		appts = append(appts, a)
	}
	put(t, st, append([]scheduling.Resource{sched, slot}, appts...)...)

	r, err := NewReminders(st, ReminderOptions{Offsets: []Offset{DaysBefore(1)}, Now: clk.Now, DefaultZone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, e := range reminderEvents(t, st) {
		got[e.AppointmentID] = e.At
	}
	// 09:00 in New York the day before is 14:00Z; in UTC it would be 13:00Z.
	want := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	if len(got) != 2 || !got["a1"].Equal(want) || !got["a2"].Equal(want) {
		t.Errorf("reminders at %v, want both at New York's 09:00 (14:00Z), the zone of the stored slot sl2", got)
	}
}
