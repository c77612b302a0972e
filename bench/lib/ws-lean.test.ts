import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameReader, LeanWebSocket, type Frame } from './ws-lean.js';

const none = { onMessage: () => undefined, onClose: () => undefined };

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
    const got: string[] = [];
    const c = await LeanWebSocket.open(url, { cookie: 'centinela_session=abc' }, { onMessage: (p) => got.push(p.toString('utf8')), onClose: () => undefined });
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
    let aCode = 0;
    const a = await LeanWebSocket.open(url, {}, { onMessage: () => undefined, onClose: (code) => (aCode = code) });
    a.close(1000);
    await until(() => aCode !== 0 && serverSaw !== 0);
    expect([aCode, serverSaw]).toEqual([1000, 1000]);

    let bCode = 0;
    const b = await LeanWebSocket.open(url, {}, { onMessage: () => undefined, onClose: (code) => (bCode = code) });
    b.send('close me');
    await until(() => bCode !== 0);
    expect(bCode).toBe(4001);
  });

  it('refuses an upgrade the server refuses', async () => {
    const server = http.createServer((_req, res) => res.writeHead(403).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    await expect(LeanWebSocket.open(new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`), {}, none)).rejects.toThrow(/HTTP 403/);
  });

  it('reads what came with the 101 head (a message, then a close), and refuses a wrong accept key or a server that hangs up first', async () => {
    // A raw server: it answers each upgrade as its `answer` says, in one write.
    let answer: (key: string) => Buffer = () => Buffer.alloc(0);
    const raw = net.createServer((s) => {
      let buf = '';
      s.on('error', () => undefined);
      s.on('data', (d) => {
        if (buf.includes('\r\n\r\n')) return; // answered already; what follows is the client's close
        buf += d.toString('latin1');
        if (!buf.includes('\r\n\r\n')) return;
        const key = /sec-websocket-key: (.*)\r\n/i.exec(buf)![1]!;
        const out = answer(key);
        if (out.length === 0) s.destroy();
        else s.end(out);
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => raw.close(() => r())));
    const url = new URL(`ws://127.0.0.1:${(raw.address() as AddressInfo).port}/api/live`);
    const head = (accept: string) => `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`;
    const acceptOf = (key: string) => crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const serverFrame = (opcode: number, payload: Buffer) => Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);

    answer = (key) => Buffer.concat([Buffer.from(head(acceptOf(key)), 'latin1'), serverFrame(1, Buffer.from('hello')), serverFrame(8, Buffer.from([0x03, 0xf0]))]);
    const got: string[] = [];
    let code = 0;
    await LeanWebSocket.open(url, {}, { onMessage: (p) => got.push(p.toString()), onClose: (c) => (code = c) });
    await until(() => code !== 0);
    expect([got, code]).toEqual([['hello'], 1008]);

    // A message in two fragments, each in its own read: every read lands in the same buffer, so the first must have been copied.
    const fragments = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', (d) => {
        const key = /sec-websocket-key: (.*)\r\n/i.exec(d.toString('latin1'))![1]!;
        s.write(head(acceptOf(key)), 'latin1');
        setTimeout(() => s.write(Buffer.concat([Buffer.from([0x01, 3]), Buffer.from('abc')])), 30);
        setTimeout(() => s.write(Buffer.concat([Buffer.from([0x80, 3]), Buffer.from('def')])), 60);
        setTimeout(() => s.end(serverFrame(1, Buffer.from('ghi'))), 90);
      });
    });
    await new Promise<void>((r) => fragments.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => fragments.close(() => r())));
    const joined: string[] = [];
    await LeanWebSocket.open(new URL(`ws://127.0.0.1:${(fragments.address() as AddressInfo).port}/`), {}, { onMessage: (p) => joined.push(p.toString()), onClose: () => undefined });
    await until(() => joined.length === 2);
    expect(joined).toEqual(['abcdef', 'ghi']);

    answer = () => Buffer.from(head('bm90IHRoZSByaWdodCBrZXk='), 'latin1');
    await expect(LeanWebSocket.open(url, {}, none)).rejects.toThrow(/Sec-WebSocket-Accept/);
    answer = () => Buffer.alloc(0);
    await expect(LeanWebSocket.open(url, {}, none)).rejects.toThrow(/closed the connection before the upgrade/);
  });
});

describe('FrameReader', () => {
  const frame = (fin: boolean, opcode: number, payload: Buffer) => {
    const len = payload.length;
    const b0 = (fin ? 0x80 : 0) | opcode;
    if (len < 126) return Buffer.concat([Buffer.from([b0, len]), payload]);
    if (len < 65536) return Buffer.concat([Buffer.from([b0, 126, len >> 8, len & 0xff]), payload]);
    const head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
    return Buffer.concat([head, payload]);
  };

  it('reads frames split at every byte, joins fragments, and passes control frames between them', () => {
    const wire = Buffer.concat([
      frame(true, 1, Buffer.from('one')),
      frame(false, 1, Buffer.from('tw')),
      frame(true, 9, Buffer.from('ping')),
      frame(true, 0, Buffer.from('o')),
      frame(true, 1, Buffer.alloc(200, 0x61)),
      frame(true, 2, Buffer.alloc(70_000, 0x62)),
    ]);
    const got: Frame[] = [];
    const r = new FrameReader((f) => got.push(f));
    // A byte at a time through the small frames, then in larger steps (the reader joins what it holds with each chunk).
    for (let i = 0; i < wire.length; i += i < 300 ? 1 : 4096) r.push(wire.subarray(i, i < 300 ? i + 1 : i + 4096));
    expect(got.map((f) => [f.opcode, f.payload.toString()])).toEqual([
      [1, 'one'],
      [9, 'ping'],
      [1, 'two'],
      [1, 'a'.repeat(200)],
      [2, 'b'.repeat(70_000)],
    ]);
  });

  it('refuses a masked frame from a server', () => {
    const r = new FrameReader(() => undefined);
    expect(() => r.push(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0]))).toThrow(/masked/);
  });
});
