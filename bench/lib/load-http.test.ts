import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadConnection, LoadConnections, requestBytes } from './load-http.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function listen(server: http.Server | net.Server): Promise<URL> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** A server that answers each request with `reply(request)`, written one byte per write. */
async function rawServer(reply: (request: string) => string): Promise<URL> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let seen = '';
    socket.on('data', async (chunk) => {
      seen += chunk.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
      if (seen.length < end + 4 + length) return;
      const request = seen.slice(0, end + 4 + length);
      seen = seen.slice(request.length);
      for (const byte of Buffer.from(reply(request), 'utf8')) {
        socket.write(Buffer.of(byte));
        await new Promise((r) => setImmediate(r));
      }
    });
  });
  closers.push(async () => {
    for (const s of sockets) s.destroy();
  });
  return listen(server);
}

describe('LoadConnection', () => {
  it('sends the prepared request and reads each keep-alive response by its length, whatever the server sends', async () => {
    const seen: { method: string; url: string; cookie: string | undefined; body: unknown }[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, cookie: req.headers.cookie, body: JSON.parse(text) });
        const body = JSON.stringify({ n: seen.length, name: 'Ñandú ☎' });
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      });
    });
    const url = await listen(server);
    const connection = await LoadConnection.open(url);
    const request = requestBytes('POST', url, '/api/things', { cookie: 's=1' }, { a: 'ü' });
    for (const n of [1, 2, 3]) expect(await connection.send(request)).toEqual({ status: 201, body: JSON.stringify({ n, name: 'Ñandú ☎' }) });
    connection.close();
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ method: 'POST', url: '/api/things', cookie: 's=1', body: { a: 'ü' } })));
  });

  it('puts together a response that arrives a byte at a time, a character split across writes included', async () => {
    const body = '{"name":"Ñandú"}';
    const url = await rawServer(() => `HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const connection = await LoadConnection.open(url);
    expect(await connection.send(requestBytes('GET', url, '/', {}))).toEqual({ status: 422, body });
    expect(await connection.send(requestBytes('GET', url, '/', {}))).toEqual({ status: 422, body });
    connection.close();
  });

  it('fails a response it cannot read by length, and every request after it', async () => {
    const url = await rawServer(() => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
    const connection = await LoadConnection.open(url);
    await expect(connection.send(requestBytes('GET', url, '/', {}))).rejects.toThrow(/without Content-Length: HTTP\/1.1 200 OK/);
    await expect(connection.send(requestBytes('GET', url, '/', {}))).rejects.toThrow(/without Content-Length/);
  });

  it('fails the request under way when the server closes the connection', async () => {
    const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    const url = await listen(server);
    const connection = await LoadConnection.open(url);
    await expect(connection.send(requestBytes('GET', url, '/', {}))).rejects.toThrow(/closed the connection|ECONNRESET/);
  });
});

describe('LoadConnections', () => {
  it('runs as many requests at once as it has connections, and refuses one more', async () => {
    let open = 0;
    let most = 0;
    const server = http.createServer((_req, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
      }, 20);
    });
    const url = await listen(server);
    const connections = await LoadConnections.open(url, 3);
    const request = requestBytes('GET', url, '/', {});
    const three = Promise.all([1, 2, 3].map(() => connections.send(request)));
    await expect(connections.send(request)).rejects.toThrow(/more requests in flight than connections/);
    expect((await three).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(most).toBe(3);
    connections.close();
  });
});
