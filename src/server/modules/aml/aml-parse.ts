/** A device position from an AML message, whichever transport carried it. */
export type AmlFix = {
  transport: 'sms' | 'https';
  callerNumber: string | null;
  method: 'G' | 'W' | 'C' | 'N';
  lat: number | null;
  lon: number | null;
  radiusM: number | null;
  positionedAt: Date | null;
  confidence: number | null;
  imsi: string | null;
  imei: string | null;
  mcc: string | null;
  mnc: string | null;
};

export type AmlParse = { ok: true; fix: AmlFix } | { ok: false; reason: string };

const fail = (reason: string): AmlParse => ({ ok: false, reason });

/** YYYYMMDDhhmmss in UTC (ETSI TS 103 625 `top`); null when it is not a real instant. */
export function parseAmlTime(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  // Date.UTC rolls 31 February into March: a real instant reads back the same fields.
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== se) return null;
  return t;
}

// A fix older than this, or this far ahead of our clock, is not the caller's position now.
const MAX_AGE_MS = 24 * 3600_000;
const MAX_AHEAD_MS = 10 * 60_000;

function checkTime(t: Date | null, now: Date): string | null {
  if (!t) return 'top: not a valid YYYYMMDDhhmmss time';
  if (t.getTime() > now.getTime() + MAX_AHEAD_MS) return 'top: in the future';
  if (now.getTime() - t.getTime() > MAX_AGE_MS) return 'top: older than 24 hours';
  return null;
}

const LAT = /^[+-]?\d{1,2}(\.\d{1,7})?$/;
const LON = /^[+-]?\d{1,3}(\.\d{1,7})?$/;

function checkPosition(lt: string, lg: string, rd: string): { lat: number; lon: number; radiusM: number } | string {
  if (!LAT.test(lt) || Math.abs(Number(lt)) > 90) return 'lt: latitude must be a signed decimal between -90 and 90';
  if (!LON.test(lg) || Math.abs(Number(lg)) > 180) return 'lg: longitude must be a signed decimal between -180 and 180';
  if (!/^\d{1,6}$/.test(rd) || Number(rd) > 100_000) return 'rd: radius must be whole metres up to 100000';
  return { lat: Number(lt), lon: Number(lg), radiusM: Number(rd) };
}

const SMS_KEYS = new Set(['lt', 'lg', 'rd', 'top', 'lc', 'pm', 'si', 'ei', 'mcc', 'mnc', 'ml']);

/**
 * The AML SMS payload of ETSI TS 103 625: `A"ML=1;lt=…;lg=…;rd=…;top=…;lc=…;pm=…;si=…;ei=…;mcc=…;mnc=…;ml=…`.
 * `ml` is the length of the whole message, header and the `ml` attribute included.
 */
export function parseAmlSms(text: string, callerNumber: string | null, now = new Date()): AmlParse {
  if (!text.startsWith('A"ML=')) return fail('header: the message does not start with A"ML=');
  const parts = text.split(';');
  const version = parts.shift()!.slice('A"ML='.length);
  if (version !== '1') return fail(`header: version ${version} is not supported (1 is)`);
  const f = new Map<string, string>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 1) return fail(`attribute "${p.slice(0, 20)}" is not key=value`);
    const k = p.slice(0, eq);
    if (f.has(k)) return fail(`${k}: given twice`);
    if (SMS_KEYS.has(k)) f.set(k, p.slice(eq + 1));
  }
  const ml = f.get('ml');
  if (ml === undefined || !/^\d{1,3}$/.test(ml)) return fail('ml: message length missing or not a number');
  if (Number(ml) !== text.length) return fail(`ml: says ${ml} characters, the message has ${text.length} (truncated or altered)`);
  const pm = f.get('pm');
  if (pm !== 'G' && pm !== 'W' && pm !== 'C' && pm !== 'N') return fail('pm: positioning method must be G, W, C or N');
  const mcc = f.get('mcc') ?? '';
  const mnc = f.get('mnc') ?? '';
  if (mcc && !/^\d{3}$/.test(mcc)) return fail('mcc: three digits expected');
  if (mnc && !/^\d{2,3}$/.test(mnc)) return fail('mnc: two or three digits expected');
  const si = f.get('si') ?? '';
  const ei = f.get('ei') ?? '';
  if (si && !/^\d{6,15}$/.test(si)) return fail('si: IMSI of up to 15 digits expected');
  if (ei && !/^\d{14,16}$/.test(ei)) return fail('ei: IMEI of 14 to 16 digits expected');
  const method: AmlFix['method'] = pm;
  const base = { transport: 'sms' as const, callerNumber, method, imsi: si || null, imei: ei || null, mcc: mcc || null, mnc: mnc || null };
  if (pm === 'N') return { ok: true, fix: { ...base, lat: null, lon: null, radiusM: null, positionedAt: null, confidence: null } };
  for (const k of ['lt', 'lg', 'rd', 'top', 'lc']) if (!f.get(k)) return fail(`${k}: missing (required unless pm=N)`);
  const pos = checkPosition(f.get('lt')!, f.get('lg')!, f.get('rd')!);
  if (typeof pos === 'string') return fail(pos);
  const positionedAt = parseAmlTime(f.get('top')!);
  const timeProblem = checkTime(positionedAt, now);
  if (timeProblem) return fail(timeProblem);
  const lc = f.get('lc')!;
  if (!/^\d{1,3}$/.test(lc) || Number(lc) > 100) return fail('lc: level of confidence must be 0 to 100');
  return { ok: true, fix: { ...base, ...pos, positionedAt, confidence: Number(lc) } };
}

