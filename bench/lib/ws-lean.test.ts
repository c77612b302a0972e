import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameReader, LeanWebSocket, type Frame } from './ws-lean.js';

/** A real `ws` server: the other end the lean client must agree with. */
async function wsServer(onConnection: (ws: WebSocket, req: http.IncomingMessage) => void) {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/live?x=1`);
  const close = async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
    await new Promise((r) => server.close(r));
  };
  cleanups.push(close);
  return url;
}
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const until = async (ok: () => boolean, ms = 5_000) => {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('LeanWebSocket against a ws server', () => {
  it('upgrades with the headers given, exchanges messages of every length encoding, and answers pings', async () => {
    let seenPath = '';
    let seenCookie = '';
    const fromClient: string[] = [];
    let pongs = 0;
    const big = 'x'.repeat(70_000);
    const url = await wsServer((ws, req) => {
      seenPath = req.url ?? '';
      seenCookie = req.headers.cookie ?? '';
      ws.on('pong', () => pongs++);
      ws.on('message', (m) => {
        fromClient.push(m.toString());
        ws.send('short');
        ws.send('y'.repeat(300));
        ws.send(big);
        ws.send('ñandú €'); // UTF-8 beyond ASCII
        ws.ping('are you there');
      });
    });
    const c = await LeanWebSocket.open(url, { cookie: 'centinela_session=abc' });
    const got: string[] = [];
    c.onMessage = (p) => got.push(p.toString('utf8'));
    c.send(JSON.stringify({ type: 'subscribe', long: 'z'.repeat(200) }));
    await until(() => got.length === 4 && pongs === 1);
    expect(seenPath).toBe('/api/live?x=1');
    expect(seenCookie).toBe('centinela_session=abc');
    expect(fromClient).toEqual([JSON.stringify({ type: 'subscribe', long: 'z'.repeat(200) })]);
    expect(got).toEqual(['short', 'y'.repeat(300), big, 'ñandú €']);
  });

  it('closes with a handshake either way, and reports the code', async () => {
    let serverSaw = 0;
    const url = await wsServer((ws) => {
      ws.on('close', (code) => (serverSaw = code));
      ws.on('message', () => ws.close(4001, 'bye'));
    });
    const a = await LeanWebSocket.open(url, {});
    let aCode = 0;
    a.onClose = (code) => (aCode = code);
    a.close(1000);
    await until(() => aCode !== 0 && serverSaw !== 0);
    expect([aCode, serverSaw]).toEqual([1000, 1000]);

    const b = await LeanWebSocket.open(url, {});
    let bCode = 0;
    b.onClose = (code) => (bCode = code);
    b.send('close me');
    await until(() => bCode !== 0);
    expect(bCode).toBe(4001);
  });

  it('refuses an upgrade the server refuses', async () => {
    const server = http.createServer((_req, res) => res.writeHead(403).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    await expect(LeanWebSocket.open(new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`), {})).rejects.toThrow(/HTTP 403/);
  });
});

describe('FrameReader', () => {
  const frame = (fin: boolean, opcode: number, payload: Buffer) => {
    const len = payload.length;
    const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, len]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, len >> 8, len & 0xff]);
    return Buffer.concat([head, payload]);
  };

  it('reads frames split at every byte, joins fragments, and passes control frames between them', () => {
    const wire = Buffer.concat([
      frame(true, 1, Buffer.from('one')),
      frame(false, 1, Buffer.from('tw')),
      frame(true, 9, Buffer.from('ping')),
      frame(true, 0, Buffer.from('o')),
      frame(true, 1, Buffer.alloc(200, 0x61)),
    ]);
    const got: Frame[] = [];
    const r = new FrameReader((f) => got.push(f));
    for (let i = 0; i < wire.length; i++) r.push(wire.subarray(i, i + 1));
    expect(got.map((f) => [f.opcode, f.payload.toString()])).toEqual([
      [1, 'one'],
      [9, 'ping'],
      [1, 'two'],
      [1, 'a'.repeat(200)],
    ]);
  });

  it('refuses a masked frame from a server', () => {
    const r = new FrameReader(() => undefined);
    expect(() => r.push(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0]))).toThrow(/masked/);
  });
});
