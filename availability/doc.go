// Package availability turns recurring availability into bookable slots.
//
// A scheduling.Schedule carries its availability as data: RFC 5545
// recurrence rules with RDATE/EXDATE, FHIR R4 availableTime and
// notAvailable, date overrides, blocks, and a slot policy per schedule and
// service. Compile validates that data once and returns an immutable
// *Schedule that is safe for concurrent use. Search streams the free slots
// of a time range as an iter.Seq, and Check tells whether one booking fits:
//
//	s, err := availability.Compile(sched) // errors wrap ErrInvalidRule
//	search := s.Search(ctx, availability.Query{From: from, Now: now, Busy: busy})
//	for slot := range search.All() {
//		fmt.Println(slot.Start, slot.End, slot.Free)
//	}
//	if err := search.Err(); err != nil { ... }
//
// Search needs no upper bound: it works through local days in growing
// chunks (1, 2, 4, ... up to 32 days), asks the BusySource only for the
// chunk it is on, and stops as soon as the caller stops. An unbounded
// search ends at the booking horizon, the planning horizon, the last date a
// rule or override can yield, an open-ended block, or 2100-01-01.
//
// # Windows
//
// Every wall-clock value is read in the schedule's IANA time zone. The
// windows of a local date are its override's windows if it has an override
// (an override without windows closes the date), otherwise the union of
// every rule and availableTime that occurs on the date. A window whose end
// is at or before its start ends on the next day; a rule's Duration is
// wall-clock length. A window still applies past midnight even when the
// next date has an override. Overlapping and touching windows join, so a
// slot may span two adjacent windows. notAvailable periods, blocks and the
// time outside the schedule's PlanningHorizon are then cut out. An inactive
// schedule has no slots.
//
// Rules recur by day: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY, with
// INTERVAL, BYDAY (with ordinals such as 2MO or -1FR for MONTHLY and
// YEARLY), BYMONTHDAY, BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS, WKST, COUNT
// and UNTIL (read as a local date); BYHOUR, BYMINUTE and BYSECOND are
// refused because the window gives the times, and so are BYEASTER and the
// combinations RFC 5545 forbids (BYWEEKNO or BYYEARDAY without YEARLY,
// BYMONTHDAY with WEEKLY, an ordinal BYDAY with BYWEEKNO, BYSETPOS alone),
// as is an ordinal past 5 or -5 within a month (MONTHLY, or YEARLY with
// BYMONTH), which no month can match.
// StartDate is DTSTART; as in RFC 5545 implementations, StartDate itself
// occurs only if the rule yields it. EXDATE removes dates, RDATE adds them.
// An availableTime with no days of the week applies to every day; without
// start or end it runs from 00:00 or to 24:00.
//
// # Slots
//
// The slot policy (Schedule.Policy, or the ServicePolicy of the queried
// service, which replaces it as a whole) cuts windows into slots:
//
//   - Slot starts lie on a grid anchored at local midnight: midnight +
//     GridOffset + k*GridInterval in wall-clock time, so starts never drift
//     when something is booked. A slot is Duration long (elapsed time) and
//     must lie entirely inside open time.
//   - A slot needs [Start-BufferBefore, End+BufferAfter) to have capacity
//     left: at every instant of it the busy entries overlapping it must use
//     less than Capacity (Count units each). Slot.Free is what is left.
//     Buffers are checked against busy time only; they may reach outside
//     the window.
//   - With Query.Now set, a slot starts no earlier than Now+MinNotice and,
//     when Horizon is set, no later than Now+Horizon.
//   - MaxPerDay and MaxPerWeek count busy entries with Booking set by the
//     local date they start on (ISO weeks, Monday first); a slot on a day or
//     week at the limit is not offered.
//
// Defaults: Duration 30 minutes (DefaultDuration), GridInterval equal to
// Duration, Capacity 1. Durations are whole seconds; Duration and
// GridInterval are at least a minute and at most a day.
//
// Check applies exactly the same rules to one [start, end), so every slot
// Search yields passes Check and a slot-length booking that Check passes is
// one Search yields. Check also accepts a booking that covers consecutive
// grid slots (length Duration plus a whole number of GridIntervals).
//
// Services: Query.Service selects the ServicePolicy, the rules and the
// blocks scoped to that service (concepts match when they share a code
// with the same system, an empty system matching any). Unscoped rules and
// blocks always apply; a nil Service sees only those.
//
// # Busy time
//
// Busy time comes from a BusySource: appointments, live holds, explicit
// busy slots and external busy intervals alike. The caller decides which
// holds are live; an expired hold is simply not passed in. BusyList serves
// a fixed slice.
//
// # Daylight saving time
//
// Rules are wall-clock rules, and one policy applies everywhere:
//
//   - A wall-clock time that does not exist (a spring-forward gap) resolves
//     to the first instant after the gap: a window starting at 02:30 on the
//     day New York jumps from 02:00 to 03:00 starts at 03:00 EDT. Grid
//     starts that fall in the gap are skipped, so the slots of that day are
//     the wall times that exist.
//   - A wall-clock time that occurs twice (a fall-back overlap) resolves to
//     its first occurrence. Each wall-clock grid time yields at most one
//     slot, so the repeated hour never yields duplicate or overlapping
//     slots; a window ending after the overlap still covers it in full.
//   - Slot lengths are elapsed time: a 30-minute slot is 30 real minutes
//     even across a transition.
//
// The same holds for zones with 30-minute shifts (Australia/Lord_Howe) and
// for days that do not exist at all (Pacific/Apia skipped 2011-12-30: that
// date has no slots). Recurrence is expanded by day with rrule-go in UTC,
// so rrule-go never sees a transition.
//
// # Several resources
//
// AllOf finds slots where every member is free (a practitioner and a room
// and a device): the first member's slots are the candidates and every
// other member must have the time open, with its own buffers, notice,
// horizon, capacity and limits. AnyOf finds slots any one member can take
// and picks one by PreferenceOrder or LeastBooked. CheckAllOf is Check for
// an AllOf booking.
package availability
