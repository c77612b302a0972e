import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { PageHeader, TableWrap } from '../../ui/Page';
import { ApprovalsPage } from '../approvals/ApprovalsPage';
import { useCan } from '../auth/session';
import { consoleApi, consoleKeys, currentTarget, DEPARTMENTS, formatClock } from './api';
import { PriorityChip, useCatalogue, useNow, useTypeName, useTypes } from './bits';
import { useIncidents, useUnits } from './DispatchPage';
import { ConsoleShortcuts } from './Shortcuts';
import { AlertsStrip } from './AlertsStrip';
import { LiveBanner, LiveIndicator, useAlerts, useLive } from './live';

const startOfToday = () => {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
};

/** `/console/supervisor`: open incidents, today's times against targets, unit availability, approvals. */
export function SupervisorPage() {
  const t = useT();
  const can = useCan();
  const live = useLive();
  const alerts = useAlerts();
  const incidents = useIncidents();
  const units = useUnits();
  const catalogue = useCatalogue();
  const now = useNow(5000);
  const from = useMemo(startOfToday, []);
  const metrics = useQuery({ queryKey: consoleKeys.metrics(from), queryFn: () => consoleApi.metrics(from, new Date().toISOString()), staleTime: 30_000 });

  const byDept = useMemo(() => {
    const rows = DEPARTMENTS.map((d) => {
      const inc = (incidents.data ?? []).filter((i) => i.department === d.code);
      const us = (units.data ?? []).filter((u) => u.department === d.code);
      return {
        ...d,
        p: [1, 2, 3, 4].map((p) => inc.filter((i) => i.priority === p).length),
        open: inc.length,
        overdue: inc.filter((i) => {
          const tg = currentTarget(i, catalogue.data?.targets);
          return tg ? now - tg.start > tg.seconds * 1000 : false;
        }).length,
        available: us.filter((u) => u.status === 'available').length,
        committed: us.filter((u) => ['dispatched', 'en_route', 'on_scene'].includes(u.status)).length,
        total: us.length,
      };
    });
    return rows;
  }, [incidents.data, units.data, catalogue.data, now]);

  const typeName = useTypeName(useTypes().data);
  // Incidents running past their current time target, the most late first.
  const late = useMemo(
    () =>
      (incidents.data ?? [])
        .map((i) => {
          const tg = currentTarget(i, catalogue.data?.targets);
          return { i, lateBy: tg ? (now - tg.start) / 1000 - tg.seconds : -1, phase: i.times.firstDispatchedAt ? 'd2a' : 'a2d' };
        })
        .filter((x) => x.lateBy > 0)
        .sort((a, b) => a.i.priority - b.i.priority || b.lateBy - a.lateBy),
    [incidents.data, catalogue.data, now],
  );

  const totals = byDept.reduce((a, r) => ({ open: a.open + r.open, overdue: a.overdue + r.overdue, p: a.p.map((x, i) => x + (r.p[i] ?? 0)) }), { open: 0, overdue: 0, p: [0, 0, 0, 0] });

  const secs = (s: number | null) => (s === null ? '—' : formatClock(s));
  const tone = (s: number | null, target: number | undefined) => (s === null || target === undefined ? '' : s > target ? 'metric--bad' : s > target * 0.75 ? 'metric--warn' : 'metric--ok');

  return (
    <section className="console">
      <PageHeader title={t('console.supervisor.title')} actions={<><ConsoleShortcuts /><LiveIndicator state={live.state} /></>} />
      <LiveBanner state={live.state} />
      {/* Escalations are raised for supervisors: shown here too, each opening its incident on the dispatch console. */}
      <AlertsStrip {...alerts} />
      <div className="kpi-row">
        <p className="kpi">
          <span className="kpi-value">{totals.open}</span> {t('console.supervisor.open')}
        </p>
        {[1, 2, 3, 4].map((p) => (
          <p key={p} className={`kpi kpi--p${p}`}>
            <span className="kpi-value">{totals.p[p - 1]}</span> P{p}
          </p>
        ))}
        <p className="kpi kpi--bad">
          <span className="kpi-value">{totals.overdue}</span> {t('console.supervisor.overdue')}
        </p>
        <p className="kpi">
          <Link to="/console/dispatch">{t('console.supervisor.toDispatch')}</Link>
        </p>
      </div>

      {can('approvals:read') ? (
        <div className="supervisor-approvals">
          <ApprovalsPage embedded />
        </div>
      ) : null}
      <div className="supervisor-grid">
        <section className="console-panel" aria-labelledby="sup-metrics-title">
          <h2 id="sup-metrics-title">{t('console.supervisor.metrics')}</h2>
          {metrics.isPending ? <Loading /> : null}
          <ErrorAlert error={metrics.error} />
          {metrics.data ? (
            <TableWrap labelledBy="sup-metrics-title">
              <table className="table table--compact" aria-labelledby="sup-metrics-title">
                <thead>
                  <tr>
                    <th scope="col">{t('console.supervisor.priority')}</th>
                    <th scope="col">{t('console.supervisor.incidents')}</th>
                    <th scope="col">{t('console.supervisor.a2d')}</th>
                    <th scope="col">{t('console.supervisor.d2a')}</th>
                  </tr>
                </thead>
                <tbody>
                  {metrics.data.items.map((m) => {
                    const tg = catalogue.data?.targets.find((x) => x.priority === m.priority);
                    return (
                      <tr key={m.priority}>
                        <th scope="row">P{m.priority}</th>
                        <td>{m.incidents}</td>
                        <td>
                          <span className={tone(m.answerToDispatch.p50, tg?.answerToDispatchSeconds)}>{secs(m.answerToDispatch.p50)}</span> / <span className={tone(m.answerToDispatch.p90, tg?.answerToDispatchSeconds)}>{secs(m.answerToDispatch.p90)}</span>
                          <span className="cell-sub">{t('console.supervisor.target', { time: secs(tg?.answerToDispatchSeconds ?? null) })}</span>
                        </td>
                        <td>
                          <span className={tone(m.dispatchToArrival.p50, tg?.dispatchToArrivalSeconds)}>{secs(m.dispatchToArrival.p50)}</span> / <span className={tone(m.dispatchToArrival.p90, tg?.dispatchToArrivalSeconds)}>{secs(m.dispatchToArrival.p90)}</span>
                          <span className="cell-sub">{t('console.supervisor.target', { time: secs(tg?.dispatchToArrivalSeconds ?? null) })}</span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableWrap>
          ) : null}
          <p className="field-hint">{t('console.supervisor.metricsHint')}</p>
          <h2 id="sup-late-title">{t('console.supervisor.late', { n: late.length })}</h2>
          {late.length === 0 ? <p className="muted">{t('console.supervisor.noLate')}</p> : null}
          <ul className="plain-list late-list" aria-labelledby="sup-late-title">
            {late.slice(0, 20).map(({ i, lateBy, phase }) => (
              <li key={i.id}>
                <PriorityChip priority={i.priority} /> <Link to={`/console/dispatch?incident=${i.id}`} className="mono">{i.number}</Link> {typeName(i.typeCode)}{' '}
                <span className="metric--bad">+{formatClock(Math.round(lateBy))}</span>{' '}
                <span className="muted">{t(phase === 'a2d' ? 'console.supervisor.a2d' : 'console.supervisor.d2a')}</span>
              </li>
            ))}
          </ul>
        </section>

        <section className="console-panel" aria-labelledby="sup-dept-title">
          <h2 id="sup-dept-title">{t('console.supervisor.byDepartment')}</h2>
          <ErrorAlert error={incidents.error ?? units.error} />
          <TableWrap labelledBy="sup-dept-title">
            <table className="table table--compact" aria-labelledby="sup-dept-title">
              <thead>
                <tr>
                  <th scope="col">{t('console.panel.department')}</th>
                  <th scope="col">{t('console.supervisor.open')}</th>
                  <th scope="col">P1</th>
                  <th scope="col">P2</th>
                  <th scope="col">P3</th>
                  <th scope="col">P4</th>
                  <th scope="col">{t('console.supervisor.overdue')}</th>
                  <th scope="col">{t('console.supervisor.available')}</th>
                  <th scope="col">{t('console.supervisor.committed')}</th>
                </tr>
              </thead>
              <tbody>
                {byDept.map((r) => (
                  <tr key={r.code}>
                    <th scope="row">{r.name}</th>
                    <td>{r.open}</td>
                    {r.p.map((n, i) => (
                      <td key={i} className={n > 0 && i < 2 ? 'cell-alert' : undefined}>
                        {n}
                      </td>
                    ))}
                    <td className={r.overdue > 0 ? 'cell-alert' : undefined}>{r.overdue}</td>
                    <td>
                      {r.available} / {r.total}
                    </td>
                    <td>{r.committed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      </div>
    </section>
  );
}
