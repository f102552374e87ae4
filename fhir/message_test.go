package fhir

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
)

var msgStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// msgFixture is an appointment with a patient, a practitioner, a location
// and a slot, and those resources.
func msgFixture() (scheduling.Appointment, []scheduling.Resource) {
	patient := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1", Version: 2, LastUpdated: msgStart.Add(-time.Hour)},
		Identifier: []scheduling.Identifier{{System: "urn:oid:1.2.36.146.595.217.0.1", Value: "MRN-12345"}},
		Name:       []scheduling.HumanName{{Family: "Doe", Given: []string{"Jane"}}}, BirthDate: "1980-04-01"}
	doctor := &scheduling.Practitioner{Meta: scheduling.Meta{ID: "d1", Version: 1},
		Name: []scheduling.HumanName{{Family: "Welby", Prefix: []string{"Dr"}}}}
	room := &scheduling.Location{Meta: scheduling.Meta{ID: "room1", Version: 1}, Name: "Room 1", Status: "active"}
	slot := &scheduling.Slot{Meta: scheduling.Meta{ID: "sl1", Version: 3}, Schedule: scheduling.Ref("Schedule", "s1"),
		Status: scheduling.SlotBusy, Start: msgStart, End: msgStart.Add(30 * time.Minute)}
	appt := scheduling.Appointment{Meta: scheduling.Meta{ID: "a1", Version: 4, LastUpdated: msgStart.Add(-time.Minute)},
		Status: scheduling.AppointmentBooked, Start: msgStart, End: msgStart.Add(30 * time.Minute),
		Description: "Jane's knee", Slot: []scheduling.Reference{scheduling.Ref("Slot", "sl1")},
		PaymentMode: &scheduling.CodeableConcept{Text: "insurance"},
		Participant: []scheduling.Participant{
			{Actor: &scheduling.Reference{Reference: "Patient/p1", Display: "Jane Doe"}, Status: scheduling.ParticipationAccepted},
			{Actor: &scheduling.Reference{Reference: "Practitioner/d1", Display: "Dr Welby"}, Status: scheduling.ParticipationAccepted},
			{Actor: &scheduling.Reference{Reference: "Location/room1"}, Status: scheduling.ParticipationAccepted},
		}}
	return appt, []scheduling.Resource{doctor, room, slot, patient}
}

func msgEventTypes() []scheduling.EventType {
	return []scheduling.EventType{scheduling.EventHeld, scheduling.EventHoldExpired, scheduling.EventBooked,
		scheduling.EventConfirmed, scheduling.EventResponded, scheduling.EventRescheduled, scheduling.EventCancelled,
		scheduling.EventCheckedIn, scheduling.EventArrived, scheduling.EventNoShow, scheduling.EventFulfilled,
		scheduling.EventWaitlisted, scheduling.EventProposed, scheduling.EventEnteredInError, scheduling.EventUpdated,
		"reminder"}
}

// msgEvent is an event of type typ whose appointment is in a status that
// event can leave behind.
func msgEvent(typ scheduling.EventType) scheduling.Event {
	appt, _ := msgFixture()
	status := map[scheduling.EventType]scheduling.AppointmentStatus{
		scheduling.EventHeld: scheduling.AppointmentPending, scheduling.EventHoldExpired: scheduling.AppointmentCancelled,
		scheduling.EventCancelled: scheduling.AppointmentCancelled, scheduling.EventCheckedIn: scheduling.AppointmentCheckedIn,
		scheduling.EventArrived: scheduling.AppointmentArrived, scheduling.EventNoShow: scheduling.AppointmentNoShow,
		scheduling.EventFulfilled: scheduling.AppointmentFulfilled, scheduling.EventWaitlisted: scheduling.AppointmentWaitlist,
		scheduling.EventProposed: scheduling.AppointmentProposed, scheduling.EventEnteredInError: scheduling.AppointmentEnteredInError,
	}[typ]
	if status != "" {
		appt.Status = status
	}
	switch typ {
	case scheduling.EventHeld:
		appt.HeldUntil = msgStart.Add(-50 * time.Minute)
	case scheduling.EventCancelled, scheduling.EventNoShow:
		appt.CancelationReason = &scheduling.CodeableConcept{Text: "patient request"}
	case scheduling.EventWaitlisted:
		appt.RequestedPeriod = []scheduling.Period{{Start: msgStart, End: msgStart.Add(48 * time.Hour)}}
	}
	e := scheduling.Event{Type: typ, AppointmentID: appt.ID, At: msgStart.Add(-time.Hour), From: scheduling.AppointmentBooked,
		To: appt.Status, Appointment: appt}
	if typ == scheduling.EventRescheduled {
		e.OldStart, e.OldEnd = msgStart.Add(-24*time.Hour), msgStart.Add(-24*time.Hour+30*time.Minute)
	}
	return e
}

