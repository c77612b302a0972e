import { describe, expect, it } from 'vitest';
import { parseAmlHttps, parseAmlSms, parseAmlTime } from './aml-parse.js';

const NOW = new Date('2026-11-24T20:00:30Z');

/** Builds an SMS payload with a correct `ml` (the length of the whole message, itself included). */
function sms(fields: string): string {
  const body = `A"ML=1;${fields};ml=`;
  for (let digits = 2; digits <= 3; digits++) {
    const total = body.length + digits;
    if (String(total).length === digits) return body + total;
  }
  throw new Error('unreachable');
}
const GOOD = 'lt=+13.69780;lg=-089.19140;rd=15;top=20261124200012;lc=68;pm=G;si=706011234567890;ei=356938035643809;mcc=706;mnc=01';

describe('AML SMS payload (ETSI TS 103 625)', () => {
  it('reads a GNSS fix with its radius, time, confidence and network', () => {
    const r = parseAmlSms(sms(GOOD), '+503 7000 1234', NOW);
    expect(r).toEqual({
      ok: true,
      fix: { transport: 'sms', callerNumber: '+503 7000 1234', method: 'G', lat: 13.6978, lon: -89.1914, radiusM: 15, positionedAt: new Date('2026-11-24T20:00:12Z'), confidence: 68, imsi: '706011234567890', imei: '356938035643809', mcc: '706', mnc: '01' },
    });
  });

  it('accepts pm=N with empty position fields as a message without a position', () => {
    const r = parseAmlSms(sms('lt=;lg=;rd=;top=;lc=;pm=N;si=;ei=;mcc=706;mnc=01'), '+50370001234', NOW);
    expect(r.ok && r.fix).toMatchObject({ method: 'N', lat: null, positionedAt: null });
  });

  it.each([
    ['a wrong header', GOOD.replace('lt=', 'xx='), 'header', (t: string) => t.replace('A"ML=1', 'AML=1')],
    ['a version other than 1', GOOD, 'header: version 2 is not supported (1 is)', (t: string) => t.replace('A"ML=1', 'A"ML=2')],
    ['a truncated message', GOOD, 'ml: says', (t: string) => t.replace(';lc=68', ';lc=6')],
    ['an unknown positioning method', GOOD.replace('pm=G', 'pm=X'), 'pm: positioning method must be G, W, C or N', (t: string) => t],
    ['a latitude out of range', GOOD.replace('+13.69780', '+93.69780'), 'lt: latitude must be a signed decimal between -90 and 90', (t: string) => t],
    ['a longitude that is not a number', GOOD.replace('-089.19140', '-089,19140'), 'lg:', (t: string) => t],
    ['a time that does not exist', GOOD.replace('20261124200012', '20260231200012'), 'top: not a valid YYYYMMDDhhmmss time', (t: string) => t],
    ['a time in a short format', GOOD.replace('20261124200012', '202611242000'), 'top: not a valid YYYYMMDDhhmmss time', (t: string) => t],
    ['a fix from yesterday', GOOD.replace('20261124200012', '20261122200012'), 'top: older than 24 hours', (t: string) => t],
    ['a confidence over 100', GOOD.replace('lc=68', 'lc=168'), 'lc: level of confidence must be 0 to 100', (t: string) => t],
    ['a missing radius', GOOD.replace('rd=15', 'rd='), 'rd: missing (required unless pm=N)', (t: string) => t],
    ['a repeated attribute', `${GOOD};lt=+1.0`, 'lt: given twice', (t: string) => t],
    ['a bad MCC', GOOD.replace('mcc=706', 'mcc=70A'), 'mcc: three digits expected', (t: string) => t],
  ])('rejects %s with a reason', (_name, fields, reason, alter) => {
    const r = parseAmlSms(alter(sms(fields)), '+50370001234', NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it('parses the time as UTC and refuses impossible instants', () => {
    expect(parseAmlTime('20261124235959')?.toISOString()).toBe('2026-11-24T23:59:59.000Z');
    expect(parseAmlTime('20261124246000')).toBeNull();
  });
});

describe('AML HTTPS variant', () => {
  const base = {
    v: '3',
    device_number: '+50370001234',
    location_latitude: '13.6978',
    location_longitude: '-89.1914',
    location_time: String(NOW.getTime() - 20_000),
    location_accuracy: '12.5',
    location_confidence: '68',
    location_source: 'wifi',
    device_imei: '356938035643809',
    cell_network_mcc: '706',
    cell_network_mnc: '01',
    device_model: 'Pixel',
  };

  it('reads the form fields, rounding the accuracy up to whole metres', () => {
    const r = parseAmlHttps(base, NOW);
    expect(r.ok && r.fix).toMatchObject({ transport: 'https', callerNumber: '+50370001234', method: 'W', lat: 13.6978, lon: -89.1914, radiusM: 13, confidence: 68, mcc: '706' });
    expect(r.ok && r.fix.positionedAt?.toISOString()).toBe('2026-11-24T20:00:10.000Z');
  });

  it('also accepts the time as YYYYMMDDhhmmss', () => {
    const r = parseAmlHttps({ ...base, location_time: '20261124200010' }, NOW);
    expect(r.ok).toBe(true);
  });

  it.each([
    [{ v: '' }, 'v: version missing'],
    [{ device_number: 'abc' }, 'device_number: missing or not a telephone number'],
    [{ location_source: 'magic' }, 'location_source: must be gps, wifi, cell or none'],
    [{ location_latitude: '-91' }, 'location_latitude: latitude must be a signed decimal between -90 and 90'],
    [{ location_time: 'yesterday' }, 'location_time: not a valid YYYYMMDDhhmmss time'],
    [{ location_accuracy: '' }, 'location_latitude, location_longitude and location_accuracy are required'],
  ])('rejects %o with a reason', (change, reason) => {
    const r = parseAmlHttps({ ...base, ...change }, NOW);
    expect(!r.ok && r.reason).toBe(reason);
  });
});
