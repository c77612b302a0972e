import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { ACTIVE_STATUSES } from '../../../common/emergency.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { hashSecret, newSecret } from '../../platform/auth/secrets.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB, IncidentStatus } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { IncidentIntake } from '../../platform/intake/incident-intake.js';
import { isEmergencyType, loadServices, type ServiceDefinition } from './services-catalogue.js';

/** A failure told the Open311 way: an HTTP status and a description in the list of errors. */
export class Open311Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly description: string,
  ) {
    super(description);
  }
}

/** What Open311 needs from the conduct module, handed over by the composition root. */
export type ComplaintIntake = (
  ctx: AuditContext,
  input: { channel: 'open311'; anonymous: boolean; contact: { name: string | null; phone: string | null; email: string | null } | null; occurredAt: string | null; placeText: string | null; lat: number | null; lon: number | null; officerDescription: string | null; badgeNumber: string | null; unitText: string | null; description: string },
  within: (tx: Transaction<DB>, c: { id: string; trackingCode: string }) => Promise<void>,
) => Promise<{ id: string; trackingCode: string }>;

const optionalText = (max: number) => z.string().trim().max(max).optional().transform((v) => v || null);
const coordinate = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^[+-]?\d{1,3}(\.\d+)?$/, 'a decimal number (WGS84 degrees)')
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .optional();

/** The standard fields of POST requests (GeoReport v2); `attribute[code]` fields are taken apart first. */
const postFields = z.strictObject({
  api_key: z.string().optional(),
  jurisdiction_id: z.string().optional(),
  service_code: z.string().trim().min(1).max(40),
  lat: coordinate(-90, 90),
  long: coordinate(-180, 180),
  address_string: optionalText(300),
  address_id: optionalText(100),
  email: z.email().max(200).optional().transform((v) => v ?? null),
  device_id: optionalText(100),
  account_id: optionalText(100),
  first_name: optionalText(80),
  last_name: optionalText(80),
  phone: optionalText(40),
  description: z.string().trim().max(4000).optional().transform((v) => v ?? ''),
  media_url: z.url({ protocol: /^https?$/ }).max(1000).optional().transform((v) => v ?? null),
});

/** Citizen-safe wording per incident status: never a name, a unit or an internal note. */
const STATUS_NOTES: Record<IncidentStatus, string> = {
  received: 'Recibido en el centro de mando; en espera de asignación.',
  dispatched: 'Se asignó una unidad.',
  en_route: 'Una unidad va en camino.',
  on_scene: 'La unidad llegó al lugar.',
  resolved: 'Atendido.',
  closed: 'Caso cerrado.',
  cancelled: 'Caso cerrado sin intervención.',
  merged: 'Unido a otro reporte del mismo hecho.',
};

export function open311Status(s: IncidentStatus): 'open' | 'closed' {
  return ACTIVE_STATUSES.includes(s) ? 'open' : 'closed';
}

const newRequestId = () => `SR-${crypto.randomBytes(6).toString('hex').toUpperCase()}`;

export type QueryFilter = { ids?: string[]; serviceCode?: string[]; start?: Date; end?: Date; status?: ('open' | 'closed')[] };

