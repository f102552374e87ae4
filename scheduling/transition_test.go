package scheduling

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// outcome is what an allowed (status, action) pair must produce.
type outcome struct {
	to    AppointmentStatus
	event EventType
	slots SlotStatus // the status every slot of the appointment gets; "" for no slot effects
}

// allowedMoves is the state table of docs/state-machine.md, written out by
// hand so that the test does not read the rules it checks.
var allowedMoves = map[Action]map[AppointmentStatus]outcome{
	ActionHold: {
		AppointmentProposed: {AppointmentPending, EventHeld, SlotBusyTentative},
		AppointmentWaitlist: {AppointmentPending, EventHeld, SlotBusyTentative},
	},
	ActionBook: {
		AppointmentProposed: {AppointmentBooked, EventBooked, SlotBusy},
		AppointmentPending:  {AppointmentBooked, EventBooked, SlotBusy},
		AppointmentWaitlist: {AppointmentBooked, EventBooked, SlotBusy},
	},
	ActionConfirm: {
		AppointmentPending: {AppointmentBooked, EventConfirmed, SlotBusy},
	},
	// The fixture's response: the practitioner accepts.
	ActionRespond: {
		AppointmentProposed: {AppointmentProposed, EventResponded, ""},
		AppointmentPending:  {AppointmentBooked, EventConfirmed, SlotBusy},
		AppointmentWaitlist: {AppointmentWaitlist, EventResponded, ""},
		AppointmentBooked:   {AppointmentBooked, EventResponded, ""},
	},
	ActionReschedule: {
		AppointmentBooked: {AppointmentBooked, EventRescheduled, ""}, // slot effects checked separately
	},
	ActionCancel: {
		AppointmentProposed:  {AppointmentCancelled, EventCancelled, ""},
		AppointmentWaitlist:  {AppointmentCancelled, EventCancelled, ""},
		AppointmentPending:   {AppointmentCancelled, EventCancelled, SlotFree},
		AppointmentBooked:    {AppointmentCancelled, EventCancelled, SlotFree},
		AppointmentArrived:   {AppointmentCancelled, EventCancelled, SlotFree},
		AppointmentCheckedIn: {AppointmentCancelled, EventCancelled, SlotFree},
	},
	ActionExpireHold: {
		AppointmentPending: {AppointmentCancelled, EventHoldExpired, SlotFree},
	},
	ActionCheckIn: {
		AppointmentBooked:  {AppointmentCheckedIn, EventCheckedIn, ""},
		AppointmentArrived: {AppointmentCheckedIn, EventCheckedIn, ""},
	},
	ActionArrive: {
		AppointmentBooked: {AppointmentArrived, EventArrived, ""},
	},
	ActionNoShow: {
		AppointmentBooked: {AppointmentNoShow, EventNoShow, ""},
	},
	ActionFulfil: {
		AppointmentBooked:    {AppointmentFulfilled, EventFulfilled, ""},
		AppointmentArrived:   {AppointmentFulfilled, EventFulfilled, ""},
		AppointmentCheckedIn: {AppointmentFulfilled, EventFulfilled, ""},
	},
	ActionWaitlist: {
		AppointmentProposed: {AppointmentWaitlist, EventWaitlisted, ""},
	},
	ActionPropose: {
		AppointmentWaitlist: {AppointmentProposed, EventProposed, ""},
	},
	ActionEnterInError: {
		AppointmentProposed:  {AppointmentEnteredInError, EventEnteredInError, ""},
		AppointmentPending:   {AppointmentEnteredInError, EventEnteredInError, SlotFree},
		AppointmentBooked:    {AppointmentEnteredInError, EventEnteredInError, SlotFree},
		AppointmentArrived:   {AppointmentEnteredInError, EventEnteredInError, SlotFree},
		AppointmentFulfilled: {AppointmentEnteredInError, EventEnteredInError, SlotFree},
		AppointmentCancelled: {AppointmentEnteredInError, EventEnteredInError, ""},
		AppointmentNoShow:    {AppointmentEnteredInError, EventEnteredInError, SlotFree},
		AppointmentCheckedIn: {AppointmentEnteredInError, EventEnteredInError, SlotFree},
		AppointmentWaitlist:  {AppointmentEnteredInError, EventEnteredInError, ""},
	},
}

