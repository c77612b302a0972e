/**
 * Figure 3's WebSocket clients, run in a worker thread: a share of the 1,000 clients connects,
 * subscribes to "incidents" and stamps every event on arrival. One thread for all of them had its
 * event loop late by 50-130 ms (p99) during the run, and every stamp taken late counts against the
 * server; on separate threads each share is read as soon as a core is free, as separate devices are.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { readMessage } from '../lib/live-message.js';
import { LeanWebSocket } from '../lib/ws-lean.js';
import { epochMs, sleep } from '../lib/stats.js';

export type ClientsInput = { wsUrl: string; cookie: string; clients: number; capacity: number };
/** Main thread → worker. */
export type ClientsCommand = { type: 'measure' } | { type: 'drain'; created: number; timeoutMs: number };
/** Worker → main thread. */
export type ClientsMessage =
  | { type: 'ready'; subscribedAt: Float64Array }
  | { type: 'error'; message: string }
  | {
      type: 'done';
      seqs: Int32Array;
      receivedAt: Float64Array;
      outOfOrder: number;
      otherMessages: Record<string, number>;
      closedEarly: Record<number, number>;
      entityOfSeq: [number, string][];
      drained: boolean;
      /** This thread's event-loop delay while the events arrived (ms): how late its stamps could be. */
      loopDelay: { p50: number; p99: number; max: number };
    };

const input = workerData as ClientsInput;
const port = parentPort!;
const post = (m: ClientsMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let capacity = input.capacity;
let seqs = new Int32Array(capacity);
let receivedAt = new Float64Array(capacity);
let n = 0;
const subscribedAt = new Float64Array(input.clients).fill(Number.NaN);
const perClient = new Int32Array(input.clients);
const lastSeen = new Float64Array(input.clients);
const entityOfSeq = new Map<number, string>();
const otherMessages: Record<string, number> = {};
const closedEarly: Record<number, number> = {};
let outOfOrder = 0;
let closing = false;
const sockets: LeanWebSocket[] = [];
/** Called when client i's socket has closed (drain waits on them). */
const closeWaiters: (() => void)[] = [];
const delay = monitorEventLoopDelay({ resolution: 1 });

function grow() {
  capacity *= 2;
  const s2 = new Int32Array(capacity);
  s2.set(seqs);
  seqs = s2;
  const r2 = new Float64Array(capacity);
  r2.set(receivedAt);
  receivedAt = r2;
}

const connect = async (i: number) => {
  let subscribed: () => void = () => undefined;
  let refused: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => ((subscribed = resolve), (refused = reject)));
  const onClose = (code: number) => {
    closeWaiters[i]?.();
    if (!closing) closedEarly[code] = (closedEarly[code] ?? 0) + 1;
    refused(new Error(`the server closed a client with ${code} before it subscribed`));
  };
  const onMessage = (data: Buffer) => {
    const at = epochMs();
    const m = readMessage(data);
    if (m.type === 'event' && m.topic === 'incidents') {
      const seq = m.seq!;
      if (n === capacity) grow();
      seqs[n] = seq;
      receivedAt[n] = at;
      n++;
      perClient[i]!++;
      if (seq <= lastSeen[i]!) outOfOrder++;
      lastSeen[i] = seq;
      if (m.kind === 'created' && !entityOfSeq.has(seq)) entityOfSeq.set(seq, m.entityId!);
    } else if (m.type === 'subscribed') {
      subscribedAt[i] = m.lastSeq!;
      lastSeen[i] = m.lastSeq!;
      subscribed();
    } else {
      otherMessages[m.type] = (otherMessages[m.type] ?? 0) + 1;
    }
  };
  const ws = await LeanWebSocket.open(new URL(input.wsUrl), { cookie: `centinela_session=${input.cookie}` }, { onMessage, onClose: (code) => onClose(code) });
  sockets[i] = ws;
  ws.send(JSON.stringify({ type: 'subscribe', topics: [{ topic: 'incidents' }] }));
  await ready;
};

async function drain(cmd: Extract<ClientsCommand, { type: 'drain' }>) {
  const until = Date.now() + cmd.timeoutMs;
  let drained = false;
  while (Date.now() < until) {
    if (perClient.every((c) => c >= cmd.created)) {
      drained = true;
      break;
    }
    await sleep(50);
  }
  await sleep(500);
  delay.disable();
  closing = true;
  await Promise.all(
    sockets.map(
      (ws, i) =>
        new Promise<void>((resolve) => {
          if (!ws.open) return resolve();
          closeWaiters[i] = resolve;
          ws.close(1000, 2_000);
        }),
    ),
  );
  const s = seqs.slice(0, n);
  const r = receivedAt.slice(0, n);
  const ms = (ns: number) => ns / 1e6;
  post(
    {
      type: 'done',
      seqs: s,
      receivedAt: r,
      outOfOrder,
      otherMessages,
      closedEarly,
      entityOfSeq: [...entityOfSeq],
      drained,
      loopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
    },
    [s.buffer as ArrayBuffer, r.buffer as ArrayBuffer],
  );
}

port.on('message', (cmd: ClientsCommand) => {
  // The window starts after the warm-up: the loop delay reported is the window's.
  if (cmd.type === 'measure') delay.reset();
  else drain(cmd).catch((e: Error) => post({ type: 'error', message: e.message }));
});

try {
  // Connect and subscribe, 50 at a time.
  for (let i = 0; i < input.clients; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, input.clients - i) }, (_, k) => connect(i + k)));
  }
  delay.enable();
  post({ type: 'ready', subscribedAt });
} catch (e) {
  post({ type: 'error', message: (e as Error).message });
}
