package fhir

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/openslot/openslot/scheduling"
)

// MessageForm selects how much a notification Bundle carries.
type MessageForm int

// The two forms of a notification Bundle.
const (
	// MessageLightweight carries the appointment reference, the patient
	// identifier and the timestamp.
	MessageLightweight MessageForm = iota
	// MessageDetailed carries the full Appointment and related resources.
	MessageDetailed
)

// String returns "lightweight" or "detailed".
func (f MessageForm) String() string {
	switch f {
	case MessageLightweight:
		return "lightweight"
	case MessageDetailed:
		return "detailed"
	}
	return fmt.Sprintf("MessageForm(%d)", int(f))
}

// URIs of notification Bundles.
const (
	// EventURIBase prefixes every event URI.
	EventURIBase = "https://openslot.dev/fhir/events/"
	// EventURIBooked, EventURICancelled and EventURIUpdated are the three
	// coarse events of standards.md §4.
	EventURIBooked    = EventURIBase + "appointment-booked"
	EventURICancelled = EventURIBase + "appointment-cancelled"
	EventURIUpdated   = EventURIBase + "appointment-updated"
	// MessageDefinitionBase prefixes MessageHeader.definition:
	// "appointment-notification-lightweight" or
	// "appointment-notification-detailed".
	MessageDefinitionBase = "https://openslot.dev/fhir/MessageDefinition/"
)

// EventURI returns the event URI of an event type:
// EventURIBase + "appointment-" + t.
func EventURI(t scheduling.EventType) string { return EventURIBase + "appointment-" + string(t) }

// CoarseEventURI returns the coarse event (EventURIBooked, EventURICancelled
// or EventURIUpdated) an event type maps to, or "" for a type that is not a
// change of package scheduling (a reminder).
func CoarseEventURI(t scheduling.EventType) string {
	switch t {
	case scheduling.EventBooked, scheduling.EventConfirmed:
		return EventURIBooked
	case scheduling.EventCancelled, scheduling.EventHoldExpired, scheduling.EventNoShow:
		return EventURICancelled
	case scheduling.EventHeld, scheduling.EventRescheduled, scheduling.EventResponded, scheduling.EventArrived,
		scheduling.EventCheckedIn, scheduling.EventFulfilled, scheduling.EventWaitlisted, scheduling.EventProposed,
		scheduling.EventEnteredInError, scheduling.EventUpdated:
		return EventURIUpdated
	}
	return ""
}

// MessageOptions says how NewMessage builds a Bundle.
type MessageOptions struct {
	// Form is lightweight (the zero value) or detailed.
	Form MessageForm
	// ID is the id of the Bundle and of its MessageHeader; it should be
	// stable for an event (for example derived from its cursor) so that a
	// repeated delivery carries the same ids. Empty leaves both without id.
	ID string
	// Source is the FHIR base URL of the sender (MessageHeader.source.endpoint),
	// also the base of every entry's fullUrl. Required: an absolute URL.
	Source string
	// SourceName is MessageHeader.source.name; empty means "openslot".
	SourceName string
	// Destination and DestinationName, when Destination is set, fill
	// MessageHeader.destination.
	Destination, DestinationName string
	// Timestamp is Bundle.timestamp; zero means the event's At.
	Timestamp time.Time
	// Related are resources the appointment refers to (its patients,
	// practitioners, locations, devices, slots...). The detailed form
	// includes them all, patients first; the lightweight form reads only the
	// patients' identifiers. Nil entries, typed or not, are skipped.
	Related []scheduling.Resource
}

