import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useT } from '../../app/i18n';
import { USER_STORAGE_PREFIX } from '../../app/user-storage';
import { useMe } from '../auth/session';
import { consoleApi, consoleKeys, type Unit } from './api';
import { patchIncidents, patchUnits } from './queue-patch';

export type EventMessage = {
  type: 'event';
  seq: number;
  topic: string;
  kind: string;
  entityType: string;
  entityId: string;
  version: number;
  department: string | null;
  data: unknown;
};
type ServerMessage = { type: 'subscribed'; lastSeq: number } | { type: 'reload'; lastSeq: number } | EventMessage | { type: 'error'; code: string; topic?: string };

export type LiveState = 'connecting' | 'open' | 'down';

// Events are applied in windows: a busy night's hundreds of positions a second cost a few renders, not hundreds.
const FLUSH_MS = 250;

/** Plays a short local tone (no audio file, no network) for alerts. */
function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.08;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.18);
    osc.onended = () => void ctx.close();
  } catch {
    /* audio unavailable */
  }
}

type Position = { lat: number; lon: number; at: string; accuracyM: number | null; version: number };
type Pending = { keys: Set<string>; positions: Map<string, Position>; incidents: Set<string>; units: Set<string> };

// More changed incidents (or units) than this in one window: refetching the whole list is cheaper.
const PATCH_MAX = 100;

/** Collects one live event: unit positions to apply in place, incidents and units to refresh one by one, everything else to refetch. */
function applyEvent(e: EventMessage, pending: Pending) {
  if (e.topic === 'units' && e.kind === 'position' && e.data && typeof e.data === 'object') {
    const p = e.data as { lat: number; lon: number; at: string; accuracyM?: number | null };
    pending.positions.set(e.entityId, { lat: p.lat, lon: p.lon, at: p.at, accuracyM: p.accuracyM ?? null, version: e.version });
    return;
  }
  if (e.topic === 'units') {
    pending.units.add(e.entityId);
    pending.keys.add('recommendations');
    return;
  }
  // incidents and alerts
  pending.keys.add('metrics');
  if (e.entityType === 'incident') {
    pending.incidents.add(e.entityId);
    pending.keys.add(`incident:${e.entityId}`);
  } else pending.keys.add('incidents');
  if (e.topic === 'alerts') pending.keys.add('approvals');
}

/**
 * The rows a window's events named, fetched alone and written into the cached list: a new call or a
 * unit's status change costs one small request and one row, not the 500-incident or 1,000-unit list.
 * Anything doubtful (no list yet, a full refetch under way, too many changes, a failed request)
 * refetches the list.
 */
async function refreshRows<T>(qc: QueryClient, key: readonly string[], ids: string[], fetchByIds: (ids: string[]) => Promise<T[]>, patch: (prev: T[], asked: string[], fresh: T[]) => T[]) {
  const list = qc.getQueryData<T[]>(key);
  if (!list) return;
  if (ids.length > PATCH_MAX || qc.isFetching({ queryKey: key }) > 0) return qc.invalidateQueries({ queryKey: key });
  try {
    const listAt = qc.getQueryState(key)?.dataUpdatedAt;
    const fresh = await fetchByIds(ids);
    // A full list that arrived (or is on its way) meanwhile is at least as new as this answer.
    if (qc.getQueryState(key)?.dataUpdatedAt !== listAt || qc.isFetching({ queryKey: key }) > 0) return;
    qc.setQueryData<T[]>(key, (prev) => (prev ? patch(prev, ids, fresh) : prev));
  } catch {
    await qc.invalidateQueries({ queryKey: key });
  }
}

// One window's patch after another, per list: answers applied out of order could bring back a closed incident.
let patchingIncidents: Promise<unknown> = Promise.resolve();
let patchingUnits: Promise<unknown> = Promise.resolve();

