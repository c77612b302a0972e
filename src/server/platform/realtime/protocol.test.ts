import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ERROR_MESSAGES } from '../../../common/errors.js';
import { batchFrameBytes, liveError, textFrame } from './protocol.js';
import type { LiveEvent } from './outbox.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** Writes `bytes` straight to the server's TCP socket under a real `ws` connection; resolves with what the `ws` client read. */
async function roundTrip(bytes: Buffer, expected: number): Promise<string[]> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  server.on('connection', (_ws, req) => req.socket.write(bytes));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('error', reject);
    client.on('close', (code) => reject(new Error(`closed ${code}`)));
    client.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      got.push(data.toString());
      if (got.length === expected) resolve();
    });
  });
  client.removeAllListeners('close');
  client.terminate();
  return got;
}

describe('prebuilt WebSocket frames', () => {
  it('are read by a ws client at every length encoding (7-bit, 16-bit, 64-bit) and in UTF-8', async () => {
    const texts = ['{"a":1}', `{"s":"${'ñ'.repeat(200)}"}`, `{"s":"${'x'.repeat(70_000)}"}`, ''];
    expect(await roundTrip(Buffer.concat(texts.map(textFrame)), texts.length)).toEqual(texts);
  });

  it("a batch is its events' frames back to back, built once", async () => {
    const event = (seq: number): LiveEvent => ({ seq, occurredAt: new Date(0).toISOString(), topic: 'incidents', kind: 'created', entityType: 'incident', entityId: `id-${seq}`, version: 1, department: 'SV.SS', data: null });
    const batch = [event(1), event(2), event(3)];
    expect(batchFrameBytes(batch)).toBe(batchFrameBytes(batch));
    const got = (await roundTrip(batchFrameBytes(batch), 3)).map((m) => JSON.parse(m) as { type: string; seq: number });
    expect(got.map((m) => [m.type, m.seq])).toEqual([['event', 1], ['event', 2], ['event', 3]]);
  });
});

describe('error frames', () => {
  it('keep their stable code and topic, and carry the message in Spanish and English as HTTP problems word it', () => {
    expect(liveError('forbidden', 'alerts')).toEqual({ type: 'error', code: 'forbidden', topic: 'alerts', detail: { es: 'No tiene permiso para esta acción.', en: 'You do not have permission for this action.' } });
    expect(liveError('validation_failed')).toEqual({ type: 'error', code: 'validation_failed', detail: ERROR_MESSAGES.validation_failed });
    expect(JSON.parse(JSON.stringify(liveError('validation_failed', 'nope')))).toEqual({ type: 'error', code: 'validation_failed', topic: 'nope', detail: { es: 'Los datos enviados no son válidos.', en: 'The submitted data is not valid.' } });
  });
});