var cancelReason = Concept("http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "prov", "Provider")

// changeFor returns a valid change for action, as the table test applies it.
func changeFor(action Action) Change {
	c := Change{Action: action, At: at}
	switch action {
	case ActionHold:
		c.HeldUntil = at.Add(15 * time.Minute)
	case ActionRespond:
		c.Response = &AppointmentResponse{Appointment: Ref("Appointment", "a1"),
			Actor: &Reference{Reference: "Practitioner/d1"}, ParticipantStatus: ParticipationAccepted}
	case ActionReschedule:
		c.Start, c.End = t0.Add(time.Hour), t0.Add(90*time.Minute)
		c.Slots = []Reference{Ref("Slot", "s2"), Ref("Slot", "s3")}
	case ActionCancel, ActionNoShow:
		r := cancelReason
		c.Reason = &r
	case ActionExpireHold:
		c.At = at.Add(time.Hour) // after the fixture's heldUntil
	case ActionWaitlist:
		c.RequestedPeriod = []Period{{Start: t0, End: t0.Add(7 * 24 * time.Hour)}}
	}
	return c
}

func TestApplyEveryStatusAndAction(t *testing.T) {
	for _, action := range Actions() {
		for _, from := range AppointmentStatuses() {
			t.Run(string(action)+"/from-"+string(from), func(t *testing.T) {
				in, c := fixture(from), changeFor(action)
				inBefore, cBefore := fixture(from), changeFor(action)
				tr, err := Apply(in, c)
				if diff := cmp.Diff(inBefore, in); diff != "" {
					t.Fatalf("Apply changed its input appointment (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff(cBefore, c); diff != "" {
					t.Fatalf("Apply changed its change (-before +after):\n%s", diff)
				}
				want, allowed := allowedMoves[action][from]
				if got := Allowed(from, action); got != allowed {
					t.Errorf("Allowed(%s, %s) = %v, want %v", from, action, got, allowed)
				}
				if !allowed {
					if !errors.Is(err, ErrInvalidTransition) {
						t.Fatalf("Apply = %v, want ErrInvalidTransition", err)
					}
					if msg := err.Error(); !strings.Contains(msg, string(action)) || !strings.Contains(msg, "from "+string(from)) {
						t.Errorf("error %q does not name the action %s and the status %s", msg, action, from)
					}
					if !cmp.Equal(tr, Transition{}) {
						t.Errorf("a refused change returned a non-zero Transition: %+v", tr)
					}
					return
				}
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				assertNoAlias(t, "result vs input", tr, in)
				assertNoAlias(t, "result vs change", tr, c)
				assertNoAlias(t, "appointment vs event appointment", tr.Appointment, tr.Event.Appointment)
				if diff := cmp.Diff(tr.Appointment, tr.Event.Appointment); diff != "" {
					t.Errorf("event appointment differs from the result (-result +event):\n%s", diff)
				}
				if err := tr.Appointment.Validate(); err != nil {
					t.Errorf("result is invalid: %v", err)
				}

				got := tr.Appointment
				if got.Status != want.to {
					t.Errorf("status = %s, want %s", got.Status, want.to)
				}
				wantEvent := Event{Type: want.event, AppointmentID: "a1", At: c.At, From: from, To: want.to,
					Appointment: got}
				if action == ActionReschedule {
					wantEvent.OldStart, wantEvent.OldEnd = in.Start, in.End
				}
				if diff := cmp.Diff(wantEvent, tr.Event); diff != "" {
					t.Errorf("event (-want +got):\n%s", diff)
				}

				var wantSlots []SlotEffect
				switch {
				case action == ActionReschedule:
					wantSlots = []SlotEffect{{Ref("Slot", "s1"), SlotFree}, {Ref("Slot", "s2"), SlotBusy},
						{Ref("Slot", "s3"), SlotBusy}}
				case want.slots != "":
					for _, s := range in.Slot {
						wantSlots = append(wantSlots, SlotEffect{s, want.slots})
					}
				}
				if diff := cmp.Diff(wantSlots, tr.Slots); diff != "" {
					t.Errorf("slot effects (-want +got):\n%s", diff)
				}

				// Participants: book and confirm accept everyone who has not
				// answered; a response sets the responder's status; nothing
				// else touches them.
				wantParts := in.Clone().Participant
				switch {
				case action == ActionBook || action == ActionConfirm || (action == ActionRespond && want.to == AppointmentBooked && from == AppointmentPending):
					for i := range wantParts {
						if wantParts[i].Status == ParticipationNeedsAction {
							wantParts[i].Status = ParticipationAccepted
						}
					}
					if action == ActionRespond {
						wantParts[2].Status = ParticipationNeedsAction // optional: a response answers for one only
					}
				case action == ActionRespond:
					wantParts[1].Status = ParticipationAccepted
				}
				if diff := cmp.Diff(wantParts, got.Participant); diff != "" {
					t.Errorf("participants (-want +got):\n%s", diff)
				}
				if got.Participant[0].Actor.Reference != "Patient/p1" {
					t.Errorf("patient participant replaced: %+v", got.Participant[0])
				}

				// Fields each action owns.
				if want.to == AppointmentPending {
					if !got.HeldUntil.Equal(c.HeldUntil) {
						t.Errorf("heldUntil = %v, want %v", got.HeldUntil, c.HeldUntil)
					}
				} else if !got.HeldUntil.IsZero() {
					t.Errorf("heldUntil = %v, want cleared outside pending", got.HeldUntil)
				}
				switch {
				case action == ActionCancel || action == ActionNoShow:
					if got.CancelationReason == nil || !got.CancelationReason.HasCode("", "prov") {
						t.Errorf("cancelationReason = %+v, want the change's reason", got.CancelationReason)
					}
				case want.to == AppointmentCancelled || want.to == AppointmentNoShow:
				default:
					if got.CancelationReason != nil {
						t.Errorf("cancelationReason = %+v outside cancelled/noshow", got.CancelationReason)
					}
				}
				switch action {
				case ActionReschedule:
					if !got.Start.Equal(c.Start) || !got.End.Equal(c.End) || !cmp.Equal(got.Slot, c.Slots) {
						t.Errorf("rescheduled to %v-%v %v, want %v-%v %v", got.Start, got.End, got.Slot, c.Start, c.End, c.Slots)
					}
				case ActionWaitlist:
					if !cmp.Equal(got.RequestedPeriod, c.RequestedPeriod) {
						t.Errorf("requestedPeriod = %v, want %v", got.RequestedPeriod, c.RequestedPeriod)
					}
				default:
					if !got.Start.Equal(in.Start) || !got.End.Equal(in.End) || !cmp.Equal(got.Slot, in.Slot) {
						t.Errorf("time or slots changed by %s", action)
					}
				}
				if got.Comment != in.Comment || got.ID != in.ID || !cmp.Equal(got.ServiceType, in.ServiceType) {
					t.Errorf("%s changed fields it does not own", action)
				}
			})
		}
	}
}

// TestAllowedTableMatchesStandards checks the table against the
// from -> to pairs of standards.md §2.
func TestAllowedTableMatchesStandards(t *testing.T) {
	standard := map[AppointmentStatus][]AppointmentStatus{
		AppointmentProposed:  {AppointmentPending, AppointmentBooked, AppointmentCancelled, AppointmentWaitlist},
		AppointmentPending:   {AppointmentBooked, AppointmentCancelled},
		AppointmentWaitlist:  {AppointmentProposed, AppointmentPending, AppointmentBooked, AppointmentCancelled},
		AppointmentBooked:    {AppointmentBooked, AppointmentArrived, AppointmentCheckedIn, AppointmentNoShow, AppointmentCancelled, AppointmentFulfilled},
		AppointmentArrived:   {AppointmentCheckedIn, AppointmentFulfilled, AppointmentCancelled},
		AppointmentCheckedIn: {AppointmentFulfilled, AppointmentCancelled},
	}
	for _, from := range AppointmentStatuses() {
		reach := map[AppointmentStatus]bool{}
		for action, moves := range allowedMoves {
			if o, ok := moves[from]; ok {
				if action != ActionRespond || o.to != from { // a response that keeps the status is no transition
					reach[o.to] = true
				}
				if !Allowed(from, action) {
					t.Errorf("Allowed(%s, %s) = false", from, action)
				}
			}
		}
		// A required participant declining cancels from every status respond is allowed in.
		if Allowed(from, ActionRespond) {
			reach[AppointmentCancelled] = true
		}
		want := append([]AppointmentStatus{AppointmentEnteredInError}, standard[from]...)
		if from == AppointmentEnteredInError {
			want = nil
		}
		for _, to := range want {
			if !reach[to] {
				t.Errorf("%s -> %s is in standards.md §2 but no action leads there", from, to)
			}
			delete(reach, to)
		}
		for to := range reach {
			t.Errorf("%s -> %s is reachable but not in standards.md §2", from, to)
		}
		if from.IsTerminal() != (len(standard[from]) == 0) {
			t.Errorf("IsTerminal(%s) = %v", from, from.IsTerminal())
		}
	}
}

func TestApplyInvalidTransitionMessage(t *testing.T) {
	_, err := Apply(fixture(AppointmentFulfilled), Change{Action: ActionBook, At: at})
	const want = "invalid transition: book to booked from fulfilled (allowed from: proposed, pending, waitlist)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestApplyBadChange(t *testing.T) {
	noTime := fixture(AppointmentProposed)
	noTime.Start, noTime.End, noTime.Slot = time.Time{}, time.Time{}, nil
	badStatus := fixture(AppointmentBooked)
	badStatus.Status = "done"
	tests := []struct {
		name string
		a    Appointment
		c    Change
		want string
	}{
		{"unknown action", fixture(AppointmentBooked), Change{Action: "delete", At: at}, `unknown action "delete"`},
		{"no time of change", fixture(AppointmentBooked), Change{Action: ActionArrive}, "At is required"},
		{"invalid status", badStatus, Change{Action: ActionArrive, At: at}, `status "done" is not one of`},
		{"hold without heldUntil", fixture(AppointmentProposed), Change{Action: ActionHold, At: at}, "heldUntil must be after"},
		{"hold in the past", fixture(AppointmentProposed), Change{Action: ActionHold, At: at, HeldUntil: at}, "heldUntil must be after"},
		{"hold without a time", noTime, Change{Action: ActionHold, At: at, HeldUntil: at.Add(time.Minute)}, "start: required when status is pending (app-3)"},
		{"book without a time", noTime, Change{Action: ActionBook, At: at}, "start: required when status is booked (app-3)"},
		{"book with only a start", noTime, Change{Action: ActionBook, At: at, Start: t0}, "end: required when start is set (app-2)"},
		{"book a hold at another time", fixture(AppointmentPending), Change{Action: ActionBook, At: at, Start: t0, End: t0.Add(time.Hour)}, "cannot change the time"},
		{"reschedule without a time", fixture(AppointmentBooked), Change{Action: ActionReschedule, At: at}, "start and end are required"},
		{"reschedule backwards", fixture(AppointmentBooked), Change{Action: ActionReschedule, At: at, Start: t0, End: t0}, "end: must be after start"},
		{"respond without response", fixture(AppointmentBooked), Change{Action: ActionRespond, At: at}, "response is required"},
		{"respond with invalid response", fixture(AppointmentBooked), Change{Action: ActionRespond, At: at,
			Response: &AppointmentResponse{Appointment: Ref("Appointment", "a1"), Actor: &Reference{Reference: "Practitioner/d1"}}},
			"response: invalid: participantStatus: required"},
		{"respond for another appointment", fixture(AppointmentBooked), Change{Action: ActionRespond, At: at,
			Response: &AppointmentResponse{Appointment: Ref("Appointment", "zz"), Actor: &Reference{Reference: "Practitioner/d1"},
				ParticipantStatus: ParticipationAccepted}}, "the response is for Appointment/zz, not Appointment/a1"},
		{"respond by a stranger", fixture(AppointmentBooked), Change{Action: ActionRespond, At: at,
			Response: &AppointmentResponse{Appointment: Ref("Appointment", "a1"), Actor: &Reference{Reference: "Practitioner/other"},
				ParticipantStatus: ParticipationAccepted}}, "no participant of the appointment matches the response's actor Practitioner/other"},
		{"respond by an unknown type", fixture(AppointmentBooked), Change{Action: ActionRespond, At: at,
			Response: &AppointmentResponse{Appointment: Ref("Appointment", "a1"), ParticipantType: []CodeableConcept{Concept("", "SPRF", "")},
				ParticipantStatus: ParticipationAccepted}}, "matches the response's participantType SPRF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Apply(tt.a, tt.c)
			if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrInvalidTransition) {
				t.Fatalf("err = %v, want ErrInvalid only", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if !cmp.Equal(tr, Transition{}) {
				t.Errorf("refused change returned %+v", tr)
			}
		})
	}
}

func TestApplySetsTimeOfOffer(t *testing.T) {
	a := fixture(AppointmentWaitlist)
	a.Start, a.End, a.Slot = time.Time{}, time.Time{}, nil
	slots := []Reference{Ref("Slot", "s9")}
	tr, err := Apply(a, Change{Action: ActionPropose, At: at, Start: t0, End: t0.Add(time.Hour), Slots: slots})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Appointment.Start.Equal(t0) || !cmp.Equal(tr.Appointment.Slot, slots) || tr.Slots != nil {
		t.Fatalf("propose: got %v %v effects %v", tr.Appointment.Start, tr.Appointment.Slot, tr.Slots)
	}
	tr, err = Apply(tr.Appointment, Change{Action: ActionHold, At: at, HeldUntil: at.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	want := []SlotEffect{{Ref("Slot", "s9"), SlotBusyTentative}}
	if diff := cmp.Diff(want, tr.Slots); diff != "" {
		t.Fatalf("hold effects (-want +got):\n%s", diff)
	}
	// A waitlisted appointment without a time books straight onto one.
	tr, err = Apply(a, Change{Action: ActionBook, At: at, Start: t0, End: t0.Add(time.Hour), Slots: slots})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Appointment.Status != AppointmentBooked || !tr.Appointment.End.Equal(t0.Add(time.Hour)) {
		t.Fatalf("book: got %s %v", tr.Appointment.Status, tr.Appointment.End)
	}
}

func TestApplyExpiredHold(t *testing.T) {
	hold := fixture(AppointmentPending) // held until at+10m
	later := hold.HeldUntil             // expiry is inclusive: at HeldUntil the hold has lapsed
	for _, action := range []Action{ActionBook, ActionConfirm, ActionRespond} {
		c := changeFor(action)
		c.At = later
		_, err := Apply(hold, c)
		if !errors.Is(err, ErrHoldExpired) || errors.Is(err, ErrInvalidTransition) {
			t.Errorf("%s on an expired hold: err = %v, want ErrHoldExpired", action, err)
		}
	}
	for _, action := range []Action{ActionCancel, ActionExpireHold, ActionEnterInError} {
		c := changeFor(action)
		c.At = later
		if _, err := Apply(hold, c); err != nil {
			t.Errorf("%s on an expired hold: %v", action, err)
		}
	}
	// A live hold cannot be expired; a pending request without heldUntil is no hold.
	if _, err := Apply(hold, Change{Action: ActionExpireHold, At: at}); !errors.Is(err, ErrInvalidTransition) ||
		!strings.Contains(err.Error(), "held until") {
		t.Errorf("expire a live hold: err = %v", err)
	}
	request := fixture(AppointmentPending)
	request.HeldUntil = time.Time{}
	if _, err := Apply(request, Change{Action: ActionExpireHold, At: later}); !errors.Is(err, ErrInvalidTransition) ||
		!strings.Contains(err.Error(), "not a hold") {
		t.Errorf("expire a request: err = %v", err)
	}
	// A pending request (no heldUntil) can be confirmed at any time.
	if _, err := Apply(request, Change{Action: ActionConfirm, At: later.Add(24 * time.Hour)}); err != nil {
		t.Errorf("confirm a request: %v", err)
	}
	if !hold.HoldExpired(later) || hold.HoldExpired(at) || hold.Occupies(later) || !hold.Occupies(at) || !request.Occupies(later) {
		t.Errorf("HoldExpired/Occupies disagree with the hold's heldUntil")
	}
}

func respondChange(actor *Reference, types []CodeableConcept, status ParticipationStatus) Change {
	return Change{Action: ActionRespond, At: at, Response: &AppointmentResponse{
		Appointment: Reference{Reference: "https://ehr.example/fhir/Appointment/a1"}, Actor: actor, ParticipantType: types,
		ParticipantStatus: status, Start: t0, End: t0.Add(20 * time.Minute)}}
}

func TestApplyRespond(t *testing.T) {
	attender := []CodeableConcept{Concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "ATND", "")}
	tests := []struct {
		name      string
		from      AppointmentStatus
		c         Change
		who       int
		to        AppointmentStatus
		event     EventType
		slots     SlotStatus
		partState ParticipationStatus
	}{
		{"required decline cancels a booked one", AppointmentBooked,
			respondChange(&Reference{Reference: "Practitioner/d1"}, nil, ParticipationDeclined), 1, AppointmentCancelled, EventCancelled, SlotFree, ParticipationDeclined},
		{"required decline cancels a hold", AppointmentPending,
			respondChange(&Reference{Reference: "Practitioner/d1/_history/4"}, nil, ParticipationDeclined), 1, AppointmentCancelled, EventCancelled, SlotFree, ParticipationDeclined},
		{"required decline cancels a proposal without slot effects", AppointmentProposed,
			respondChange(&Reference{Reference: "Practitioner/d1"}, nil, ParticipationDeclined), 1, AppointmentCancelled, EventCancelled, "", ParticipationDeclined},
		{"the patient declining cancels", AppointmentWaitlist,
			respondChange(&Reference{Reference: "Patient/p1"}, nil, ParticipationDeclined), 0, AppointmentCancelled, EventCancelled, "", ParticipationDeclined},
		{"optional decline is recorded only", AppointmentBooked,
			respondChange(nil, attender, ParticipationDeclined), 2, AppointmentBooked, EventResponded, "", ParticipationDeclined},
		{"tentative keeps pending", AppointmentPending,
			respondChange(&Reference{Reference: "Practitioner/d1"}, nil, ParticipationTentative), 1, AppointmentPending, EventResponded, "", ParticipationTentative},
		{"matched by type when there is no actor", AppointmentPending,
			respondChange(nil, attender, ParticipationAccepted), 2, AppointmentPending, EventResponded, "", ParticipationAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture(tt.from)
			tr, err := Apply(in, tt.c)
			if err != nil {
				t.Fatal(err)
			}
			got := tr.Appointment
			if got.Status != tt.to || tr.Event.Type != tt.event {
				t.Errorf("got %s/%s, want %s/%s", got.Status, tr.Event.Type, tt.to, tt.event)
			}
			p := got.Participant[tt.who]
			if p.Status != tt.partState || p.Period == nil || !p.Period.End.Equal(t0.Add(20*time.Minute)) {
				t.Errorf("participant %d = %+v", tt.who, p)
			}
			var want []SlotEffect
			if tt.slots != "" {
				want = []SlotEffect{{Ref("Slot", "s1"), tt.slots}, {Ref("Slot", "s2"), tt.slots}}
			}
			if diff := cmp.Diff(want, tr.Slots); diff != "" {
				t.Errorf("slot effects (-want +got):\n%s", diff)
			}
			for i := range in.Participant {
				if i != tt.who && !cmp.Equal(in.Participant[i], got.Participant[i]) {
					t.Errorf("participant %d changed", i)
				}
			}
		})
	}
	for _, from := range []AppointmentStatus{AppointmentArrived, AppointmentCheckedIn, AppointmentFulfilled,
		AppointmentCancelled, AppointmentNoShow, AppointmentEnteredInError} {
		if _, err := Apply(fixture(from), changeFor(ActionRespond)); !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("respond from %s: err = %v, want ErrInvalidTransition", from, err)
		}
	}
}

func TestApplyRespondByIdentifier(t *testing.T) {
	a := fixture(AppointmentPending)
	a.Participant[1].Actor = &Reference{Identifier: &Identifier{System: "urn:npi", Value: "123"}}
	tr, err := Apply(a, respondChange(&Reference{Identifier: &Identifier{System: "urn:npi", Value: "123"}}, nil, ParticipationAccepted))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Appointment.Status != AppointmentBooked || tr.Event.Type != EventConfirmed {
		t.Fatalf("got %s/%s, want booked/confirmed", tr.Appointment.Status, tr.Event.Type)
	}
}

func TestRescheduleOntoOwnTime(t *testing.T) {
	a := fixture(AppointmentBooked)
	tr, err := Apply(a, Change{Action: ActionReschedule, At: at, Start: a.Start.Add(15 * time.Minute),
		End: a.End.Add(15 * time.Minute), Slots: []Reference{{Reference: "https://x.example/fhir/Slot/s2"}}})
	if err != nil {
		t.Fatal(err)
	}
	// s2 stays (the absolute reference names the same slot): only s1 is freed.
	want := []SlotEffect{{Ref("Slot", "s1"), SlotFree}, {Reference{Reference: "https://x.example/fhir/Slot/s2"}, SlotBusy}}
	if diff := cmp.Diff(want, tr.Slots); diff != "" {
		t.Fatalf("slot effects (-want +got):\n%s", diff)
	}
	if !tr.Event.OldStart.Equal(a.Start) || !tr.Event.OldEnd.Equal(a.End) {
		t.Errorf("event old time = %v-%v", tr.Event.OldStart, tr.Event.OldEnd)
	}
}

func TestCheckUpdate(t *testing.T) {
	old := fixture(AppointmentBooked)
	edit := func(f func(*Appointment)) Appointment { a := old.Clone(); f(&a); return a }
	tests := []struct {
		name    string
		updated Appointment
		want    error
	}{
		{"comment", edit(func(a *Appointment) { a.Comment = "fasting" }), nil},
		{"add an interpreter", edit(func(a *Appointment) {
			a.Participant = append(a.Participant, Participant{Actor: &Reference{Reference: "RelatedPerson/r1"}, Status: ParticipationNeedsAction})
		}), nil},
		{"patient display and period", edit(func(a *Appointment) {
			a.Participant[0].Actor.Display = "Ada L."
			a.Participant[0].Period = &Period{Start: t0, End: t0.Add(time.Minute)}
		}), nil},
		{"same slots spelled absolute", edit(func(a *Appointment) { a.Slot[0] = Reference{Reference: "https://x/Slot/s1"} }), nil},
		{"another patient", edit(func(a *Appointment) { a.Participant[0].Actor = &Reference{Reference: "Patient/p2"} }), ErrPatientImmutable},
		{"patient removed", edit(func(a *Appointment) { a.Participant = a.Participant[1:] }), ErrPatientImmutable},
		{"second patient", edit(func(a *Appointment) {
			a.Participant = append(a.Participant, Participant{Actor: &Reference{Reference: "Patient/p2"}, Status: ParticipationAccepted})
		}), ErrPatientImmutable},
		{"patient status", edit(func(a *Appointment) { a.Participant[0].Status = ParticipationDeclined }), ErrPatientImmutable},
		{"patient required", edit(func(a *Appointment) { a.Participant[0].Required = ParticipantRequiredOptional }), ErrPatientImmutable},
		{"status", edit(func(a *Appointment) { a.Status = AppointmentArrived }), ErrInvalidTransition},
		{"start and end", edit(func(a *Appointment) { a.Start, a.End = a.Start.Add(time.Hour), a.End.Add(time.Hour) }), ErrInvalidTransition},
		{"slots", edit(func(a *Appointment) { a.Slot = a.Slot[:1] }), ErrInvalidTransition},
		{"id", edit(func(a *Appointment) { a.ID = "a2" }), ErrInvalid},
		{"invalid result", edit(func(a *Appointment) { p := -1; a.Priority = &p }), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.updated.Clone()
			err := CheckUpdate(old, tt.updated)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("CheckUpdate = %v, want %v", err, tt.want)
			}
			if tt.want == ErrPatientImmutable && errors.Is(err, ErrInvalidTransition) {
				t.Errorf("ErrPatientImmutable must not wrap ErrInvalidTransition")
			}
			if !cmp.Equal(before, tt.updated) || !cmp.Equal(old, fixture(AppointmentBooked)) {
				t.Errorf("CheckUpdate changed its input")
			}
			tr, uerr := Update(old, tt.updated, at)
			if (uerr == nil) != (err == nil) {
				t.Fatalf("Update = %v, CheckUpdate = %v", uerr, err)
			}
			if uerr == nil {
				if tr.Event.Type != EventUpdated || tr.Slots != nil || !cmp.Equal(tr.Appointment, tt.updated) {
					t.Errorf("Update = %+v", tr)
				}
				assertNoAlias(t, "update result vs input", tr, tt.updated)
			}
		})
	}
	if _, err := Update(old, old, time.Time{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Update without a time: %v", err)
	}
}

