package main

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store/pgstore"
	"github.com/openslot/openslot/store/pgstore/pgtest"
)

// TestWorkflow follows seed 004 from start to finish on the in-memory
// store: add a patient, search slots, book with a type and a payment mode,
// check in, read the appointment, reschedule (a follow-up visit: a checked-in
// one cannot move), edit details, cancel.
func TestWorkflow(t *testing.T) { testWorkflow(t, newTestAPI(t)) }

// TestWorkflowPostgres is the same workflow on PostgreSQL.
func TestWorkflowPostgres(t *testing.T) {
	testWorkflow(t, newTestAPIOn(t, pgstore.New(pgtest.Pool(t), nil)))
}

func testWorkflow(t *testing.T, a *testAPI) {
	// 1. Add the patient to the practice's directory.
	var patient patientResponse
	a.ok("POST", "/dr/v1/patient", map[string]any{"first_name": "Meera", "last_name": "Nair",
		"mobile": "+919800000002"}, http.StatusCreated, &patient)

	// 2. Search Dr. Rao's slots at Indiranagar for tomorrow.
	var slots slotsResponse
	a.ok("GET", slotsPath+"?start_date=2026-03-03&end_date=2026-03-03", nil, http.StatusOK, &slots)
	if len(slots.Days) != 1 || len(slots.Days[0].Slots) == 0 {
		t.Fatalf("no slots: %+v", slots)
	}
	slot := slots.Days[0].Slots[0]

	// 3. Book the first one, with an appointment type and a payment mode.
	var visit appointmentResponse
	a.ok("POST", bookPath, map[string]any{"doctor_id": demoDoctor, "clinic_id": demoClinic,
		"patient_id": patient.PatientID, "start_time": rfc(slot.StartTime), "appointment_type": "routine",
		"payment_mode": "upi", "notes": "first visit"}, http.StatusCreated, &visit)
	want := appointmentResponse{AppointmentID: visit.AppointmentID, Status: "booked", DoctorID: demoDoctor,
		ClinicID: demoClinic, PatientID: patient.PatientID, Patient: &patient, StartTime: at(3, 9, 0),
		EndTime: at(3, 9, 30), AppointmentType: "routine", PaymentMode: "upi", Notes: "first visit",
		Version: visit.Version}
	assertAppointment(t, "booked", visit, want)

	// 4. Check the patient in.
	var checkedIn appointmentResponse
	a.ok("PUT", apptPath+"check-in", map[string]any{"appointment_id": visit.AppointmentID}, http.StatusOK, &checkedIn)
	want.Status, want.Version = "checked-in", checkedIn.Version
	assertAppointment(t, "checked in", checkedIn, want)

	// 5. Read the appointment.
	var got appointmentResponse
	a.ok("GET", apptPath+visit.AppointmentID, nil, http.StatusOK, &got)
	assertAppointment(t, "read", got, want)
	if s := rfc(got.StartTime); s != "2026-03-03T09:00:00+05:30" {
		t.Errorf("start %s: want it in the clinic's zone, 2026-03-03T09:00:00+05:30", s)
	}

	// 6. Reschedule. A checked-in visit cannot move; the follow-up booked
	// for next week moves in one step and keeps its id.
	a.fails("PUT", bookPath, map[string]any{"appointment_id": visit.AppointmentID, "start_time": rfc(at(3, 11, 0))},
		http.StatusUnprocessableEntity, codeInvalidTransition, "")
	var followUp appointmentResponse
	a.ok("POST", bookPath, map[string]any{"doctor_id": demoDoctor, "clinic_id": demoClinic,
		"patient_id": patient.PatientID, "start_time": rfc(at(10, 10, 0)), "appointment_type": "followup",
		"payment_mode": "cash"}, http.StatusCreated, &followUp)
	var moved appointmentResponse
	a.ok("PUT", bookPath, map[string]any{"appointment_id": followUp.AppointmentID, "start_time": rfc(at(10, 10, 30))},
		http.StatusOK, &moved)
	if moved.AppointmentID != followUp.AppointmentID || moved.Status != "booked" ||
		!moved.StartTime.Equal(at(10, 10, 30)) || !moved.EndTime.Equal(at(10, 11, 0)) || moved.Version <= followUp.Version {
		t.Errorf("rescheduled %+v: want the same appointment at 10:30-11:00 with a new version", moved)
	}
	free := freeStarts(t, a, "2026-03-10")
	if !slices.Contains(free, "10:00") || slices.Contains(free, "10:30") {
		t.Errorf("after the move free slots are %v: want 10:00 freed and 10:30 taken", free)
	}
	// Moving it so that it overlaps its own old time works (one atomic step).
	a.ok("PUT", bookPath, map[string]any{"appointment_id": followUp.AppointmentID, "start_time": rfc(at(10, 10, 0)),
		"end_time": rfc(at(10, 11, 0))}, http.StatusOK, &moved)
	if !moved.StartTime.Equal(at(10, 10, 0)) || !moved.EndTime.Equal(at(10, 11, 0)) {
		t.Errorf("moved onto its own time: %v-%v", moved.StartTime, moved.EndTime)
	}

	// Edit details: the payment mode changes, the time does not.
	var edited appointmentResponse
	a.ok("PUT", bookPath, map[string]any{"appointment_id": followUp.AppointmentID, "payment_mode": "card",
		"notes": "bring reports"}, http.StatusOK, &edited)
	if edited.PaymentMode != "card" || edited.Notes != "bring reports" || edited.AppointmentType != "followup" ||
		!edited.StartTime.Equal(moved.StartTime) {
		t.Errorf("edited %+v", edited)
	}

	// 7. Cancel the follow-up: its time is free again.
	var cancelled appointmentResponse
	a.ok("PUT", apptPath+"cancel", map[string]any{"appointment_id": followUp.AppointmentID, "reason": "feeling better"},
		http.StatusOK, &cancelled)
	if cancelled.Status != "cancelled" || cancelled.CancelReason != "feeling better" {
		t.Errorf("cancelled %+v", cancelled)
	}
	if free := freeStarts(t, a, "2026-03-10"); !slices.Contains(free, "10:00") || !slices.Contains(free, "10:30") {
		t.Errorf("after the cancellation free slots are %v: want 10:00 and 10:30", free)
	}

	// The event log tells the same story, one event per change.
	events, err := a.sched.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []scheduling.EventType
	for _, e := range events {
		types = append(types, e.Type)
	}
	wantTypes := []scheduling.EventType{scheduling.EventBooked, scheduling.EventCheckedIn, scheduling.EventBooked,
		scheduling.EventRescheduled, scheduling.EventRescheduled, scheduling.EventUpdated, scheduling.EventCancelled}
	if !slices.Equal(types, wantTypes) {
		t.Errorf("events %v, want %v", types, wantTypes)
	}
	if len(events) == len(wantTypes) && !events[3].OldStart.Equal(at(10, 10, 0)) {
		t.Errorf("the reschedule event's old start is %v, want 10:00", events[3].OldStart)
	}
}

