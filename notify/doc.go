// Package notify tells the systems around a scheduler what changed: every
// event of the store's event log becomes a FHIR R4 message Bundle (see
// fhir.NewMessage), POSTed to webhooks with an HMAC signature, retried with
// backoff, dead-lettered when it cannot be delivered, in order and
// resumable; and booked appointments produce reminder events at
// configurable offsets before they start.
//
// # Wiring
//
// A Webhook is a subscriber of the root package's Dispatcher, which reads
// the event log from each subscriber's stored cursor:
//
//	hook, err := notify.NewWebhook(notify.WebhookOptions{
//		Name:   "ehr",                             // the dispatcher cursor's name
//		URL:    "https://ehr.example/openslot",    // where Bundles are POSTed
//		Secret: secret,                            // shared with the receiver
//		Source: "https://clinic.example/fhir",     // our FHIR base URL
//		Form:   fhir.MessageDetailed,              // or MessageLightweight
//		Store:  st,                                // for patient, practitioner, location...
//	})
//	d := openslot.NewDispatcher(st, &openslot.DispatcherOptions{
//		Holder: hostname, // stable per instance
//	})
//	d.Subscribe(hook.Name(), hook.Deliver)
//	go d.Run(ctx)
//
//	reminders, err := notify.NewReminders(st, notify.ReminderOptions{
//		Offsets: []notify.Offset{notify.DaysBefore(1), notify.Before(2 * time.Hour)},
//	})
//	go reminders.Run(ctx, time.Minute)
//
// # What a receiver gets
//
// POST with Content-Type application/fhir+json and the body a message
// Bundle: a MessageHeader (eventUri such as
// https://openslot.dev/fhir/events/appointment-booked, the coarse event
// booked/cancelled/updated in an extension, a reschedule's old time in the
// previous-period extension, focus on the Appointment), the Appointment, the
// Patient and, in the detailed form, the practitioners, locations, devices
// and slots. Package fhir documents the event URIs and both forms.
//
// Headers: Openslot-Signature (t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">; see Sign and Verify), Openslot-Event (the event type),
// Openslot-Delivery (<subscriber>-<cursor>, the same on every attempt) and
// Openslot-Attempt. Only the timestamp and the body are signed: the
// body's Bundle.id ("event-<cursor>") and MessageHeader.destination.name
// (the subscriber) are the signed form of the delivery id, and its
// eventUri that of the event type. A receiver verifies the raw body before
// parsing it, answers 2xx once it has stored the message, and drops a
// delivery id it has seen before:
//
//	body, _ := io.ReadAll(r.Body)
//	if err := notify.Verify(secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
//
// # Guarantees
//
//   - At least once: an event is acknowledged (the dispatcher's cursor moves
//     past it) only after a 2xx or a recorded dead letter. A crash between
//     the receiver's 2xx and the cursor write sends it again: receivers
//     deduplicate by Openslot-Delivery.
//   - In order: the dispatcher hands a subscriber one event at a time in
//     cursor order and Deliver returns only when the event is delivered or
//     dead-lettered, so the events of an appointment (indeed all events)
//     arrive in the order they were recorded. The price: a receiver that is
//     down holds its own subscriber back (not the others) for up to
//     MaxDeliveryTime per event. A dead letter sent again with
//     Webhook.Redeliver arrives after the events delivered since: order
//     an appointment's messages by its meta.versionId.
//   - Resumable: the cursor lives in the store, so a restarted process
//     resumes at the first unacknowledged event.
//   - Several instances: with a store that has leases (memstore, pgstore),
//     one dispatcher at a time serves a subscriber; it renews its lease
//     while a slow delivery runs. Give each instance a stable Holder so a
//     restarted instance takes its lease back at once.
//
// Retries: a network error, a timeout, 408, 409, 425, 429 or 5xx is retried
// after an exponential Backoff with jitter (1s, 2s, 4s, ... up to 5m by
// default; half of each wait random), up to MaxAttempts (8) of Timeout (10s)
// each. Retry-After is honoured: when such an answer carries it (seconds or
// an HTTP date), the wait is the longer of the backoff and the delay asked
// for, capped at Backoff.Max (5m by default). Any other 4xx means the
// receiver refused the message for good, whatever its Retry-After says; so
// does a 3xx the HTTP client does not follow (300, 304...) or follows with a
// bodiless GET (301, 302, 303): the message cannot arrive at that URL.
// Either way the event then becomes a DeadLetter: recorded by DeadLetters
// (by default in memory, logging only ids; implement the interface to keep
// them in a table), after which delivery moves on. Webhook.Redeliver sends
// a dead letter again.
//
// # Reminders
//
// Reminders records an EventReminder (a type of this package: package
// scheduling has none, since a reminder changes nothing) in the event log,
// under an idempotency key of appointment id, start and offset (ReminderKey),
// so it is delivered by the same webhooks, once, even with several
// instances; an appointment that moves gets fresh reminders and a cancelled
// one none. Offsets in days keep the wall clock across daylight-saving
// changes ("1 day before" an appointment at 09:00 is 09:00 the day before,
// in the appointment's zone); offsets in hours are elapsed time. See Offset
// and Reminders for the rules.
package notify