/** One cache write for all positions of the window (one render, one map update), then the refreshes. */
function flush(qc: QueryClient, pending: Pending) {
  if (pending.positions.size > 0) {
    const positions = new Map(pending.positions);
    pending.positions.clear();
    qc.setQueryData<Unit[]>(
      consoleKeys.units,
      (prev) =>
        prev?.map((u) => {
          const p = positions.get(u.id);
          // A late event must not replace the newer position a refresh already brought.
          return p && p.version >= u.version ? { ...u, version: p.version, position: { lat: p.lat, lon: p.lon, at: p.at, accuracyM: p.accuracyM } } : u;
        }),
      // Positions keep the list's time: a refresh by id compares it to tell a newer full list, not a position, arrived meanwhile.
      { updatedAt: qc.getQueryState(consoleKeys.units)?.dataUpdatedAt },
    );
  }
  if (pending.incidents.size > 0 && !pending.keys.has('incidents')) {
    const ids = [...pending.incidents];
    patchingIncidents = patchingIncidents.then(() => refreshRows(qc, consoleKeys.incidents, ids, consoleApi.incidentsByIds, patchIncidents)).catch(() => undefined);
  }
  pending.incidents.clear();
  if (pending.units.size > 0) {
    const ids = [...pending.units];
    patchingUnits = patchingUnits.then(() => refreshRows(qc, consoleKeys.units, ids, consoleApi.unitsByIds, patchUnits)).catch(() => undefined);
  }
  pending.units.clear();
  for (const key of pending.keys) {
    if (key === 'recommendations') void qc.invalidateQueries({ queryKey: ['incidents', 'recommendations'] });
    else if (key === 'incidents') void qc.invalidateQueries({ queryKey: consoleKeys.incidents });
    else if (key === 'metrics') void qc.invalidateQueries({ queryKey: ['incidents', 'metrics'] });
    else if (key === 'approvals') void qc.invalidateQueries({ queryKey: ['approvals'] });
    else if (key.startsWith('incident:')) {
      const id = key.slice('incident:'.length);
      void qc.invalidateQueries({ queryKey: consoleKeys.incident(id) });
      void qc.invalidateQueries({ queryKey: consoleKeys.recommendations(id) });
    }
  }
  pending.keys.clear();
}

/**
 * What an alert shows beside its kind: when it was raised (`at`, from the event; else when it came),
 * the unit, the incident number and the position, when the event carries them. `receivedAt` is this
 * browser's clock, to tell alerts that arrive while a screen is open from those kept from before.
 */
export type LiveAlert = {
  seq: number;
  kind: string;
  entityType: string;
  entityId: string;
  at: number;
  receivedAt: number;
  callSign: string | null;
  number: string | null;
  position: { lat: number; lon: number } | null;
};

export const alertOf = (m: EventMessage): LiveAlert => {
  const d = (m.data && typeof m.data === 'object' ? m.data : {}) as { callSign?: unknown; number?: unknown; raisedAt?: unknown; position?: { lat?: unknown; lon?: unknown } | null };
  const pos = d.position && typeof d.position.lat === 'number' && typeof d.position.lon === 'number' ? { lat: d.position.lat, lon: d.position.lon } : null;
  const receivedAt = Date.now();
  const raised = typeof d.raisedAt === 'string' ? Date.parse(d.raisedAt) : Number.NaN;
  return {
    seq: m.seq,
    kind: m.kind,
    entityType: m.entityType,
    entityId: m.entityId,
    at: Number.isNaN(raised) ? receivedAt : raised,
    receivedAt,
    callSign: typeof d.callSign === 'string' ? d.callSign : null,
    number: typeof d.number === 'string' ? d.number : null,
    position: pos,
  };
};

/**
 * Alerts stay until the user closes them, on every console screen and across a reload of the tab:
 * they live in the query cache (a client-only entry, never fetched), copied to sessionStorage with
 * the last event seen. A change of screen or a reload keeps them; signing out forgets them, here
 * (the cache cleared) and in storage (app/user-storage.ts).
 */
