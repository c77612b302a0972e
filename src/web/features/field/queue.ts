import { useSyncExternalStore } from 'react';
import { deviceSend, OfflineError } from './device';
import { idb } from './idb';

/** What the officer did, kept on the phone until the server has answered it. */
export type QueuedKind = 'status' | 'note' | 'report' | 'evidence' | 'panic' | 'backup' | 'positions';
export type Queued = {
  seq?: number;
  key: string;
  kind: QueuedKind;
  label: string;
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string | Blob | null;
  createdAt: string;
};
export type Finished = Queued & { seq: number; status: number; result: unknown; finishedAt: string };

type Snapshot = { pending: Queued[]; failed: Finished[]; online: boolean; syncing: boolean };
let snapshot: Snapshot = { pending: [], failed: [], online: navigator.onLine, syncing: false };
const listeners = new Set<() => void>();
const emit = (patch: Partial<Snapshot>) => {
  snapshot = { ...snapshot, ...patch };
  for (const l of listeners) l();
};
const resultListeners = new Set<(f: Finished) => void>();

async function refresh() {
  const [pending, done] = await Promise.all([idb<Queued[]>('queue', 'readonly', (s) => s.getAll()), idb<Finished[]>('done', 'readonly', (s) => s.getAll())]);
  emit({ pending, failed: done.filter((d) => d.status >= 400) });
}

/** Queues an action with its idempotency key; the replay loop sends queued actions strictly in order. */
export async function enqueue(item: Omit<Queued, 'seq' | 'createdAt' | 'method'> & { createdAt?: string }) {
  const headers = { ...item.headers, 'Idempotency-Key': item.key };
  await idb('queue', 'readwrite', (s) => s.add({ ...item, method: 'POST', headers, createdAt: item.createdAt ?? new Date().toISOString() }));
  await refresh();
  void flush();
}

let tokenOf: () => string | null = () => null;
let onUnauthorised: () => void = () => undefined;
export function configureQueue(opts: { token: () => string | null; onUnauthorised: () => void }) {
  tokenOf = opts.token;
  onUnauthorised = opts.onUnauthorised;
}
export const onFinished = (l: (f: Finished) => void) => {
  resultListeners.add(l);
  return () => resultListeners.delete(l);
};

// Statuses that a later attempt may change (auth, rate limit, server trouble): keep the item and stop.
const RETRY_LATER = (status: number) => status === 401 || status === 403 || status === 408 || status === 423 || status === 429 || status >= 500;

let running: Promise<void> | null = null;

/** Sends the head of the queue until it is empty or the network drops; one at a time keeps the order. */
export function flush(): Promise<void> {
  running ??= (async () => {
    emit({ syncing: true });
    try {
      for (;;) {
        const token = tokenOf();
        if (!token) return;
        const head = await idb<IDBCursorWithValue | null>('queue', 'readonly', (s) => s.openCursor());
        if (!head) return;
        const item = head.value as Queued & { seq: number };
        let res: Response;
        try {
          res = await deviceSend(token, item);
        } catch (e) {
          if (e instanceof OfflineError) {
            emit({ online: false });
            return;
          }
          throw e;
        }
        emit({ online: true });
        if (RETRY_LATER(res.status)) {
          if (res.status === 401) onUnauthorised();
          return;
        }
        const result: unknown = await res.json().catch(() => null);
        const finished: Finished = { ...item, body: null, status: res.status, result, finishedAt: new Date().toISOString() };
        // A definitive answer (success or refusal) ends the item; refusals stay listed for the officer.
        await idb('done', 'readwrite', (s) => s.put(finished));
        await idb('queue', 'readwrite', (s) => s.delete(item.seq));
        await refresh();
        for (const l of resultListeners) l(finished);
      }
    } finally {
      running = null;
      emit({ syncing: false });
    }
  })();
  return running;
}

export async function dismissFailed(seq: number) {
  await idb('done', 'readwrite', (s) => s.delete(seq));
  await refresh();
}

export function startQueue() {
  void refresh();
  const kick = () => {
    emit({ online: navigator.onLine });
    void flush();
  };
  window.addEventListener('online', kick);
  window.addEventListener('offline', () => emit({ online: false }));
  // Browsers do not always fire "online" (a captive portal, a flaky cell): try again regularly.
  const timer = window.setInterval(kick, 5000);
  return () => {
    window.removeEventListener('online', kick);
    window.clearInterval(timer);
  };
}

export function useQueue(): Snapshot {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => snapshot,
  );
}

export const newKey = () => crypto.randomUUID();
