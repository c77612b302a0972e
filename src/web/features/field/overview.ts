import { useCallback, useEffect, useState } from 'react';
import { isProblem } from '../../app/api';
import { deviceJson, OfflineError } from './device';
import { kvGet, kvSet } from './idb';
import { onFinished } from './queue';

export type Overview = {
  unit: { id: string; callSign: string; unitType: string; status: string; department: string; version: number };
  crew: { id: string; displayName: string }[];
  assignment: {
    incidentId: string;
    number: string;
    typeCode: string;
    typeName: { es: string; en: string };
    priority: number;
    status: string;
    description: string;
    address: string | null;
    position: { lat: number; lon: number } | null;
    department: string | null;
    assignedAt: string;
    callerPhoneAvailable: boolean;
  } | null;
  dispositions: { code: string; label: { es: string; en: string } }[];
  settings: { positionSeconds: number; idleMinutes: number };
};

const CACHE = 'overview';

/** The assignment as last seen: refreshed from the server, kept in IndexedDB for when there is no signal. */
export function useOverview(token: string, onRevoked: () => void) {
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [stale, setStale] = useState(false);
  const load = useCallback(async () => {
    try {
      const o = await deviceJson<Overview>('/field/overview', token);
      setData(o);
      setStale(false);
      setError(null);
      await kvSet(CACHE, o);
    } catch (e) {
      if (e instanceof OfflineError) setStale(true);
      // A revoked or expired device token: back to sign-in (the outbox stays on the phone).
      else if (isProblem(e) && e.status === 401) onRevoked();
      else setError(e);
    }
  }, [token, onRevoked]);
  useEffect(() => {
    void kvGet<Overview>(CACHE).then((o) => o && setData((d) => d ?? o));
    void load();
    const timer = window.setInterval(() => void load(), 15_000);
    const off = onFinished((f) => {
      if (f.kind !== 'positions') void load();
    });
    return () => {
      window.clearInterval(timer);
      off();
    };
  }, [load]);
  return { data, error, stale, reload: load };
}
