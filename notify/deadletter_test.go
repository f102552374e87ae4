package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/openslot/openslot/scheduling"
)

func TestMemoryDeadLetters(t *testing.T) {
	var logs bytes.Buffer
	m := NewMemoryDeadLetters(slog.New(slog.NewTextHandler(&logs, nil)), 2)
	ctx := context.Background()
	for i := int64(1); i <= 3; i++ {
		d := DeadLetter{Subscriber: "ehr", Cursor: i, EventType: scheduling.EventBooked, AppointmentID: "a" + string(rune('0'+i)),
			Attempts: 8, LastStatus: 500, Reason: "receiver answered 500", At: sigNow,
			Body: []byte(`{"name":"Jane Patient"}`)}
		if err := m.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got := m.List()
	if len(got) != 2 || got[0].Cursor != 2 || got[1].Cursor != 3 || m.Dropped() != 1 {
		t.Fatalf("kept %+v (dropped %d), want cursors 2 and 3 and one dropped", got, m.Dropped())
	}
	got[0].Body[0] = 'X'
	if m.List()[0].Body[0] != '{' {
		t.Error("List shares the body with the store")
	}
	out := logs.String()
	if strings.Contains(out, "Jane") {
		t.Errorf("the log holds the body: %s", out)
	}
	for _, want := range []string{"subscriber=ehr", "cursor=3", "event=booked", "appointment=a3", "attempts=8", "status=500"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
	if NewMemoryDeadLetters(nil, 0).max != DefaultMaxDeadLetters {
		t.Error("max 0 does not mean the default")
	}
}