func TestNewMessageEveryEventBothForms(t *testing.T) {
	for _, form := range []MessageForm{MessageLightweight, MessageDetailed} {
		for _, typ := range msgEventTypes() {
			t.Run(form.String()+"/"+string(typ), func(t *testing.T) {
				e := msgEvent(typ)
				_, related := msgFixture()
				b, err := NewMessage(e, MessageOptions{Form: form, ID: "event-7", Source: "https://clinic.example/fhir/",
					Destination: "https://ehr.example/hooks", DestinationName: "ehr", Related: related})
				if err != nil {
					t.Fatal(err)
				}
				data := mustMarshalT(t, b)
				assertSchemaValid(t, data)
				back, err := Decode(data) // the package's own R4 and invariant checks
				if err != nil {
					t.Fatalf("Decode of the message: %v\n%s", err, data)
				}
				checkMessage(t, back.(*Bundle), e, form, data)
			})
		}
	}
}

func checkMessage(t *testing.T, b *Bundle, e scheduling.Event, form MessageForm, data []byte) {
	t.Helper()
	if b.Type != "message" || b.ID != "event-7" || b.Timestamp != "2026-03-02T08:00:00Z" {
		t.Errorf("bundle type %q id %q timestamp %q", b.Type, b.ID, b.Timestamp)
	}
	if len(b.Entry) < 3 {
		t.Fatalf("%d entries, want the header, the appointment and the patient at least", len(b.Entry))
	}
	h, ok := b.Entry[0].Resource.(*MessageHeader)
	if !ok {
		t.Fatalf("first entry is %T, want a MessageHeader", b.Entry[0].Resource)
	}
	if h.EventURI != EventURIBase+"appointment-"+string(e.Type) {
		t.Errorf("eventUri %q", h.EventURI)
	}
	if h.Source == nil || h.Source.Endpoint != "https://clinic.example/fhir" || h.Source.Software != "openslot" {
		t.Errorf("source %+v", h.Source)
	}
	if len(h.Focus) != 1 || h.Focus[0].Reference != "Appointment/a1" {
		t.Errorf("focus %+v", h.Focus)
	}
	if h.Definition != MessageDefinitionBase+"appointment-notification-"+form.String() {
		t.Errorf("definition %q", h.Definition)
	}
	if len(h.Destination) != 1 || h.Destination[0].Endpoint != "https://ehr.example/hooks" {
		t.Errorf("destination %+v", h.Destination)
	}
	if b.Entry[0].FullURL != "https://clinic.example/fhir/MessageHeader/event-7" {
		t.Errorf("header fullUrl %q", b.Entry[0].FullURL)
	}
	coarse, previous := "", (*Period)(nil)
	for _, x := range h.Extension {
		switch x.URL {
		case ExtCoarseEvent:
			coarse = x.ValueURI
		case ExtPreviousPeriod:
			previous = x.ValuePeriod
		}
	}
	if want := CoarseEventURI(e.Type); coarse != want {
		t.Errorf("coarse event %q, want %q", coarse, want)
	}
	if e.Type == scheduling.EventRescheduled {
		if previous == nil || previous.Start != "2026-03-01T09:00:00Z" || previous.End != "2026-03-01T09:30:00Z" {
			t.Errorf("reschedule carries previous period %+v, want the old start and end", previous)
		}
	} else if previous != nil {
		t.Errorf("%s carries a previous period", e.Type)
	}

	a, ok := b.Entry[1].Resource.(*Appointment)
	if !ok || a.ID != "a1" || a.Status != string(e.Appointment.Status) || b.Entry[1].FullURL != "https://clinic.example/fhir/Appointment/a1" {
		t.Fatalf("second entry %T %+v (fullUrl %q), want Appointment a1 with status %s", b.Entry[1].Resource, a,
			b.Entry[1].FullURL, e.Appointment.Status)
	}
	p, ok := b.Entry[2].Resource.(*Patient)
	if !ok || p.ID != "p1" || len(p.Identifier) != 1 || p.Identifier[0].Value != "MRN-12345" {
		t.Fatalf("third entry %T %+v, want Patient p1 with its identifier", b.Entry[2].Resource, b.Entry[2].Resource)
	}
	switch form {
	case MessageLightweight:
		if len(b.Entry) != 3 {
			t.Errorf("lightweight has %d entries, want 3", len(b.Entry))
		}
		for _, private := range []string{"Jane", "Doe", "knee", "Welby", "insurance", "1980"} {
			if bytes.Contains(data, []byte(private)) {
				t.Errorf("lightweight message contains %q:\n%s", private, data)
			}
		}
		if len(a.Participant) != 1 || a.Participant[0].Actor.Identifier == nil ||
			a.Participant[0].Actor.Identifier.Value != "MRN-12345" || a.Start != "2026-03-02T09:00:00Z" {
			t.Errorf("lightweight appointment %+v lacks the patient identifier or time", a)
		}
		if a.Meta == nil || a.Meta.VersionID != "4" {
			t.Errorf("lightweight appointment meta %+v, want version 4", a.Meta)
		}
	case MessageDetailed:
		var types []string
		for _, en := range b.Entry {
			types = append(types, en.Resource.ResourceType()+"/"+ResourceID(en.Resource))
		}
		if got := strings.Join(types, " "); got != "MessageHeader/event-7 Appointment/a1 Patient/p1 Practitioner/d1 Location/room1 Slot/sl1" {
			t.Errorf("detailed entries %s", got)
		}
		if len(p.Name) != 1 || p.Name[0].Family != "Doe" || len(a.Participant) != 3 || a.Description != "Jane's knee" {
			t.Errorf("detailed form lacks patient details or the full appointment")
		}
	}
}