/** GeoReport v2: services, POST requests (incidents in the triage queue, or complaints), requests and tokens. */
export class Open311Service {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly intake: IncidentIntake,
    private readonly fileComplaint: ComplaintIntake,
  ) {}

  services(): Promise<ServiceDefinition[]> {
    return loadServices(this.db);
  }

  async service(code: string): Promise<ServiceDefinition> {
    const s = (await this.services()).find((x) => x.service_code === code);
    if (!s) throw new Open311Error(404, `service_code ${code} not found`);
    return s;
  }

  /** The key is checked before anything else: no key, no write. */
  private async apiKey(key: string | undefined) {
    if (!key) throw new Open311Error(403, "api_key missing -- can't proceed with create_request");
    const row = await this.db.selectFrom('open311_api_keys').select(['id', 'name']).where('key_hash', '=', hashSecret(key)).where('revoked_at', 'is', null).executeTakeFirst();
    if (!row) throw new Open311Error(403, "Invalid api_key received -- can't proceed with create_request");
    return row;
  }

  async create(ctxBase: AuditContext, body: Record<string, string>) {
    const key = await this.apiKey(body.api_key);
    const ctx: AuditContext = { ...ctxBase, actorUsername: `open311:${key.name}` };
    const attributes: Record<string, string> = {};
    const standard: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) {
      const m = /^attribute\[([A-Za-z0-9_.-]{1,60})\]$/.exec(k);
      if (m) attributes[m[1]!] = v;
      else standard[k] = v;
    }
    const parsed = postFields.safeParse(standard);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new Open311Error(400, `${first.path.join('.') || 'request'}: ${first.message}`);
    }
    const f = parsed.data;
    if ((f.lat === undefined) !== (f.long === undefined)) throw new Open311Error(400, 'lat and long must be given together');
    if (f.lat === undefined && !f.address_string && !f.address_id) throw new Open311Error(400, 'a location is required: lat and long, address_string or address_id');
    if (await isEmergencyType(this.db, f.service_code)) throw new Open311Error(400, `service_code ${f.service_code} is an emergency: call 911. Open311 takes non-emergency reports only`);
    const services = await this.services();
    const service = services.find((s) => s.service_code === f.service_code);
    if (!service) throw new Open311Error(400, `service_code ${f.service_code} not found`);
    const values = this.checkAttributes(service, attributes);
    const id = newRequestId();
    const token = crypto.randomUUID();
    const record = async (tx: Transaction<DB>, target: { incidentId: string | null; complaintId: string | null }) => {
      await tx
        .insertInto('open311_requests')
        .values({
          id,
          token,
          api_key_id: key.id,
          service_code: service.service_code,
          incident_id: target.incidentId,
          complaint_id: target.complaintId,
          lat: f.lat ?? null,
          lon: f.long ?? null,
          address_string: f.address_string,
          // A complaint keeps its contact only in the complaint, and only when not anonymous.
          email: target.complaintId ? null : f.email,
          device_id: f.device_id,
          account_id: f.account_id,
          first_name: target.complaintId ? null : f.first_name,
          last_name: target.complaintId ? null : f.last_name,
          phone: target.complaintId ? null : f.phone,
          description: target.complaintId ? null : f.description,
          media_url: f.media_url,
          attributes: JSON.stringify(target.complaintId ? {} : values),
        })
        .execute();
      await tx.updateTable('open311_api_keys').set({ last_used_at: new Date() }).where('id', '=', key.id).execute();
    };
    if (service.kind === 'complaint') {
      if (f.description.length < 20) throw new Open311Error(400, 'description: at least 20 characters');
      const anonymous = values.anonymous === true;
      const name = [f.first_name, f.last_name].filter(Boolean).join(' ') || null;
      const c = await this.fileComplaint(
        ctx,
        {
          channel: 'open311',
          anonymous,
          contact: anonymous ? null : { name, phone: f.phone, email: f.email },
          occurredAt: typeof values.occurred_at === 'string' ? values.occurred_at : null,
          placeText: f.address_string,
          lat: f.lat ?? null,
          lon: f.long ?? null,
          officerDescription: typeof values.officer_description === 'string' ? values.officer_description : null,
          badgeNumber: typeof values.badge_number === 'string' ? values.badge_number : null,
          unitText: typeof values.unit_text === 'string' ? values.unit_text : null,
          description: f.description,
        },
        (tx, c) => record(tx, { incidentId: null, complaintId: c.id }),
      );
      return { id, token, notice: `Su denuncia fue recibida por asuntos internos. Código de seguimiento: ${c.trackingCode}`, accountId: f.account_id };
    }
    const caller = [f.first_name, f.last_name].filter(Boolean).join(' ') || null;
    await this.intake.create(
      ctx,
      {
        typeCode: service.service_code,
        source: 'open311',
        description: f.description,
        caller: { number: f.phone, name: caller },
        location: { lat: f.lat ?? null, lon: f.long ?? null, addressText: f.address_string ?? f.address_id, source: 'caller_stated' },
        answers: values,
      },
      (tx, incident) => record(tx, { incidentId: incident.id, complaintId: null }),
    );
    return { id, token, notice: 'Su reporte fue recibido en el centro de mando.', accountId: f.account_id };
  }

  /** Attribute values as the service defines them; a required one missing, or a value off the list, is a 400. */
  private checkAttributes(service: ServiceDefinition, given: Record<string, string>): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = {};
    for (const code of Object.keys(given)) if (!service.attributes.some((a) => a.code === code)) throw new Open311Error(400, `attribute[${code}] is not an attribute of ${service.service_code}`);
    for (const a of service.attributes) {
      const raw = given[a.code]?.trim();
      if (!raw) {
        if (a.required) throw new Open311Error(400, `attribute[${a.code}] is required`);
        continue;
      }
      switch (a.datatype) {
        case 'singlevaluelist':
        case 'multivaluelist':
          if (!a.values.some((v) => v.key === raw)) throw new Open311Error(400, `attribute[${a.code}]: ${raw} is not one of ${a.values.map((v) => v.key).join(', ')}`);
          out[a.code] = raw === 'true' ? true : raw === 'false' ? false : raw;
          break;
        case 'number': {
          const n = Number(raw);
          if (!Number.isFinite(n) || n < 0 || n >= 1e6) throw new Open311Error(400, `attribute[${a.code}]: a number is expected`);
          out[a.code] = n;
          break;
        }
        case 'datetime':
          if (!z.iso.datetime({ offset: true }).safeParse(raw).success) throw new Open311Error(400, `attribute[${a.code}]: an ISO 8601 date and time with time zone is expected`);
          out[a.code] = raw;
          break;
        case 'string':
        case 'text':
          if (raw.length > (a.datatype === 'text' ? 2000 : 300)) throw new Open311Error(400, `attribute[${a.code}] is too long`);
          out[a.code] = raw;
          break;
      }
    }
    return out;
  }

  /** Requests as the public may see them: status and notes, service, times and a rounded position; complaints never. */
  async query(filter: QueryFilter) {
    let q = this.db
      .selectFrom('open311_requests')
      .innerJoin('incidents', 'incidents.id', 'open311_requests.incident_id')
      .innerJoin('incident_types', 'incident_types.code', 'incidents.type_code')
      .select([
        'open311_requests.id',
        'open311_requests.service_code',
        'open311_requests.requested_at',
        'open311_requests.lat',
        'open311_requests.lon',
        'incidents.status',
        'incidents.updated_at',
        'incident_types.name_es',
      ])
      .orderBy('open311_requests.requested_at', 'desc')
      .limit(1000);
    if (filter.ids) q = q.where('open311_requests.id', 'in', filter.ids);
    else {
      // The spec's default window when no dates are given: the last 90 days.
      const start = filter.start ?? new Date(Date.now() - 90 * 86_400_000);
      q = q.where('open311_requests.requested_at', '>=', start);
      if (filter.end) q = q.where('open311_requests.requested_at', '<=', filter.end);
    }
    if (filter.serviceCode) q = q.where('open311_requests.service_code', 'in', filter.serviceCode);
    if (filter.status && filter.status.length === 1) {
      q = filter.status[0] === 'open' ? q.where('incidents.status', 'in', ACTIVE_STATUSES) : q.where('incidents.status', 'not in', ACTIVE_STATUSES);
    }
    const rows = await q.execute();
    // About 100 m: enough to see where, not which house.
    const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
    return rows.map((r) => ({
      service_request_id: r.id,
      status: open311Status(r.status),
      status_notes: STATUS_NOTES[r.status],
      service_name: r.name_es,
      service_code: r.service_code,
      description: null,
      agency_responsible: 'Centro de mando 911',
      service_notice: null,
      requested_datetime: r.requested_at.toISOString(),
      updated_datetime: r.updated_at.toISOString(),
      expected_datetime: null,
      address: null,
      address_id: null,
      zipcode: null,
      lat: round(r.lat),
      long: round(r.lon),
      media_url: null,
    }));
  }

  async one(id: string) {
    const [r] = await this.query({ ids: [id] });
    if (!r) throw new Open311Error(404, `service_request_id ${id} not found`);
    return r;
  }

  /** A token names the request it became; complaints answer their id too, never their content. */
  async token(token: string) {
    const r = await this.db.selectFrom('open311_requests').select(['id', 'token']).where('token', '=', token).executeTakeFirst();
    if (!r) throw new Open311Error(404, `token ${token} not found`);
    return { service_request_id: r.id, token: r.token };
  }

  async createKey(ctx: AuditContext, name: string) {
    const key = newSecret('o311');
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.insertInto('open311_api_keys').values({ name, key_hash: hashSecret(key), created_by: ctx.actorId, revoked_at: null, last_used_at: null }).returningAll().executeTakeFirstOrThrow();
      await appendAudit(tx, ctx, { action: 'open311.key_created', entityType: 'open311_api_key', entityId: row.id, changes: { name } });
      return { row, key };
    });
  }

  listKeys() {
    return this.db.selectFrom('open311_api_keys').selectAll().orderBy('created_at').execute();
  }

  async revokeKey(ctx: AuditContext, id: string) {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('open311_api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
      if (!row) {
        const exists = await tx.selectFrom('open311_api_keys').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) throw notFound();
        throw new AppError('conflict', 409);
      }
      await appendAudit(tx, ctx, { action: 'open311.key_revoked', entityType: 'open311_api_key', entityId: id, changes: { name: row.name } });
      return row;
    });
  }
}