const ALERTS_KEY = ['live', 'alerts'] as const;
// A night's burst of escalations is kept whole; the strip scrolls.
const MAX_ALERTS = 50;
const STORAGE_KEY = `${USER_STORAGE_PREFIX}console-live`;

/** What a tab keeps for its signed-in user: the alerts shown and the last event seen (the next connection resumes after it). */
type Stored = { user: string; seq: number | null; alerts: LiveAlert[] };

const isAlert = (a: unknown): a is LiveAlert => {
  const x = a as Partial<LiveAlert> | null;
  return !!x && typeof x === 'object' && typeof x.seq === 'number' && typeof x.kind === 'string' && typeof x.entityType === 'string' && typeof x.entityId === 'string' && typeof x.at === 'number' && typeof x.receivedAt === 'number';
};

function readStored(user: string): Stored {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Stored> | null;
    if (v && v.user === user && Array.isArray(v.alerts)) return { user, seq: typeof v.seq === 'number' ? v.seq : null, alerts: v.alerts.filter(isAlert) };
  } catch {
    /* unreadable: start afresh */
  }
  return { user, seq: null, alerts: [] };
}

function writeStored(user: string, change: Partial<Omit<Stored, 'user'>>): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ ...readStored(user), ...change }));
  } catch {
    /* storage full or disabled: the alerts still live in memory */
  }
}

/** Changes the alerts in the cache and in the tab's copy (the only writers: new, closed, all closed). */
function setAlerts(qc: QueryClient, user: string, next: (prev: LiveAlert[]) => LiveAlert[]): void {
  const alerts = next(qc.getQueryData<LiveAlert[]>(ALERTS_KEY) ?? []);
  qc.setQueryData<LiveAlert[]>(ALERTS_KEY, alerts);
  writeStored(user, { alerts });
}

/** The session's alerts are in the cache: sign-out clears it, and after that nothing of this tab's live state is written back. */
const alertsLive = (qc: QueryClient) => !!qc.getQueryCache().find({ queryKey: ALERTS_KEY, exact: true });

/**
 * Adds an alert unless it is already there (a replay after a reconnection); true when it is new. Only
 * into a live entry: once sign-out has cleared the cache, a late alert must not recreate it for the
 * next user of the tab.
 */
function addAlert(qc: QueryClient, user: string, a: LiveAlert): boolean {
  if (!alertsLive(qc)) return false;
  if ((qc.getQueryData<LiveAlert[]>(ALERTS_KEY) ?? []).some((x) => x.seq === a.seq)) return false;
  setAlerts(qc, user, (prev) => [a, ...prev].slice(0, MAX_ALERTS));
  return true;
}

export function useAlerts(): { alerts: LiveAlert[]; dismiss: (seq: number) => void; dismissAll: () => void } {
  const qc = useQueryClient();
  const user = useMe().id;
  // After a reload the tab's stored alerts come back (only its own user's).
  const { data } = useQuery({ queryKey: ALERTS_KEY, queryFn: () => [] as LiveAlert[], enabled: false, staleTime: Infinity, gcTime: Infinity, initialData: () => readStored(user).alerts });
  return {
    alerts: data ?? [],
    dismiss: (seq) => setAlerts(qc, user, (prev) => prev.filter((a) => a.seq !== seq)),
    dismissAll: () => setAlerts(qc, user, () => []),
  };
}


/**
 * The console's live connection: subscribes to incidents, units and alerts; reconnects with
 * backoff passing `since`; on `reload` (or after a gap it cannot replay) refetches everything.
 */