func TestStatusHelpers(t *testing.T) {
	occupies := map[AppointmentStatus]bool{AppointmentPending: true, AppointmentBooked: true, AppointmentArrived: true,
		AppointmentCheckedIn: true, AppointmentNoShow: true, AppointmentFulfilled: true}
	for _, s := range AppointmentStatuses() {
		if s.OccupiesSlots() != occupies[s] {
			t.Errorf("%s.OccupiesSlots() = %v", s, s.OccupiesSlots())
		}
	}
	for _, a := range Actions() {
		if !a.Valid() || len(AllowedFrom(a)) == 0 {
			t.Errorf("action %s: Valid %v, AllowedFrom %v", a, a.Valid(), AllowedFrom(a))
		}
	}
	if Action("x").Valid() || AllowedFrom("x") != nil || Allowed(AppointmentBooked, "x") {
		t.Errorf("unknown action accepted")
	}
}

// A hold placed before the patient was known may be given its patient; from
// then on the patient is fixed.
func TestCheckUpdateSetsTheFirstPatient(t *testing.T) {
	old := fixture(AppointmentPending)
	old.Participant = slices.DeleteFunc(old.Participant, func(p Participant) bool {
		return p.Actor != nil && p.Actor.IsType("Patient")
	})
	if old.PatientIndex() >= 0 {
		t.Fatal("fixture still has a patient")
	}
	withPatient := old.Clone()
	withPatient.Participant = append(withPatient.Participant,
		Participant{Actor: &Reference{Reference: "Patient/p9"}, Status: ParticipationAccepted})
	if err := CheckUpdate(old, withPatient); err != nil {
		t.Fatalf("setting the first patient: %v", err)
	}
	other := withPatient.Clone()
	other.Participant[len(other.Participant)-1].Actor = &Reference{Reference: "Patient/p10"}
	if err := CheckUpdate(withPatient, other); !errors.Is(err, ErrPatientImmutable) {
		t.Fatalf("changing the patient once set: %v, want ErrPatientImmutable", err)
	}
	if err := CheckUpdate(withPatient, old); !errors.Is(err, ErrPatientImmutable) {
		t.Fatalf("removing the patient once set: %v, want ErrPatientImmutable", err)
	}
}
