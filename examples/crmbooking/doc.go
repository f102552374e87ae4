// Command crmbooking accepts the Book Appointment request of a CRM's health
// API (seed 001) and books it on openslot. Copy it as the starting point of
// an adapter between a CRM or call-centre product and openslot; it uses the
// public packages (openslot, scheduling, store and the two stores), and for
// its flags and HTTP serving examples/internal/serve, which the three HTTP
// examples share (copy it along, or serve the handler your own way).
//
// Run it with the in-memory store, or on PostgreSQL:
//
//	go run ./examples/crmbooking                       # 127.0.0.1:8082, in memory
//	go run ./examples/crmbooking -addr :9000 -postgres 'postgres://postgres@127.0.0.1:5432/crm?sslmode=disable'
//	OPENSLOT_DATABASE_URL='postgres://...' go run ./examples/crmbooking
//
// It seeds demo data (two facilities, two practitioners, an MRI scanner, two
// work types, two patients; ids in main.go), prints curl lines for a
// single-resource, a multi-resource and an external-slot booking, and stops
// cleanly on SIGINT or SIGTERM.
//
// # The request
//
//	POST /connect/health/appointment-management/appointment
//	{
//	  "startDate": "2026-03-03T15:00:00Z", "endDate": "2026-03-03T15:30:00Z",
//	  "workTypeId": "wt-consult", "channelId": "phone", "comment": "...",
//	  "participants": [
//	    {"reference": "Patient/pat-alex-morgan"},
//	    {"reference": "Facility/northside-imaging"},
//	    {"reference": "Practitioner/pr-jordan-lee", "isReferenceRequired": true}
//	  ]
//	}
//
// also takes timeZone, sourceSystem, appointmentTypes, serviceCategories,
// serviceTypes, specialties, description and slots, and maps every field onto
// the model as docs/vendor-mapping.md shows. The rules it enforces, each
// refused with a message naming the field:
//
//   - startDate and endDate are required, end after start; a date-time
//     without a UTC offset is read in timeZone (and refused without one):
//     a local time the clocks skip is refused, one they show twice is the
//     first of the two; timeZone is an IANA name;
//   - channelId is required; comment has at most 256 characters; channelId,
//     sourceSystem, codes and slot ids hold no control characters;
//   - participants: exactly one Patient and one Facility, and a Practitioner
//     or a Device ("Asset" is accepted as a name for a device) for a
//     single-resource appointment, one of each for a multi-resource one;
//   - the service is named by workTypeId or by at least one of
//     appointmentTypes, serviceCategories, serviceTypes; without workTypeId,
//     sourceSystem is required (the codes are that system's);
//   - slots of an external system require sourceSystem; each has an id and a
//     reference to the practitioner or device participant whose slot it is
//     ("<id>" or "Practitioner/<id>");
//   - every participant and the work type exist; the work type is offered at
//     the facility; each practitioner or device has a schedule there;
//   - the time is free and offered on every resource's schedule (hours, slot
//     grid, two hours' notice, 90 days' horizon).
//
// A multi-resource appointment is booked with one Scheduler.Book over both
// schedules: the practitioner and the device are both booked or neither is.
// An external slot is kept as an Appointment.slot reference by identifier
// (system = sourceSystem) with a slot-actor extension naming its
// participant; the practitioner's time is still booked on the local schedule
// so that the two systems cannot double-book it through this one.
//
// # The response
//
// It mirrors the CRM's Book Appointment output:
//
//	201 {"id": "…", "isSuccess": true, "status": "Scheduled", "errorMessages": []}
//	4xx {"id": "", "isSuccess": false, "status": "Rejected", "errorMessages": ["channelId: required", …]}
//
// Refusals list every problem found at once: 400 for a broken rule, 404 for
// an unknown participant or work type, 422 for a work type or resource the
// facility does not have, 409 for a time that is taken or not offered, 405,
// 413 and 415 for the wrong method, size or content type.
package main