const HTTPS_SOURCES: Record<string, AmlFix['method']> = { gps: 'G', gnss: 'G', wifi: 'W', cell: 'C', none: 'N', G: 'G', W: 'W', C: 'C', N: 'N' };

/**
 * The HTTPS variant (form fields as sent by handsets: `v`, `device_number`, `location_latitude`,
 * `location_longitude`, `location_accuracy`, `location_time`, `location_source`, `location_confidence`,
 * `device_imei`, `device_imsi`, `cell_network_mcc`, `cell_network_mnc`). `location_time` is epoch
 * milliseconds, or YYYYMMDDhhmmss as in the SMS.
 */
export function parseAmlHttps(form: Record<string, string>, now = new Date()): AmlParse {
  if (!form.v || !/^\d{1,2}$/.test(form.v)) return fail('v: version missing');
  const number = form.device_number?.trim() || form.emergency_caller_number?.trim();
  if (!number || !/^\+?[\d\s-]{6,20}$/.test(number)) return fail('device_number: missing or not a telephone number');
  const method = HTTPS_SOURCES[form.location_source ?? ''];
  if (!method) return fail('location_source: must be gps, wifi, cell or none');
  const mcc = form.cell_network_mcc ?? form.cell_home_mcc ?? '';
  const mnc = form.cell_network_mnc ?? form.cell_home_mnc ?? '';
  if (mcc && !/^\d{3}$/.test(mcc)) return fail('cell_network_mcc: three digits expected');
  if (mnc && !/^\d{2,3}$/.test(mnc)) return fail('cell_network_mnc: two or three digits expected');
  const imsi = form.device_imsi ?? '';
  const imei = form.device_imei ?? '';
  if (imsi && !/^\d{6,15}$/.test(imsi)) return fail('device_imsi: IMSI of up to 15 digits expected');
  if (imei && !/^\d{14,16}$/.test(imei)) return fail('device_imei: IMEI of 14 to 16 digits expected');
  const base = { transport: 'https' as const, callerNumber: number, method, imsi: imsi || null, imei: imei || null, mcc: mcc || null, mnc: mnc || null };
  if (method === 'N') return { ok: true, fix: { ...base, lat: null, lon: null, radiusM: null, positionedAt: null, confidence: null } };
  const lt = form.location_latitude ?? '';
  const lg = form.location_longitude ?? '';
  const acc = form.location_accuracy ?? '';
  if (!lt || !lg || !acc) return fail('location_latitude, location_longitude and location_accuracy are required');
  // Handsets send the accuracy with decimals; the radius is kept in whole metres, rounded up.
  const radius = /^\d{1,6}(\.\d+)?$/.test(acc) ? String(Math.ceil(Number(acc))) : acc;
  const pos = checkPosition(lt, lg, radius);
  if (typeof pos === 'string') return fail(pos.replace(/^lt:/, 'location_latitude:').replace(/^lg:/, 'location_longitude:').replace(/^rd:/, 'location_accuracy:'));
  const t = form.location_time ?? '';
  const positionedAt = /^\d{13}$/.test(t) ? new Date(Number(t)) : parseAmlTime(t);
  const timeProblem = checkTime(positionedAt, now);
  if (timeProblem) return fail(timeProblem.replace(/^top:/, 'location_time:'));
  const lc = form.location_confidence;
  if (lc !== undefined && (!/^\d{1,3}(\.\d+)?$/.test(lc) || Number(lc) > 100)) return fail('location_confidence: 0 to 100 expected');
  return { ok: true, fix: { ...base, ...pos, positionedAt, confidence: lc === undefined ? null : Math.round(Number(lc)) } };
}
