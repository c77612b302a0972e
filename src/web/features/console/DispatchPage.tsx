import { useQuery } from '@tanstack/react-query';
import { lazy, memo, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { SelectField } from '../../ui/Field';
import { Chip } from '../../ui/Chip';
import { PageHeader } from '../../ui/Page';
import { consoleApi, consoleKeys, departmentName, DEPARTMENTS, sortQueue, type IncidentSummary, type Unit } from './api';
import { Countdown, PriorityChip, StatusChip, useCatalogue, useTypeName, useTypes } from './bits';
import { IncidentPanel } from './IncidentPanel';
import { AlertsStrip } from './AlertsStrip';
import { ConsoleShortcuts } from './Shortcuts';
import { LiveBanner, LiveIndicator, useLive } from './live';
import { UnitBoard } from './UnitBoard';

const IncidentMap = lazy(() => import('./IncidentMap'));

export const useIncidents = () => useQuery({ queryKey: consoleKeys.incidents, queryFn: consoleApi.incidents, staleTime: 30_000 });
export const useUnits = () => useQuery({ queryKey: consoleKeys.units, queryFn: consoleApi.units, staleTime: 30_000 });

/** `/console/dispatch`: live queue, map, incident panel and unit board. */
export function DispatchPage() {
  const t = useT();
  const live = useLive();
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('incident');
  const [department, setDepartment] = useState('');
  const [status, setStatus] = useState('');
  const incidents = useIncidents();
  const units = useUnits();
  const types = useTypes();

  const select = useCallback(
    (id: string | null) =>
      setParams(
        (p) => {
          const n = new URLSearchParams(p);
          if (id) n.set('incident', id);
          else n.delete('incident');
          return n;
        },
        { replace: false },
      ),
    [setParams],
  );

  // Alt+Q: to the queue, on the selected incident or the most urgent one.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === 'q') {
        e.preventDefault();
        document.querySelector<HTMLButtonElement>('.queue .queue-item--selected, .queue .queue-item')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const filtered = useMemo(
    () => sortQueue((incidents.data ?? []).filter((i) => (!department || i.department === department) && (!status || i.status === status))),
    [incidents.data, department, status],
  );
  const unitsShown = useMemo(() => (units.data ?? []).filter((u) => !department || u.department === department), [units.data, department]);

  return (
    <section className="console">
      <PageHeader title={t('console.dispatch.title')} actions={<><ConsoleShortcuts /><LiveIndicator state={live.state} /></>} />
      <LiveBanner state={live.state} />
      <AlertsStrip alerts={live.alerts} onDismiss={live.dismissAlert} onOpen={select} />
      <div className="console-grid">
        <section className="console-panel queue-panel" aria-labelledby="queue-title">
          <div className="panel-header">
            <h2 id="queue-title">
              {t('console.queue.title')} <span className="count-badge">({filtered.length})</span>
            </h2>
          </div>
          <div className="queue-filters">
            <SelectField
              label={t('console.filter.department')}
              value={department}
              onChange={setDepartment}
              placeholder={t('console.filter.all')}
              options={DEPARTMENTS.map((d) => ({ value: d.code, label: d.name }))}
            />
            <SelectField
              label={t('console.filter.status')}
              value={status}
              onChange={setStatus}
              placeholder={t('console.filter.all')}
              options={['received', 'dispatched', 'en_route', 'on_scene', 'resolved'].map((s) => ({ value: s, label: t.maybe(`console.status.${s}`, s) }))}
            />
          </div>
          {incidents.isPending ? <Loading /> : null}
          <ErrorAlert error={incidents.error} />
          <Queue items={filtered} selectedId={selectedId} onSelect={select} types={types.data} />
        </section>
        <section className="console-panel map-panel" aria-label={t('console.map.title')}>
          <Suspense fallback={<Loading />}>
            <IncidentMap
              label={t('console.map.label')}
              incidents={filtered}
              units={unitsShown}
              selectedId={selectedId}
              onSelectIncident={select}
              onSelectUnit={(id) => {
                const u = units.data?.find((x) => x.id === id);
                if (u?.currentIncidentId) select(u.currentIncidentId);
              }}
            />
          </Suspense>
          <MapLegend />
        </section>
        {selectedId ? (
          <IncidentPanel key={selectedId} id={selectedId} types={types.data} onClose={() => select(null)} />
        ) : (
          <section className="console-panel incident-panel">
            <h2>{t('console.panel.title')}</h2>
            <p className="muted">{t('console.panel.choose')}</p>
          </section>
        )}
      </div>
      <UnitBoard units={units.data} error={units.error} department={department} onOpenIncident={select} />
    </section>
  );
}

function MapLegend() {
  const t = useT();
  return (
    <p className="map-legend">
      {[1, 2, 3, 4].map((p) => (
        <span key={p} className="legend-item">
          <span className={`legend-dot legend-dot--p${p}`} aria-hidden="true" /> P{p}
        </span>
      ))}
      <span className="legend-item">
        <span className="legend-dot legend-dot--unit-available" aria-hidden="true" /> {t('console.unitStatus.available')}
      </span>
      <span className="legend-item">
        <span className="legend-dot legend-dot--unit-busy" aria-hidden="true" /> {t('console.map.unitsCommitted')}
      </span>
    </p>
  );
}

const Queue = memo(QueueView);

function QueueView({ items, selectedId, onSelect, types }: { items: IncidentSummary[]; selectedId: string | null; onSelect: (id: string) => void; types: Parameters<typeof useTypeName>[0] }) {
  const t = useT();
  const catalogue = useCatalogue();
  const typeName = useTypeName(types);
  if (items.length === 0) return <p className="muted">{t('console.queue.empty')}</p>;
  return (
    <ul
      className="queue"
      aria-labelledby="queue-title"
      onKeyDown={(e) => {
        // Arrow keys walk the queue; Enter (native) opens the focused incident.
        if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
        const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button.queue-item')];
        const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
        const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
        if (next) {
          e.preventDefault();
          next.focus();
        }
      }}
    >
      {items.map((i) => (
        <li key={i.id}>
          <button
            type="button"
            className={`queue-item${i.id === selectedId ? ' queue-item--selected' : ''}`}
            aria-current={i.id === selectedId ? 'true' : undefined}
            onClick={() => onSelect(i.id)}
          >
            <span className="queue-line">
              <PriorityChip priority={i.priority} />
              <span className="mono queue-number">{i.number}</span>
              <Countdown incident={i} targets={catalogue.data?.targets} />
            </span>
            <span className="queue-line">
              <strong>{typeName(i.typeCode)}</strong>
              {i.source !== 'call' ? <Chip tone="info">{t.maybe(`citizen.channel.${i.source}`, i.source)}</Chip> : null}
              <StatusChip status={i.status} />
            </span>
            <span className="queue-line queue-sub">
              {departmentName(i.department)} · {i.description.slice(0, 60) || '—'}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export type { Unit };