// NewMessage turns an event of the booking state machine (scheduling.Event)
// into a Bundle of type "message", the shape of the Redox FHIR scheduling
// notifications (reference/standards.md §4):
//
//	Bundle (type message, timestamp = when the event happened)
//	  entry[0] MessageHeader
//	    eventUri    the fine event: EventURIBase + "appointment-" + type
//	    extension   coarse-event (valueUri): booked, cancelled or updated
//	    extension   previous-period (valuePeriod): a reschedule's old time
//	    source      endpoint = the sender's FHIR base, software "openslot"
//	    destination the subscriber, when known
//	    focus       Appointment/<id>
//	    definition  MessageDefinitionBase + "appointment-notification-<form>"
//	  entry[1] Appointment
//	  entry[2..] Patient(s), then the other related resources
//
// Event URIs. Every event type of package scheduling has its own URI, and
// maps to one of the three coarse notifications for consumers that only
// know those:
//
//	event type          eventUri (under EventURIBase)   coarse-event
//	booked              appointment-booked              appointment-booked
//	confirmed           appointment-confirmed           appointment-booked
//	cancelled           appointment-cancelled           appointment-cancelled
//	hold-expired        appointment-hold-expired        appointment-cancelled
//	no-show             appointment-no-show             appointment-cancelled
//	held                appointment-held                appointment-updated
//	rescheduled         appointment-rescheduled         appointment-updated
//	responded           appointment-responded           appointment-updated
//	arrived             appointment-arrived             appointment-updated
//	checked-in          appointment-checked-in          appointment-updated
//	fulfilled           appointment-fulfilled           appointment-updated
//	waitlisted          appointment-waitlisted          appointment-updated
//	proposed            appointment-proposed            appointment-updated
//	                    (a waitlist offer)
//	entered-in-error    appointment-entered-in-error    appointment-updated
//	updated             appointment-updated             appointment-updated
//
// An event type outside package scheduling (package notify's "reminder")
// gets the URI appointment-<type> and no coarse event: it reports no change.
//
// Forms. The lightweight form tells a consumer which appointment changed and
// lets it fetch the rest: the Appointment carries only its id, version,
// status, start and end, and its patient participants, whose references
// carry the patient's identifier; a Patient entry holds only the id and
// identifiers. No names, no free text. The detailed form carries the full
// Appointment and every related resource given in MessageOptions.Related
// (patients first): patient details, practitioners, locations, devices,
// slots.
//
// Reschedules. The appointment's start and end before a reschedule travel
// on the MessageHeader (both forms) in the extension ExtPreviousPeriod:
//
//	{"url": "https://openslot.dev/fhir/StructureDefinition/previous-period",
//	 "valuePeriod": {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:30:00Z"}}
//
// It sits on the MessageHeader rather than on the Appointment because it
// describes the event, not the appointment: a consumer that stores the
// Appointment resource as sent stores nothing stale.
//
// NewMessage fails with ErrInvalid when Source is not an absolute URL, the
// form is unknown, or the event has no type, appointment or time.
func NewMessage(e scheduling.Event, opts MessageOptions) (*Bundle, error) {
	base := strings.TrimSuffix(opts.Source, "/")
	if u, err := url.Parse(base); err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("%w: message source %q is not an absolute URL", ErrInvalid, opts.Source)
	}
	if opts.Form != MessageLightweight && opts.Form != MessageDetailed {
		return nil, fmt.Errorf("%w: message form %s is not lightweight or detailed", ErrInvalid, opts.Form)
	}
	appt := e.Appointment.Clone()
	if appt.ID == "" {
		appt.ID = e.AppointmentID
	}
	if appt.ID == "" {
		return nil, fmt.Errorf("%w: %s event names no appointment", ErrInvalid, e.Type)
	}
	if e.Type == "" {
		return nil, fmt.Errorf("%w: event of appointment %s has no type", ErrInvalid, appt.ID)
	}
	ts := opts.Timestamp
	if ts.IsZero() {
		ts = e.At
	}
	if ts.IsZero() {
		return nil, fmt.Errorf("%w: %s event of appointment %s has no time", ErrInvalid, e.Type, appt.ID)
	}

	h := &MessageHeader{ID: opts.ID, EventURI: EventURI(e.Type),
		Source:     &MessageSource{Name: opts.SourceName, Software: "openslot", Endpoint: base},
		Focus:      []Reference{{Reference: "Appointment/" + appt.ID}},
		Definition: MessageDefinitionBase + "appointment-notification-" + opts.Form.String()}
	if h.Source.Name == "" {
		h.Source.Name = "openslot"
	}
	if coarse := CoarseEventURI(e.Type); coarse != "" {
		h.Extension = append(h.Extension, Extension{URL: ExtCoarseEvent, ChoiceValue: ChoiceValue{ValueURI: coarse}})
	}
	if !e.OldStart.IsZero() || !e.OldEnd.IsZero() {
		h.Extension = append(h.Extension, Extension{URL: ExtPreviousPeriod, ChoiceValue: ChoiceValue{
			ValuePeriod: &Period{Start: formatInstant(e.OldStart), End: formatInstant(e.OldEnd)}}})
	}
	if opts.Destination != "" {
		h.Destination = []MessageDestination{{Name: opts.DestinationName, Endpoint: opts.Destination}}
	}

	b := &Bundle{ID: opts.ID, Type: "message", Timestamp: formatInstant(ts.UTC())}
	headerURL := ""
	if opts.ID != "" {
		headerURL = base + "/MessageHeader/" + opts.ID
	}
	b.Entry = append(b.Entry, BundleEntry{FullURL: headerURL, Resource: h})

	patients, others := splitRelated(opts.Related)
	if opts.Form == MessageLightweight {
		b.Entry = append(b.Entry, entry(base, lightAppointment(appt, patients)))
		for _, p := range patients {
			if len(p.Identifier) > 0 {
				b.Entry = append(b.Entry, entry(base, &Patient{ID: p.ID, Identifier: mapSlice(p.Identifier,
					func(_ int, id scheduling.Identifier) Identifier { return *bareIdentifier(&id) })}))
			}
		}
		return b, nil
	}
	b.Entry = append(b.Entry, entry(base, FromAppointment(appt)))
	for _, p := range patients {
		b.Entry = append(b.Entry, entry(base, FromPatient(*p)))
	}
	for _, r := range others {
		f, err := FromModel(r)
		if err != nil {
			return nil, fmt.Errorf("related resource %s/%s: %w", r.ResourceType(), r.Metadata().ID, err)
		}
		b.Entry = append(b.Entry, entry(base, f))
	}
	return b, nil
}

