import { memo, useMemo } from 'react';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { DEPARTMENTS, type Unit } from './api';
import { UnitStatusChip } from './bits';

/** Units grouped by department, each with its status; a committed unit links to its incident. */
type Props = { units: Unit[] | undefined; error: unknown; department: string; onOpenIncident: (id: string) => void };

// What the board shows of a unit: a new position alone does not re-render a thousand rows.
const boardKey = (units: Unit[] | undefined) => (units ? units.map((u) => `${u.id}:${u.status}:${u.currentIncidentId ?? ''}`).join('|') : '');

export const UnitBoard = memo(UnitBoardView, (a, b) => a.error === b.error && a.department === b.department && a.onOpenIncident === b.onOpenIncident && (a.units === b.units || boardKey(a.units) === boardKey(b.units)));

function UnitBoardView({ units, error, department, onOpenIncident }: Props) {
  const t = useT();
  const groups = useMemo(() => {
    const list = units ?? [];
    return DEPARTMENTS.filter((d) => !department || d.code === department)
      .map((d) => ({ ...d, units: list.filter((u) => u.department === d.code).sort((a, b) => a.callSign.localeCompare(b.callSign)) }))
      .filter((g) => g.units.length > 0);
  }, [units, department]);
  return (
    <section className="console-panel unit-board" aria-labelledby="unit-board-title">
      <h2 id="unit-board-title">{t('console.units.title')}</h2>
      {!units && !error ? <Loading /> : null}
      <ErrorAlert error={error} />
      <div className="unit-groups">
        {groups.map((g) => {
          const available = g.units.filter((u) => u.status === 'available').length;
          return (
            <section key={g.code} className="unit-group" aria-labelledby={`ug-${g.code}`}>
              <h3 id={`ug-${g.code}`}>
                {g.name} <span className="muted">{t('console.units.available', { n: available, total: g.units.length })}</span>
              </h3>
              <ul className="unit-list">
                {g.units.map((u) => (
                  <li key={u.id} className={`unit unit--${u.status}`} aria-label={`${u.callSign}: ${t.maybe(`console.unitStatus.${u.status}`, u.status)}`}>
                    <span className="mono">{u.callSign}</span> <UnitStatusChip status={u.status} />
                    {u.currentIncidentId ? (
                      <button type="button" className="button button--ghost button--tiny" onClick={() => onOpenIncident(u.currentIncidentId!)}>
                        {t('console.units.openIncident', { unit: u.callSign })}
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </section>
  );
}
