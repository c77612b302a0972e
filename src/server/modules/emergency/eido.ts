import type { Kysely } from 'kysely';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import type { IncidentsService } from './incidents.service.js';
import { isFurtherCallEntry } from '../../../common/emergency.js';
import { LinksService } from './links.service.js';

type Details = Awaited<ReturnType<IncidentsService['details']>>;

// El Salvador keeps UTC−06:00 all year; EIDO wants RFC 3339 with an offset, NENA's samples use local time.
function sv(iso: string): string {
  const d = new Date(Date.parse(iso) - 6 * 3600_000);
  return `${d.toISOString().slice(0, 19)}-06:00`;
}
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const ref = (id: string) => ({ $ref: id });

// Our unit and incident states in the spelling NENA's samples use; to be checked against NENA's registries.
const UNIT_STATUS_REGISTRY: Record<string, string> = { dispatched: 'Dispatched', en_route: 'Enroute', on_scene: 'OnScene', available: 'Available', busy: 'Busy', out_of_service: 'OutOfService', off_duty: 'OffDuty' };
const UNIT_TYPE_REGISTRY: Record<string, string> = { patrol_car: 'Patrol', motorcycle: 'Motorcycle', ambulance: 'Ambulance', fire: 'Engine', specialised: 'Special' };
const INCIDENT_STATUS_REGISTRY: Record<string, string> = { received: 'Pending', dispatched: 'Dispatched', en_route: 'Dispatched', on_scene: 'OnScene', resolved: 'Resolved', closed: 'Closed', cancelled: 'Cancelled', merged: 'Merged' };
const METHOD: Record<string, string> = { device: 'GPS', map_click: 'Manual', caller_stated: 'Manual', department: 'Manual' };

/**
 * The incident as a NENA EIDO (NENA-STA-021) snapshot: the first call and every further one, their
 * callers (only if the reader may see callers), locations as PIDF-LO, agents from the people on the
 * timeline, a dispatch per assignment, units with their current status and its time, and notes; unit
 * milestones become notes, since an EIDO has no field for a status history. See
 * src/server/test/eido/EIDO-NOTES.md.
 */
