// Command clinicapi is the clinic appointment API of seed 004 built on
// openslot: a practice's patient directory, doctors' free slots at its
// clinics, booking with an appointment type and a payment mode, check-in,
// reading, rescheduling and cancelling appointments. Copy it as the starting
// point of a product API; it uses the public packages (openslot,
// scheduling, availability, store and the two stores), and for its flags and
// HTTP serving examples/internal/serve, which the three HTTP examples share
// (copy it along, or serve the handler your own way).
//
// Run it with the in-memory store, or on PostgreSQL:
//
//	go run ./examples/clinicapi                       # 127.0.0.1:8081, in memory
//	go run ./examples/clinicapi -addr :9000 -postgres 'postgres://postgres@127.0.0.1:5432/clinic?sslmode=disable'
//	OPENSLOT_DATABASE_URL='postgres://...' go run ./examples/clinicapi
//
// It seeds a demo practice (two doctors at two clinics in Asia/Kolkata and
// one patient, ids in main.go), prints curl lines to try, and stops cleanly
// on SIGINT or SIGTERM.
//
// # Endpoints
//
//	POST /dr/v1/patient                                   add a patient to the directory -> 201
//	GET  /dr/v1/business/doctor/{doctor_id}/clinic/{clinic_id}/appointments/slots?start_date=&end_date=
//	                                                      free slots per day, in the clinic's zone
//	POST /dr/v1/business/doctor/appointments/slots/book   book (patient_id, or patient details) -> 201
//	PUT  /dr/v1/business/doctor/appointments/slots/book   reschedule (start_time) or edit details
//	PUT  /dr/v1/business/appointments/check-in            check the patient in
//	GET  /dr/v1/business/appointments/{appointment_id}    an appointment's details
//	PUT  /dr/v1/business/appointments/cancel              cancel (POST works too)
//
// A slot search takes any range of up to 366 days (the vendor API allowed
// only D to D+1); the doctor's booking horizon ends it early. Times are
// RFC 3339 with an offset. A booking may give end_time for an appointment
// that spans several consecutive slots; without it the slot length applies.
//
// Rescheduling is one atomic move that keeps the appointment's id (the
// vendor API deleted and re-created it): the old slot is freed and the new
// one taken in one transaction, so the move can never lose the old slot
// without getting the new one, and it may overlap its own old time. A PUT
// either moves the appointment or edits its appointment_type, payment_mode
// and notes, never both, so that each request is one change.
//
// Booking for a patient not yet in the directory adds the patient from the
// details in the request; when the booking then fails, the new entry is
// removed again.
//
// # Errors
//
// Every error is JSON:
//
//	{"error": {"code": "invalid_request", "message": "start_time: required", "field": "start_time"}}
//
// with these statuses and codes:
//
//	400 invalid_request        bad input; field names the member or query parameter
//	404 not_found              unknown doctor, clinic, patient, appointment or path
//	405 method_not_allowed     the Allow header lists the methods
//	409 slot_taken             the time is booked (or a concurrent booking won it)
//	409 slot_unavailable       the doctor does not offer the time: outside hours, off the
//	                           slot grid, inside the minimum notice or beyond the horizon
//	409 conflict               the appointment changed since it was read; read it again
//	413 request_too_large      a body over 64 KiB
//	415 unsupported_media_type a body that is not JSON
//	422 invalid_transition     the appointment's status does not allow the change
//	                           (checking in a cancelled one, moving a checked-in one)
package main
