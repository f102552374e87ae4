// Package scheduling is the domain model of openslot and its booking state
// machine: FHIR R4-aligned Go types for appointments and the resources around
// them, strict code sets, validation of the R4 invariants, and the life cycle
// of an appointment as pure functions. It imports nothing else of openslot;
// every other package builds on it.
//
// # The model
//
// The resources follow FHIR R4 (4.0.1) element by element, with Go names:
//
//   - Appointment, AppointmentResponse: a booking and a participant's answer.
//   - Slot, Schedule: bookable time and the calendar it belongs to. A
//     Schedule carries openslot's Availability (recurring rules, FHIR
//     availableTime, overrides, blocks) and SlotPolicy, which package
//     availability turns into free slots.
//   - Organization, Location, HealthcareService, Practitioner,
//     PractitionerRole, Patient, Device: the actors.
//
// Every resource embeds Meta (id, version, last updated). Values that R4 has
// no element for (Appointment.HeldUntil, PaymentMode, Channel, WorkType,
// SourceSystem; Schedule.Availability and Policy) travel in FHIR as
// extensions whose URLs are the Ext* constants of this package.
// Extensions the model does not know are kept in Extension, and FHIR
// elements it does not represent in Unmapped, so a resource that arrives as
// FHIR leaves the same. docs/vendor-mapping.md maps the two vendor APIs of
// the seed documents onto the model.
//
// Coded values with a required binding are typed strings
// (AppointmentStatus, SlotStatus, ParticipationStatus, ParticipantRequired,
// DayOfWeek), each with a list of its values (AppointmentStatuses, ...), a
// Valid method and a Parse function that rejects anything else. Instants are
// time.Time; wall-clock values are Date and TimeOfDay, read in a schedule's
// IANA time zone. Period is a half-open range [Start, End) whose zero bounds
// are open.
//
// Clone on each resource returns a deep copy sharing no memory with the
// original; stores use it so that callers never alias stored data.
//
// # Validation
//
// Validate on each resource checks the R4 cardinalities, required bindings
// and invariants (app-1 to app-4 with noshow allowed for app-4, apr-1, start
// before end, org-1 to org-3, cpt-2, ext-1 on kept extensions, well-formed
// references of allowed types) and returns every problem at once as a
// *ValidationError. Each Issue names the element by its FHIR path:
//
//	invalid: end: must be after start; participant[1].status: required
//
// errors.Is(err, ErrInvalid) is true for it.
//
// # The state machine
//
// Apply(appointment, change) computes one change of an appointment's life
// cycle: hold, book, confirm, respond, reschedule, cancel, expire-hold,
// check-in, arrive, no-show, fulfil, waitlist, propose, enter-in-error. It
// returns a Transition with the new appointment, the status each affected
// slot should get and the Event to record, or an error; it never modifies
// its arguments and its result shares no memory with them.
//
//	proposed    ─hold▶ pending  ─book▶ booked  ─waitlist▶ waitlist  ─cancel▶ cancelled
//	waitlist    ─propose▶ proposed  ─hold▶ pending  ─book▶ booked  ─cancel▶ cancelled
//	pending     ─book, confirm▶ booked  ─cancel, expire-hold▶ cancelled
//	booked      ─reschedule▶ booked  ─arrive▶ arrived  ─check-in▶ checked-in
//	            ─no-show▶ noshow  ─fulfil▶ fulfilled  ─cancel▶ cancelled
//	arrived     ─check-in▶ checked-in  ─fulfil▶ fulfilled  ─cancel▶ cancelled
//	checked-in  ─fulfil▶ fulfilled  ─cancel▶ cancelled
//	any status but entered-in-error  ─enter-in-error▶ entered-in-error
//	(respond, from proposed, pending, waitlist, booked: see below)
//
// fulfilled, cancelled, noshow and entered-in-error are terminal.
//
// Allowed(from, action) answers whether a status permits an action;
// docs/state-machine.md has the full table with the slot and participant
// effects and the event of each action. The rules in brief:
//
//   - A hold (pending with HeldUntil) lapses at HeldUntil. Appointment.Occupies
//     is false for an expired hold, so it blocks nobody even before
//     ActionExpireHold runs; booking, confirming or answering it returns
//     ErrHoldExpired.
//   - Book and confirm accept every participant who has not answered. A
//     response sets its participant's status; a required participant
//     declining cancels the appointment, and a pending appointment whose
//     required participants have all accepted becomes booked.
//   - Reschedule keeps the appointment's identity: old slots become free, new
//     ones busy, and the event carries the old time.
//   - The patient participant never changes once set: CheckUpdate refuses an
//     update of it with ErrPatientImmutable (an appointment without a patient,
//     such as a hold placed for a slot, may be given one), and refuses changes
//     of status, time and slots, which go through Apply.
//
// # Errors
//
// The package's sentinels are ErrInvalid (bad input, including
// *ValidationError), ErrInvalidTransition (a status that does not allow the
// action; the message names the action, the target status, the current
// status and the statuses the action is allowed from), ErrHoldExpired and
// ErrPatientImmutable. Check them with errors.Is.
package scheduling