export function useLive(options: { alerts?: boolean } = {}): { state: LiveState } {
  const qc = useQueryClient();
  const user = useMe().id;
  const [state, setState] = useState<LiveState>('connecting');
  const wantAlerts = options.alerts ?? true;
  const lastSeq = useRef<number | null>(null);

  useEffect(() => {
    // Read here, not while rendering: the previous screen's cleanup, which saves it, has run by now.
    // The last event this tab saw (another screen, or before a reload): this connection resumes after it.
    if (lastSeq.current === null) lastSeq.current = readStored(user).seq;
    const saveSeq = () => {
      if (alertsLive(qc)) writeStored(user, { seq: lastSeq.current });
    };
    let ws: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const pending: Pending = { keys: new Set(), positions: new Map(), incidents: new Set(), units: new Set() };
    let wasDown = false;

    const scheduleFlush = () => {
      if (flushTimer !== undefined) return;
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        flush(qc, pending);
      }, FLUSH_MS);
    };

    const connect = () => {
      if (stopped) return;
      setState((s) => (s === 'down' ? 'down' : 'connecting'));
      const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new WebSocket(`${proto}//${window.location.host}/api/live`);
      // Resuming (since) the replay follows `subscribed`: only the events themselves move lastSeq on, so a
      // screen change or a drop before they all came resumes from the last one seen, not past the rest.
      let resuming = false;
      ws.onopen = () => {
        const topics = [{ topic: 'incidents' }, { topic: 'units' }, ...(wantAlerts ? [{ topic: 'alerts' }] : [])];
        resuming = lastSeq.current !== null;
        ws?.send(JSON.stringify(lastSeq.current === null ? { type: 'subscribe', topics } : { type: 'subscribe', topics, since: lastSeq.current }));
      };
      ws.onmessage = (msg) => {
        let m: ServerMessage;
        try {
          m = JSON.parse(String(msg.data)) as ServerMessage;
        } catch {
          return;
        }
        if (m.type === 'subscribed') {
          attempt = 0;
          setState('open');
          // After a reconnection the replay covers what was missed, but refetching is cheap insurance.
          if (wasDown) void qc.invalidateQueries();
          wasDown = false;
          if (!resuming) {
            lastSeq.current = Math.max(lastSeq.current ?? 0, m.lastSeq);
            saveSeq(); // a quiet console reloaded now still resumes from here
          }
        } else if (m.type === 'reload') {
          lastSeq.current = m.lastSeq;
          saveSeq();
          void qc.invalidateQueries();
        } else if (m.type === 'event') {
          lastSeq.current = Math.max(lastSeq.current ?? 0, m.seq);
          applyEvent(m, pending);
          scheduleFlush();
          if (m.topic === 'alerts' && addAlert(qc, user, alertOf(m))) beep();
        }
      };
      ws.onclose = () => {
        ws = null;
        if (stopped) return;
        wasDown = true;
        setState('down');
        const delay = Math.min(10_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        attempt += 1;
        retryTimer = setTimeout(connect, delay);
      };
    };
    connect();
    // A reload or a navigation away saves where this tab got to (unmounting does not happen then).
    window.addEventListener('pagehide', saveSeq);
    return () => {
      window.removeEventListener('pagehide', saveSeq);
      stopped = true;
      clearTimeout(retryTimer);
      // The window's events are applied now, not dropped: the next page resumes after them.
      if (flushTimer !== undefined) {
        clearTimeout(flushTimer);
        flush(qc, pending);
      }
      saveSeq();
      ws?.close();
    };
  }, [qc, wantAlerts, user]);

  return { state };
}

/** The "connection lost" banner; silent while connected. */
export function LiveBanner({ state }: { state: LiveState }) {
  const t = useT();
  if (state !== 'down') return null;
  return (
    <div className="banner banner--warning live-banner" role="alert">
      <span aria-hidden="true">⚠ </span>
      {t('console.live.down')}
    </div>
  );
}

export function LiveIndicator({ state }: { state: LiveState }) {
  const t = useT();
  return (
    <span className={`live-dot live-dot--${state}`} role="status">
      <span aria-hidden="true">●</span> {state === 'open' ? t('console.live.open') : state === 'down' ? t('console.live.offline') : t('console.live.connecting')}
    </span>
  );
}
