import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { SelectField } from '../../ui/Field';
import { PageHeader } from '../../ui/Page';
import { consoleApi, consoleKeys, DEPARTMENTS, PRIORITY_COLOURS, sortQueue, UNIT_STATUS_COLOURS, type Unit } from './api';
import { useTypes } from './bits';
import { IncidentPanel } from './IncidentPanel';
import { AlertsStrip } from './AlertsStrip';
import { ConsoleShortcuts } from './Shortcuts';
import { LiveBanner, LiveIndicator, useAlerts, useLive } from './live';
import { UnitBoard } from './UnitBoard';
import { Queue } from './Queue';
import { GoToIncident } from './GoToIncident';

const IncidentMap = lazy(() => import('./IncidentMap'));

export const useIncidents = () => useQuery({ queryKey: consoleKeys.incidents, queryFn: consoleApi.incidents, staleTime: 30_000 });
// Kept current by live events (positions in place, changes by id) and refetched on reconnect or reload: never stale by age.
export const useUnits = () => useQuery({ queryKey: consoleKeys.units, queryFn: consoleApi.units, staleTime: Infinity });

/** `/console/dispatch`: live queue, map, incident panel and unit board. */
export function DispatchPage() {
  const t = useT();
  const live = useLive();
  const alerts = useAlerts();
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

  const filtered = useMemo(
    () => sortQueue((incidents.data ?? []).filter((i) => (!department || i.department === department) && (!status || i.status === status))),
    [incidents.data, department, status],
  );
  const unitsShown = useMemo(() => (units.data ?? []).filter((u) => !department || u.department === department), [units.data, department]);

  return (
    <section className="console">
      <PageHeader title={t('console.dispatch.title')} actions={<><ConsoleShortcuts /><LiveIndicator state={live.state} /></>} />
      <LiveBanner state={live.state} />
      <AlertsStrip {...alerts} onOpen={select} />
      {/* With alerts showing, the grid gives up their (bounded) height, so the queue and panel still fit the screen. */}
      <div className={`console-grid${alerts.alerts.length > 0 ? ' console-grid--alerts' : ''}`}>
        <section className="console-panel queue-panel" aria-labelledby="queue-title">
          <div className="panel-header">
            <h2 id="queue-title">
              {t('console.queue.title')} <span className="count-badge">({filtered.length})</span>
            </h2>
          </div>
          <GoToIncident incidents={incidents.data} onOpen={select} />
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

/** Every colour the map uses, from the same tables the map draws with: incidents by priority, units by status. */
function MapLegend() {
  const t = useT();
  const dot = (colour: string) => <span className="legend-dot" style={{ background: colour }} aria-hidden="true" />;
  return (
    <p className="map-legend">
      {[1, 2, 3, 4].map((p) => (
        <span key={p} className="legend-item">
          {dot(PRIORITY_COLOURS[p]!)} P{p}
        </span>
      ))}
      {(['available', 'dispatched', 'en_route', 'on_scene', 'busy'] as const).map((status) => (
        <span key={status} className="legend-item">
          {dot(UNIT_STATUS_COLOURS[status]!)} {t(`console.unitStatus.${status}`)}
        </span>
      ))}
      <span className="legend-item">
        {dot(UNIT_STATUS_COLOURS.out_of_service!)} {t('console.map.unitsOff')}
      </span>
    </p>
  );
}

export type { Unit };
