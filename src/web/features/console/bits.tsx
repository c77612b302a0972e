import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useT } from '../../app/i18n';
import { Chip, type ChipTone } from '../../ui/Chip';
import { consoleApi, consoleKeys, currentTarget, formatClock, type Catalogue, type IncidentSummary, type IncidentType } from './api';

export function PriorityChip({ priority }: { priority: number }) {
  const t = useT();
  return (
    <span className={`prio prio--${priority}`} title={t('console.priorityLong', { p: priority })}>
      P{priority}
    </span>
  );
}

const STATUS_TONE: Record<string, ChipTone> = {
  received: 'warn',
  dispatched: 'info',
  en_route: 'info',
  on_scene: 'ok',
  resolved: 'ok',
  closed: 'neutral',
  cancelled: 'neutral',
  merged: 'neutral',
};

export function StatusChip({ status }: { status: string }) {
  const t = useT();
  return (
    <Chip tone={STATUS_TONE[status] ?? 'neutral'} icon={false}>
      {t.maybe(`console.status.${status}`, status)}
    </Chip>
  );
}

const UNIT_TONE: Record<string, ChipTone> = { available: 'ok', dispatched: 'info', en_route: 'info', on_scene: 'warn', busy: 'warn', out_of_service: 'bad', off_duty: 'neutral', released: 'neutral' };

export function UnitStatusChip({ status }: { status: string }) {
  const t = useT();
  return (
    <Chip tone={UNIT_TONE[status] ?? 'neutral'} icon={false}>
      {t.maybe(`console.unitStatus.${status}`, status)}
    </Chip>
  );
}

export function useTypes() {
  return useQuery({ queryKey: consoleKeys.types, queryFn: consoleApi.types, staleTime: 10 * 60_000 });
}

export function useCatalogue() {
  return useQuery({ queryKey: consoleKeys.catalogue, queryFn: consoleApi.catalogue, staleTime: 10 * 60_000 });
}

export function useTypeName(types: IncidentType[] | undefined) {
  const t = useT();
  return useCallback((code: string) => types?.find((x) => x.code === code)?.name[t.lang] ?? code, [types, t.lang]);
}

/** A clock that ticks every second, for countdowns. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

// One clock for every countdown on screen: each second only the countdowns re-render, not the queue.
let secondNow = Date.now();
const secondListeners = new Set<() => void>();
let secondTimer: ReturnType<typeof setInterval> | undefined;
function subscribeSecond(listener: () => void) {
  secondListeners.add(listener);
  secondTimer ??= setInterval(() => {
    secondNow = Date.now();
    for (const l of secondListeners) l();
  }, 1000);
  return () => {
    secondListeners.delete(listener);
    if (secondListeners.size === 0 && secondTimer !== undefined) {
      clearInterval(secondTimer);
      secondTimer = undefined;
    }
  };
}
const useSecond = () => useSyncExternalStore(subscribeSecond, () => secondNow);

/** Time left to the incident's current target: normal, amber in its last quarter, red when past. */
export function Countdown({ incident, targets }: { incident: IncidentSummary; targets: Catalogue['targets'] | undefined }) {
  const t = useT();
  const now = useSecond();
  const target = currentTarget(incident, targets);
  if (!target) return <span className="countdown countdown--none">—</span>;
  const left = target.seconds - (now - target.start) / 1000;
  const level = left < 0 ? 'red' : left < target.seconds * 0.25 ? 'amber' : 'ok';
  const label = incident.times.firstDispatchedAt ? t('console.queue.toArrival') : t('console.queue.toDispatch');
  return (
    <span className={`countdown countdown--${level}`} title={label}>
      <span className="visually-hidden">{label}: </span>
      {left < 0 ? t('console.queue.overdue', { time: formatClock(-left) }) : formatClock(left)}
    </span>
  );
}
