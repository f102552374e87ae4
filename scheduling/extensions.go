package scheduling

// ExtBase is the prefix of every FHIR extension openslot defines. The URLs
// are stable: they are part of the wire format.
const ExtBase = "https://openslot.dev/fhir/StructureDefinition/"

// The FHIR extensions that carry model fields R4 has no element for. Package
// fhir reads and writes them; docs/vendor-mapping.md shows where each vendor
// field lands.
const (
	// ExtPaymentMode carries Appointment.PaymentMode (valueCodeableConcept).
	ExtPaymentMode = ExtBase + "payment-mode"
	// ExtChannel carries Appointment.Channel (valueCodeableConcept).
	ExtChannel = ExtBase + "channel"
	// ExtWorkType carries Appointment.WorkType (valueCodeableConcept).
	ExtWorkType = ExtBase + "work-type"
	// ExtSourceSystem carries Appointment.SourceSystem (valueString).
	ExtSourceSystem = ExtBase + "source-system"
	// ExtHeldUntil carries Appointment.HeldUntil and Slot.HeldUntil
	// (valueInstant).
	ExtHeldUntil = ExtBase + "held-until"
	// ExtTimeZone carries the IANA time zone a booking was made in (the CRM
	// seed's timeZone) on an Appointment (valueCode). The model keeps it as a
	// raw Extension in Appointment.Extension.
	ExtTimeZone = ExtBase + "time-zone"
	// ExtSlotActor links an external slot reference of Appointment.slot to the
	// participant whose calendar it is on (the CRM seed's slots[].reference).
	// It is a complex extension on the Appointment with the parts "slot"
	// (valueReference, equal to the Appointment.slot entry) and "actor"
	// (valueReference to the participant's actor), kept as a raw Extension in
	// Appointment.Extension.
	ExtSlotActor = ExtBase + "slot-actor"
	// ExtAvailability carries Schedule.Availability (a complex extension).
	ExtAvailability = ExtBase + "availability"
	// ExtSlotPolicy carries Schedule.Policy (a complex extension).
	ExtSlotPolicy = ExtBase + "slot-policy"
	// ExtServicePolicy carries one entry of Schedule.ServicePolicies (a
	// complex extension; repeats).
	ExtServicePolicy = ExtBase + "service-policy"
)

// ExternalSlot returns a reference to a slot that lives in another system
// (an EHR's slot id), by identifier: Type "Slot", Identifier.System the source
// system, Identifier.Value the id there.
func ExternalSlot(sourceSystem, id string) Reference {
	return Reference{Type: "Slot", Identifier: &Identifier{System: sourceSystem, Value: id}}
}