func TestEventURIs(t *testing.T) {
	want := map[scheduling.EventType]string{
		scheduling.EventBooked: EventURIBooked, scheduling.EventConfirmed: EventURIBooked,
		scheduling.EventCancelled: EventURICancelled, scheduling.EventHoldExpired: EventURICancelled,
		scheduling.EventNoShow: EventURICancelled, scheduling.EventRescheduled: EventURIUpdated,
		scheduling.EventCheckedIn: EventURIUpdated, scheduling.EventHeld: EventURIUpdated, "reminder": "",
	}
	for typ, coarse := range want {
		if got := CoarseEventURI(typ); got != coarse {
			t.Errorf("CoarseEventURI(%s) = %q, want %q", typ, got, coarse)
		}
	}
	for _, typ := range msgEventTypes() {
		if typ != "reminder" && CoarseEventURI(typ) == "" {
			t.Errorf("scheduling event %s has no coarse event", typ)
		}
	}
	if got := EventURI(scheduling.EventBooked); got != "https://openslot.dev/fhir/events/appointment-booked" {
		t.Errorf("EventURI(booked) = %q", got)
	}
}

// An appointment that names its patient only by identifier, and one without
// a patient, still give valid lightweight messages.
func TestNewMessageLightweightEdgeCases(t *testing.T) {
	e := msgEvent(scheduling.EventBooked)
	e.Appointment.Participant[0].Actor = &scheduling.Reference{Type: "Patient",
		Identifier: &scheduling.Identifier{System: "urn:mrn", Value: "77"}, Display: "Jane Doe"}
	b, err := NewMessage(e, MessageOptions{Source: "urn:uuid:6f1d2c1e-8f6a-4b7a-9e7c-0d9f1c2b3a4d"})
	if err != nil {
		t.Fatal(err)
	}
	data := mustMarshalT(t, b)
	assertSchemaValid(t, data)
	if _, err := Decode(data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"value":"77"`)) || bytes.Contains(data, []byte("Jane")) {
		t.Errorf("identifier-only patient: %s", data)
	}

	e = msgEvent(scheduling.EventBooked)
	e.Appointment.Participant = e.Appointment.Participant[1:]
	b, err = NewMessage(e, MessageOptions{Source: "https://clinic.example/fhir"})
	if err != nil {
		t.Fatal(err)
	}
	data = mustMarshalT(t, b)
	assertSchemaValid(t, data)
	if _, err := Decode(data); err != nil {
		t.Fatal(err)
	}
}

func TestNewMessageErrors(t *testing.T) {
	e := msgEvent(scheduling.EventBooked)
	noAppt := e
	noAppt.AppointmentID, noAppt.Appointment.ID = "", ""
	noTime := e
	noTime.At = time.Time{}
	for name, tc := range map[string]struct {
		e    scheduling.Event
		opts MessageOptions
	}{
		"no source":       {e, MessageOptions{}},
		"relative source": {e, MessageOptions{Source: "fhir/base"}},
		"bad form":        {e, MessageOptions{Source: "https://x.example", Form: 9}},
		"no appointment":  {noAppt, MessageOptions{Source: "https://x.example"}},
		"no time":         {noTime, MessageOptions{Source: "https://x.example"}},
		"no type":         {scheduling.Event{AppointmentID: "a1", At: msgStart}, MessageOptions{Source: "https://x.example"}},
	} {
		if _, err := NewMessage(tc.e, tc.opts); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: NewMessage = %v, want ErrInvalid", name, err)
		}
	}
}

// The appointment inside the event is not changed by NewMessage.
func TestNewMessageDoesNotMutate(t *testing.T) {
	e := msgEvent(scheduling.EventBooked)
	before := fmt.Sprintf("%+v", e.Appointment.Participant[0].Actor)
	if _, err := NewMessage(e, MessageOptions{Source: "https://x.example"}); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprintf("%+v", e.Appointment.Participant[0].Actor); after != before {
		t.Errorf("participant changed: %s -> %s", before, after)
	}
}

func ExampleNewMessage() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	appt := scheduling.Appointment{Meta: scheduling.Meta{ID: "a1", Version: 2}, Status: scheduling.AppointmentBooked,
		Start: start, End: start.Add(30 * time.Minute),
		Participant: []scheduling.Participant{{Actor: &scheduling.Reference{Reference: "Patient/p1"},
			Status: scheduling.ParticipationAccepted}}}
	patient := &scheduling.Patient{Meta: scheduling.Meta{ID: "p1"},
		Identifier: []scheduling.Identifier{{System: "urn:mrn", Value: "12345"}}}
	e := scheduling.Event{Type: scheduling.EventRescheduled, AppointmentID: "a1", At: start.Add(-48 * time.Hour),
		From: scheduling.AppointmentBooked, To: scheduling.AppointmentBooked,
		OldStart: start.Add(-24 * time.Hour), OldEnd: start.Add(-24*time.Hour + 30*time.Minute), Appointment: appt}

	b, err := NewMessage(e, MessageOptions{ID: "event-1", Source: "https://clinic.example/fhir",
		Related: []scheduling.Resource{patient}})
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := Marshal(b)
	fmt.Println(string(data))
	// Output:
	// {"resourceType":"Bundle","id":"event-1","type":"message","timestamp":"2026-02-28T09:00:00Z","entry":[{"fullUrl":"https://clinic.example/fhir/MessageHeader/event-1","resource":{"resourceType":"MessageHeader","id":"event-1","extension":[{"url":"https://openslot.dev/fhir/StructureDefinition/coarse-event","valueUri":"https://openslot.dev/fhir/events/appointment-updated"},{"url":"https://openslot.dev/fhir/StructureDefinition/previous-period","valuePeriod":{"start":"2026-03-01T09:00:00Z","end":"2026-03-01T09:30:00Z"}}],"eventUri":"https://openslot.dev/fhir/events/appointment-rescheduled","source":{"name":"openslot","software":"openslot","endpoint":"https://clinic.example/fhir"},"focus":[{"reference":"Appointment/a1"}],"definition":"https://openslot.dev/fhir/MessageDefinition/appointment-notification-lightweight"}},{"fullUrl":"https://clinic.example/fhir/Appointment/a1","resource":{"resourceType":"Appointment","id":"a1","meta":{"versionId":"2"},"status":"booked","start":"2026-03-02T09:00:00Z","end":"2026-03-02T09:30:00Z","participant":[{"actor":{"reference":"Patient/p1","identifier":{"system":"urn:mrn","value":"12345"}},"status":"accepted"}]}},{"fullUrl":"https://clinic.example/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:mrn","value":"12345"}]}}]}
}

// Nil entries of Related, also typed nils, are skipped: no panic, and the
// message is the one without them.
func TestNewMessageSkipsNilRelated(t *testing.T) {
	e := msgEvent(scheduling.EventBooked)
	opts := MessageOptions{Form: MessageDetailed, Source: "https://clinic.example/fhir"}
	want, err := NewMessage(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Related = []scheduling.Resource{nil, (*scheduling.Slot)(nil), (*scheduling.Patient)(nil)}
	got, err := NewMessage(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustMarshalT(t, got), mustMarshalT(t, want)) {
		t.Errorf("with nil related resources:\n%s\nwant:\n%s", mustMarshalT(t, got), mustMarshalT(t, want))
	}
}

// The lightweight form carries no names and no free text: not the text of
// a patient identifier's type nor its assigner, and, for an appointment
// without a patient, not the participants' display or type text.
func TestNewMessageLightweightCarriesNoFreeText(t *testing.T) {
	secret := []string{"MRN of Jane", "Jane's clinic", "Dr Lee", "attending text"}
	e := msgEvent(scheduling.EventBooked)
	pid := ""
	for _, p := range e.Appointment.Participant {
		if p.Actor != nil && p.Actor.IsType("Patient") {
			_, pid = p.Actor.Split()
		}
	}
	mrn := scheduling.Concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "")
	mrn.Text = secret[0]
	patient := &scheduling.Patient{Meta: scheduling.Meta{ID: pid}, Identifier: []scheduling.Identifier{{
		Type: &mrn, System: "urn:mrn", Value: "MRN-42", Assigner: &scheduling.Reference{Display: secret[1]}}}}
	noPatient := msgEvent(scheduling.EventBooked)
	role := scheduling.Concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "ATND", "")
	role.Text = secret[3]
	noPatient.Appointment.Participant = []scheduling.Participant{{Type: []scheduling.CodeableConcept{role},
		Actor: &scheduling.Reference{Reference: "Practitioner/d1", Display: secret[2]}, Status: scheduling.ParticipationAccepted}}
	for name, c := range map[string]struct {
		e       scheduling.Event
		related []scheduling.Resource
		keep    []string
	}{
		"with a patient": {e, []scheduling.Resource{patient}, []string{`"value":"MRN-42"`, `"code":"MR"`}},
		"no patient":     {noPatient, nil, []string{`"reference":"Practitioner/d1"`, `"code":"ATND"`}},
	} {
		b, err := NewMessage(c.e, MessageOptions{Source: "https://clinic.example/fhir", Related: c.related})
		if err != nil {
			t.Fatal(err)
		}
		data := mustMarshalT(t, b)
		assertSchemaValid(t, data)
		for _, s := range secret {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s: the lightweight form carries %q:\n%s", name, s, data)
			}
		}
		for _, k := range c.keep {
			if !bytes.Contains(data, []byte(k)) {
				t.Errorf("%s: %s missing:\n%s", name, k, data)
			}
		}
	}
}