export async function toEido(db: Kysely<DB>, d: Details, agencyId = 'psap.centinela.sv') {
  // details() gives a caller (possibly empty) exactly when the reader may see callers.
  const seesCaller = d.caller !== null;
  const [type, disposition, furtherCalls] = await Promise.all([
    db.selectFrom('incident_types').select(['name_es', 'name_en']).where('code', '=', d.typeCode).executeTakeFirst(),
    d.disposition ? db.selectFrom('disposition_codes').select(['label_en']).where('code', '=', d.disposition.code).executeTakeFirst() : Promise.resolve(undefined),
    new LinksService(db).calls(d.id, seesCaller),
  ]);
  const agency = ref(agencyId);
  const incidentUrn = `urn:emergency:uid:incidentid:${d.number}:${agencyId}`;
  const agentId = (username: string) => `${username}@${agencyId}`;
  const prologue = (id: string, at: string, agent?: string | null) => ({
    $id: id,
    lastUpdateTimeStamp: sv(at),
    updatedByAgencyReference: agency,
    ...(agent ? { updatedByAgentReference: ref(agentId(agent)) } : {}),
  });

  const creator = d.timeline.find((t) => t.kind === 'created')?.actor ?? null;
  const dispatchers = new Set(d.timeline.filter((t) => t.kind === 'assignment' && t.actor).map((t) => t.actor!));
  // People only: the server's own entries (escalations, by `system`) name no agent.
  const people = [...new Set(d.timeline.map((t) => t.actor).filter((a): a is string => !!a && a !== SYSTEM_CONTEXT.actorUsername))];
  const agents = people.map((username) => ({
    ...prologue(agentId(username), d.timeline.find((t) => t.actor === username)!.at),
    agentRoleRegistryText: [username === creator ? 'Call Taking' : dispatchers.has(username) ? 'Dispatching' : 'Call Taking'],
    agencyReference: agency,
  }));

  const locations = d.locations.map((l) => {
    const pidf =
      l.lat !== null && l.lon !== null
        ? `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0" entity="pres:${esc(d.number)}@${agencyId}"><tuple id="loc-${l.id}"><status><gp:geopriv><gp:location-info><gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>${l.lat} ${l.lon}</gml:pos><gs:radius uom="urn:ogc:def:uom:EPSG::9001">${l.accuracyM ?? 50}</gs:radius></gs:Circle></gp:location-info><gp:usage-rules/><gp:method>${METHOD[l.source] ?? 'Manual'}</gp:method></gp:geopriv></status><timestamp>${sv(l.createdAt)}</timestamp></tuple></presence>`
        : undefined;
    const text = [l.addressText, l.landmark, l.department].filter(Boolean).join(' — ');
    return {
      ...prologue(`${agencyId}:location:${l.id}`, l.createdAt),
      locationTypeDescriptionRegistryText: l.current ? 'Incident' : l.source === 'device' ? 'Caller' : 'Incident',
      ...(text ? { locationDescriptionText: text } : {}),
      ...(pidf ? { locationByValue: pidf } : {}),
      localIdentifier: [l.id],
    };
  });

  // A further call's entry is a call component, with what the caller said as its note (if anything).
  const callEntries = d.timeline.filter(isFurtherCallEntry);
  const noteEntries = d.timeline.filter((t) =>
    isFurtherCallEntry(t) ? String(t.data.text ?? '') !== '' : ['note', 'unit_status', 'merge', 'duplicate', 'unmerge'].includes(t.kind),
  );
  const notes = noteEntries.map((t) => {
    const text =
      t.kind === 'note' || isFurtherCallEntry(t)
        ? String(t.data.text ?? '')
        : t.kind === 'unit_status'
          ? `${String(t.data.callSign ?? '')}: ${String(t.data.status ?? '')}`
          : mergeNote(t.kind, t.data);
    return {
      ...prologue(`${agencyId}:note:${t.id}`, t.at, t.actor),
      notesActionComments: `<p>${esc(text)}</p>`,
      ...(t.actor ? { agentReference: ref(agentId(t.actor)) } : {}),
    };
  });

  // One resource component per assignment (a unit sent twice is two), each dispatch naming its own: the
  // incident's assignments as they stand, so units a merge moved away are not referenced from here.
  const unitRef = (assignmentId: string) => `${agencyId}:unit:${assignmentId}`;
  const unitRows = await db.selectFrom('units').select(['call_sign', 'unit_type', 'status_changed_at']).where('call_sign', 'in', d.assignments.length ? d.assignments.map((a) => a.callSign) : ['']).execute();
  const units = d.assignments.map((a) => {
    const row = unitRows.find((u) => u.call_sign === a.callSign);
    // The time of the status shown (EIDO keeps no history): the release, or the committed unit's latest change.
    const statusAt = a.releasedAt ?? (row && row.status_changed_at.getTime() > Date.parse(a.assignedAt) ? row.status_changed_at.toISOString() : a.assignedAt);
    return {
      ...prologue(unitRef(a.id), statusAt),
      emergencyResourceName: a.callSign,
      emergencyResourceTypeCommonRegistryText: UNIT_TYPE_REGISTRY[row?.unit_type ?? ''] ?? 'Patrol',
      primaryUnitStatusRegistryText: UNIT_STATUS_REGISTRY[a.releasedAt ? 'available' : a.unitStatus] ?? 'Unknown',
      secondaryUnitStatusRegistryText: [],
      unitStatusInternal: [a.releasedAt ? 'released' : a.unitStatus],
      resourceAttributeRegistryText: [],
      agentReference: [],
      ...(a.releasedAt ? {} : { activeOnIncidentId: incidentUrn }),
    };
  });

  const assignmentEntries = d.timeline.filter((t) => t.kind === 'assignment');
  const dispatches = d.assignments.map((a, i) => {
    // Who dispatched it: the assignment entry of that unit nearest in time (none for units a merge brought in).
    const entry = assignmentEntries
      .filter((t) => t.data.unitId === a.unitId)
      .sort((x, y) => Math.abs(Date.parse(x.at) - Date.parse(a.assignedAt)) - Math.abs(Date.parse(y.at) - Date.parse(a.assignedAt)))[0];
    const actor = entry && Math.abs(Date.parse(entry.at) - Date.parse(a.assignedAt)) < 60_000 ? entry.actor : null;
    return {
      ...prologue(`${agencyId}:dispatch:${d.number}:${i + 1}`, a.assignedAt, actor),
      agencyReference: agency,
      ...(actor ? { agentReference: ref(agentId(actor)) } : {}),
      emergencyResourceReference: [ref(unitRef(a.id))],
    };
  });

  const incidentTime = d.times.closedAt ?? d.timeline.at(-1)?.at ?? d.times.createdAt;

  /** A call with its caller's callback and person components: the caller only if known and the reader may see callers. */
  const callParts = (key: string, at: string, startedAt: string, source: string, actor: string | null, caller: Caller | null, extra: Record<string, unknown>) => {
    const who = caller && (caller.number || caller.name) ? caller : null;
    const ids = { call: `urn:emergency:uid:callid:${key}:${agencyId}`, callback: `${agencyId}:callback:${key}`, person: `${agencyId}:person:caller:${key}` };
    return {
      call: {
        ...prologue(ids.call, at, actor),
        standardPrimaryCallType: 'emergency',
        localCallType: source,
        direction: 'incoming',
        callStateRegistryText: 'callEnd',
        callStartTimestamp: sv(startedAt),
        ...(actor ? { agentReference: [ref(agentId(actor))] } : {}),
        ...(who?.number ? { callBackReference: ref(ids.callback) } : {}),
        ...(who ? { personReference: [ref(ids.person)] } : {}),
        ...extra,
      },
      callback: who?.number ? { ...prologue(ids.callback, at), callBackInformationUri: [tel(who.number)] } : null,
      person: who
        ? {
            ...prologue(ids.person, at),
            personIncidentRoleRegistryText: ['Caller'],
            ...(who.name ? { ncPersonComponent: { name: [{ personFullName: [{ value: who.name }] }] } } : {}),
            callIdentifier: [ids.call],
            ...(who.number ? { callBackReference: ref(ids.callback) } : {}),
          }
        : null,
    };
  };
  const calls = [
    callParts(d.id, d.times.createdAt, d.times.callReceivedAt, d.source, creator, d.caller, locations.length ? { locationReference: locations.map((l) => ref(l.$id)) } : {}),
    // Further calls, each with its own caller and call-taker, and what the caller said as its note.
    ...furtherCalls.map((c) => {
      const entry = callEntries.find((t) => t.data.callId === c.id);
      const actor = entry?.actor && entry.actor !== SYSTEM_CONTEXT.actorUsername ? entry.actor : null;
      const note = entry && notes.find((n) => n.$id === `${agencyId}:note:${entry.id}`);
      return callParts(c.id, entry?.at ?? c.receivedAt, c.receivedAt, c.source, actor, c.caller, note ? { notesReference: [ref(note.$id)] } : {});
    }),
  ];
  const callbacks = calls.flatMap((c) => (c.callback ? [c.callback] : []));
  const persons = calls.flatMap((c) => (c.person ? [c.person] : []));

  return {
    ...prologue(incidentUrn, d.timeline.at(-1)?.at ?? d.times.createdAt),
    eidoVersion: '1.0',
    issuingElementIdentification: `centinela.${agencyId}`,
    agencyComponent: [{ ...prologue(agencyId, d.times.createdAt), agencyRoleDescriptionRegistryText: ['CallReceiving'], agencyType: ['psap'], incidentOwningAgencyIndicator: true }],
    ...(agents.length ? { agentComponent: agents } : {}),
    incidentComponent: {
      ...prologue(`${agencyId}:incident:${d.number}`, incidentTime),
      internalIncidentId: d.number,
      incidentTypeInternalCode: d.typeCode,
      incidentTypeInternalText: type?.name_es ?? d.typeCode,
      incidentTypeCommonRegistryText: type?.name_en ?? d.typeCode,
      incidentStatusInternalText: [d.status],
      incidentStatusCommonRegistryText: [INCIDENT_STATUS_REGISTRY[d.status] ?? d.status],
      incidentPriorityInternalText: `P${d.priority}`,
      incidentCommonPriorityNumber: d.priority,
      ...(d.department ? { beatOrDispatchGroupText: d.department } : {}),
      ...(agents.length ? { agentReference: agents.map((a) => ref(a.$id)) } : {}),
      ...(locations.length ? { locationReference: locations.map((l) => ref(l.$id)) } : {}),
      ...(persons.length ? { personReference: persons.map((p) => ref(p.$id)) } : {}),
      ...(notes.length ? { notesReference: notes.map((n) => ref(n.$id)) } : {}),
      ...(d.disposition && d.times.resolvedAt
        ? {
            dispositionComponent: [
              { ...prologue(`${agencyId}:disposition:${d.number}`, d.times.resolvedAt), dispositionCommonRegistryCode: disposition?.label_en ?? d.disposition.code, dispositionPrimaryIndicator: true },
            ],
          }
        : {}),
    },
    callComponent: calls.map((c) => c.call),
    ...(callbacks.length ? { callbackComponent: callbacks } : {}),
    ...(persons.length ? { personComponent: persons } : {}),
    ...(locations.length ? { locationComponent: locations } : {}),
    ...(dispatches.length ? { dispatchComponent: dispatches } : {}),
    ...(units.length ? { emergencyResourceComponent: units } : {}),
    ...(notes.length ? { notesComponent: notes } : {}),
  };
}

type Caller = { number: string | null; name: string | null };
const tel = (number: string) => `tel:${number.replace(/[^+0-9]/g, '')}`;

/** A merge, duplicate (marked, not a further call) or unmerge entry as a note: which incident it joined or left, and the units that moved. */
function mergeNote(kind: string, data: Record<string, unknown>): string {
  const units = Array.isArray(data.units) ? ` (${data.units.map((u: { callSign?: unknown }) => String(u.callSign ?? '')).join(', ')})` : '';
  if (kind === 'unmerge') return `Unmerged${typeof data.split === 'string' ? ` ${data.split}` : ''}`;
  if (typeof data.intoNumber === 'string') return `${kind === 'duplicate' ? 'Duplicate of' : 'Merged into'} ${data.intoNumber}${units}`;
  return `Merged from ${String(data.fromNumber ?? '')}${units}`;
}