func entry(base string, r Resource) BundleEntry {
	e := BundleEntry{Resource: r}
	if id := ResourceID(r); id != "" {
		e.FullURL = base + "/" + r.ResourceType() + "/" + id
	}
	return e
}

// splitRelated returns the patients and the other resources, each once (by
// type and id), in the order given; nil entries are skipped.
func splitRelated(rs []scheduling.Resource) (patients []*scheduling.Patient, others []scheduling.Resource) {
	seen := map[string]bool{}
	for _, r := range rs {
		if r == nil {
			continue
		}
		if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.IsNil() {
			continue // a typed nil such as (*scheduling.Slot)(nil)
		}
		key := r.ResourceType() + "/" + r.Metadata().ID
		if seen[key] {
			continue
		}
		seen[key] = true
		if p, ok := r.(*scheduling.Patient); ok {
			patients = append(patients, p)
		} else {
			others = append(others, r)
		}
	}
	return patients, others
}

// lightAppointment is the Appointment of the lightweight form: id, version,
// status, times and the patient participants, each reference carrying the
// patient's identifier and no display text.
func lightAppointment(a scheduling.Appointment, patients []*scheduling.Patient) *Appointment {
	f := &Appointment{ID: a.ID, Status: string(a.Status), Start: formatInstant(a.Start), End: formatInstant(a.End)}
	if a.Version > 0 || !a.LastUpdated.IsZero() {
		f.Meta = fromMeta(scheduling.Meta{Version: a.Version, LastUpdated: a.LastUpdated}, nil)
	}
	ids := map[string]*scheduling.Identifier{}
	for _, p := range patients {
		if len(p.Identifier) > 0 {
			ids["Patient/"+p.ID] = &p.Identifier[0]
		}
	}
	for _, p := range a.Participant {
		if p.Actor == nil || !p.Actor.IsType("Patient") {
			continue
		}
		ref := Reference{Reference: p.Actor.Reference, Type: p.Actor.Type}
		id := p.Actor.Identifier
		if typ, pid := p.Actor.Split(); typ == "Patient" && ids["Patient/"+pid] != nil {
			id = ids["Patient/"+pid]
		}
		ref.Identifier = bareIdentifier(id)
		f.Participant = append(f.Participant, AppointmentParticipant{Actor: &ref, Required: string(p.Required),
			Status: string(p.Status)})
	}
	if len(f.Participant) == 0 {
		// An appointment without a patient (a booking of resources only):
		// keep its participants, which name no patient, so that it stays
		// valid (participant is 1..*).
		for _, p := range a.Participant {
			var actor *Reference
			if p.Actor != nil {
				actor = &Reference{Reference: p.Actor.Reference, Type: p.Actor.Type, Identifier: bareIdentifier(p.Actor.Identifier)}
			}
			f.Participant = append(f.Participant, AppointmentParticipant{Type: codesOnly(p.Type), Actor: actor,
				Required: string(p.Required), Status: string(p.Status)})
		}
	}
	return f
}

// bareIdentifier is id as the lightweight form carries it: use, type
// codes, system and value, without the type's text or the assigner (whose
// display is a name); nil for nil.
func bareIdentifier(id *scheduling.Identifier) *Identifier {
	if id == nil {
		return nil
	}
	out := &Identifier{Use: id.Use, System: id.System, Value: id.Value}
	if id.Type != nil {
		if t := codesOnly([]scheduling.CodeableConcept{*id.Type}); len(t) > 0 {
			out.Type = &t[0]
		}
	}
	return out
}

// codesOnly is cs without free text: the codings without display, concepts
// left without a coding dropped.
func codesOnly(cs []scheduling.CodeableConcept) []CodeableConcept {
	var out []CodeableConcept
	for _, c := range cs {
		var codes []Coding
		for _, cd := range c.Coding {
			if cd.Code != "" {
				codes = append(codes, Coding{System: cd.System, Version: cd.Version, Code: cd.Code})
			}
		}
		if len(codes) > 0 {
			out = append(out, CodeableConcept{Coding: codes})
		}
	}
	return out
}
