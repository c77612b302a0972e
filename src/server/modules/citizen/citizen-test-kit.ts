import type { LightMyRequestResponse } from 'fastify';
import type { TestServer } from '../../test/test-server.js';
import { solve } from './proof-of-work.js';

// Smallest valid files of each kind: only their first bytes matter to the type check.
export const PNG_PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
export const PLAZA_LIBERTAD = { lat: 13.6978, lon: -89.1914 };

let lastOctet = 10;
/** A different client address per caller, so tests do not share the per-address limit unless they mean to. */
export const nextAddress = () => `10.9.${Math.floor(lastOctet / 250)}.${lastOctet++ % 250}`;

export type Client = { ip: string; device?: string };

export async function inject(s: TestServer, client: Client, opts: { method: string; url: string; body?: unknown }): Promise<LightMyRequestResponse> {
  const res = await s.centinela.app.inject({
    method: opts.method as 'GET',
    url: opts.url,
    remoteAddress: client.ip,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(client.device ? { cookie: `centinela_device=${client.device}` } : {}) },
    ...(opts.body !== undefined ? { payload: JSON.stringify(opts.body) } : {}),
  });
  const issued = res.cookies.find((c) => c.name === 'centinela_device');
  if (issued) client.device = issued.value;
  return res;
}

/** Asks for a challenge and solves it, keeping the puzzle too. */
export async function solvedPuzzle(s: TestServer, client: Client) {
  const res = await inject(s, client, { method: 'POST', url: '/api/citizen/challenges' });
  if (res.statusCode !== 201) throw new Error(`challenge: ${res.statusCode} ${res.body}`);
  const c = res.json() as { id: string; nonce: string; bits: number };
  return { id: c.id, nonce: c.nonce, bits: c.bits, solution: solve(c.nonce, c.bits) };
}

/** Asks for a challenge and solves it, as the web page does. */
export async function solvedChallenge(s: TestServer, client: Client) {
  const { id, solution } = await solvedPuzzle(s, client);
  return { id, solution };
}

export function reportBody(extra: Record<string, unknown> = {}) {
  return {
    type: 'suspicious',
    description: 'Dos hombres revisan los carros estacionados frente al parque',
    location: { ...PLAZA_LIBERTAD, from: 'map' },
    anonymous: true,
    ...extra,
  };
}

export async function submitReport(s: TestServer, extra: Record<string, unknown> = {}, client: Client = { ip: nextAddress() }) {
  const challenge = await solvedChallenge(s, client);
  return inject(s, client, { method: 'POST', url: '/api/citizen/reports', body: { ...reportBody(extra), challenge } });
}