func assertAppointment(t *testing.T, step string, got, want appointmentResponse) {
	t.Helper()
	if got.AppointmentID == "" || got.Version == 0 {
		t.Errorf("%s: no id or version in %+v", step, got)
	}
	if (got.Patient == nil) != (want.Patient == nil) || (got.Patient != nil && *got.Patient != *want.Patient) {
		t.Errorf("%s: patient %+v, want %+v", step, got.Patient, want.Patient)
	}
	gotTimes, wantTimes := [2]time.Time{got.StartTime, got.EndTime}, [2]time.Time{want.StartTime, want.EndTime}
	if !gotTimes[0].Equal(wantTimes[0]) || !gotTimes[1].Equal(wantTimes[1]) {
		t.Errorf("%s: time %v-%v, want %v-%v", step, gotTimes[0], gotTimes[1], wantTimes[0], wantTimes[1])
	}
	got.Patient, want.Patient = nil, nil
	got.StartTime, got.EndTime, want.StartTime, want.EndTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("%s: appointment\n got %+v\nwant %+v", step, got, want)
	}
}

// freeStarts lists the local start times ("10:00") of Dr. Rao's free
// slots on date.
func freeStarts(t *testing.T, a *testAPI, date string) []string {
	t.Helper()
	var slots slotsResponse
	a.ok("GET", slotsPath+"?start_date="+date+"&end_date="+date, nil, http.StatusOK, &slots)
	var out []string
	for _, d := range slots.Days {
		for _, s := range d.Slots {
			out = append(out, s.StartTime.In(kolkata).Format("15:04"))
		}
	}
	return out
}
