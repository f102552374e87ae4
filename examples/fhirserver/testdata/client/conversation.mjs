// A conversation with the openslot FHIR handler through fhir-kit-client, an
// independent FHIR client: it creates the actors and a Schedule with
// availability, finds free times ($find), holds one ($hold), books it
// ($book), searches for it (ITI-118), reschedules it by PUT and cancels it
// by PUT, checking each answer. It exits non-zero on the first failure.
//
//   node conversation.mjs <baseURL> [bearer token]
import { Client } from 'fhir-kit-client';
import assert from 'node:assert/strict';

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node conversation.mjs <baseURL> [bearer token]');
  process.exit(2);
}
const client = new Client({
  baseUrl,
  customHeaders: token ? { Authorization: `Bearer ${token}` } : {},
});

const EXT = 'https://openslot.dev/fhir/StructureDefinition/';
let step = 'start';
const say = (s) => { step = s; console.log(`- ${s}`); };

// Tomorrow in UTC: the schedule is open every day 08:00-18:00 UTC.
const day = new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 10);
const today = new Date().toISOString().slice(0, 10);
const at = (hhmm) => `${day}T${hhmm}:00Z`;

async function main() {
  say('read the CapabilityStatement');
  const cs = await client.capabilityStatement();
  assert.equal(cs.resourceType, 'CapabilityStatement');
  assert.equal(cs.fhirVersion, '4.0.1');
  const appt = cs.rest[0].resource.find((r) => r.type === 'Appointment');
  assert.deepEqual(appt.operation.map((o) => o.name).sort(), ['book', 'find', 'hold']);

  say('create the actors');
  const org = await client.create({ resourceType: 'Organization', body: { resourceType: 'Organization', name: 'Conversation Clinic', active: true } });
  const loc = await client.create({ resourceType: 'Location', body: { resourceType: 'Location', name: 'Room 7', status: 'active', managingOrganization: { reference: `Organization/${org.id}` } } });
  const pract = await client.create({ resourceType: 'Practitioner', body: { resourceType: 'Practitioner', name: [{ family: 'Kit', given: ['Fhir'] }] } });
  const patient = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Client', given: ['Node'] }], gender: 'other' } });
  for (const r of [org, loc, pract, patient]) {
    assert.ok(r.id, `${r.resourceType} has an id`);
    assert.equal(r.meta.versionId, '1');
  }

  say('create a Schedule with availability');
  const schedule = await client.create({
    resourceType: 'Schedule',
    body: {
      resourceType: 'Schedule',
      active: true,
      actor: [{ reference: `Practitioner/${pract.id}` }, { reference: `Location/${loc.id}` }],
      extension: [
        { url: `${EXT}availability`, extension: [
          { url: 'time-zone', valueCode: 'UTC' },
          { url: 'rule', extension: [
            { url: 'rrule', valueString: 'FREQ=DAILY' },
            { url: 'start-date', valueDate: today },
            { url: 'start', valueTime: '08:00:00' },
            { url: 'end', valueTime: '18:00:00' },
          ] },
        ] },
        { url: `${EXT}slot-policy`, extension: [
          { url: 'duration', valueDuration: { value: 30, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' } },
        ] },
      ],
    },
  });
  assert.equal(schedule.resourceType, 'Schedule');

  say('read the free slots of the schedule');
  const slots = await client.search({ resourceType: 'Slot', searchParams: { schedule: `Schedule/${schedule.id}`, start: [`ge${at('00:00')}`, `lt${day}T23:59:59Z`], _count: 5 } });
  assert.equal(slots.total, 20, 'twenty 30-minute slots from 08:00 to 18:00');
  assert.equal(slots.entry.length, 5);
  assert.ok(slots.entry.every((e) => e.resource.status === 'free'));
  const page2 = await client.nextPage({ bundle: slots });
  assert.equal(page2.entry[0].resource.start, at('10:30'));

  say('$find (ITI-115)');
  const found = await client.operation({
    resourceType: 'Appointment', name: '$find',
    input: { resourceType: 'Parameters', parameter: [
      { name: 'start', valueDateTime: at('00:00') },
      { name: 'end', valueDateTime: `${day}T23:59:59Z` },
      { name: 'practitioner', valueReference: { reference: `Practitioner/${pract.id}` } },
      { name: 'patient-reference', valueReference: { reference: `Patient/${patient.id}` } },
      { name: '_count', valueInteger: 3 },
    ] },
  });
  assert.equal(found.resourceType, 'Bundle');
  assert.equal(found.total, 20);
  const proposal = found.entry[0].resource;
  assert.equal(proposal.status, 'proposed');
  assert.equal(proposal.start, at('08:00'));
  assert.ok(proposal.participant.some((p) => p.actor.reference === `Patient/${patient.id}`));

  say('$hold (ITI-116)');
  const held = await client.operation({
    resourceType: 'Appointment', name: '$hold',
    input: { resourceType: 'Parameters', parameter: [{ name: 'appointment-reference', valueReference: { reference: `Appointment/${proposal.id}` } }] },
  });
  const hold = held.entry[0].resource;
  assert.equal(hold.status, 'pending');
  assert.ok(hold.extension.some((e) => e.url === `${EXT}held-until`), 'the hold says until when');

  say('a held time is not offered again');
  const again = await client.operation({
    resourceType: 'Appointment', name: '$find',
    input: { resourceType: 'Parameters', parameter: [
      { name: 'start', valueDateTime: at('00:00') }, { name: 'end', valueDateTime: `${day}T23:59:59Z` },
      { name: 'practitioner', valueReference: { reference: `Practitioner/${pract.id}` } },
    ] },
  });
  assert.equal(again.total, 19);

  say('$book (ITI-117)');
  const bookedBundle = await client.operation({
    resourceType: 'Appointment', name: '$book',
    input: { resourceType: 'Parameters', parameter: [
      { name: 'appointment-reference', valueReference: { reference: `Appointment/${hold.id}` } },
    ] },
  });
  const booked = bookedBundle.entry[0].resource;
  assert.equal(booked.status, 'booked');
  assert.equal(booked.id, hold.id);

  say('search the patient\'s appointments (ITI-118) with _include');
  const mine = await client.search({ resourceType: 'Appointment', searchParams: {
    patient: `Patient/${patient.id}`, date: `ge${day}`, _include: 'Appointment:actor' } });
  assert.equal(mine.total, 1);
  assert.equal(mine.entry.filter((e) => e.search.mode === 'match').length, 1);
  assert.ok(mine.entry.some((e) => e.search.mode === 'include' && e.resource.resourceType === 'Practitioner'));

  say('reschedule by PUT with If-Match');
  const current = await client.read({ resourceType: 'Appointment', id: booked.id });
  const moved = await client.update({
    resourceType: 'Appointment', id: booked.id,
    body: { ...current, start: at('14:00'), end: at('14:30'), slot: undefined },
    options: { headers: { 'If-Match': `W/"${current.meta.versionId}"` } },
  });
  assert.equal(moved.status, 'booked');
  assert.equal(moved.start, at('14:00'));
  assert.equal(moved.id, booked.id);

  say('a stale If-Match is refused with 412');
  await assert.rejects(
    client.update({ resourceType: 'Appointment', id: booked.id, body: { ...moved, comment: 'late' },
      options: { headers: { 'If-Match': `W/"${current.meta.versionId}"` } } }),
    (err) => err.response && err.response.status === 412 && err.response.data.resourceType === 'OperationOutcome',
  );

  say('cancel by PUT');
  const cancelled = await client.update({
    resourceType: 'Appointment', id: booked.id,
    body: { ...moved, status: 'cancelled', cancelationReason: { text: 'conversation over' } },
  });
  assert.equal(cancelled.status, 'cancelled');

  say('the time is free again');
  const after = await client.operation({
    resourceType: 'Appointment', name: '$find',
    input: { resourceType: 'Parameters', parameter: [
      { name: 'start', valueDateTime: at('14:00') }, { name: 'end', valueDateTime: at('14:30') },
      { name: 'practitioner', valueReference: { reference: `Practitioner/${pract.id}` } },
    ] },
  });
  assert.equal(after.total, 1);

  say('an unknown resource is a 404 OperationOutcome');
  await assert.rejects(client.read({ resourceType: 'Appointment', id: 'does-not-exist' }),
    (err) => err.response && err.response.status === 404 && err.response.data.resourceType === 'OperationOutcome');

  console.log('conversation: all steps passed');
}

main().catch((err) => {
  const detail = err.response ? ` (HTTP ${err.response.status}: ${JSON.stringify(err.response.data)})` : '';
  console.error(`conversation failed at "${step}": ${err.message}${detail}`);
  process.exit(1);
});
