import { useT } from '../../app/i18n';
import type { LiveAlert } from './live';

/** Escalations and other alerts pushed live, each with a link to its incident. */
export function AlertsStrip({ alerts, onDismiss, onOpen }: { alerts: LiveAlert[]; onDismiss: (seq: number) => void; onOpen: (id: string) => void }) {
  const t = useT();
  if (alerts.length === 0) return null;
  return (
    <ul className="alerts-strip" aria-label={t('console.alerts.title')}>
      {alerts.map((a) => (
        <li key={a.seq} className="alert alert--warning" role="alert">
          <span aria-hidden="true">⚠</span>
          <strong>{t.maybe(`console.alerts.${a.kind}`, a.kind)}</strong>
          {a.callSign ? <span className="mono"> · {a.callSign}</span> : null}
          {a.number ? <span className="mono"> · {a.number}</span> : null}
          {a.position ? <span className="mono"> · {a.position.lat.toFixed(5)}, {a.position.lon.toFixed(5)}</span> : null}{' '}
          {a.entityType === 'incident' ? (
            <button type="button" className="button button--small button--secondary" onClick={() => onOpen(a.entityId)}>
              {t('console.alerts.open')}
            </button>
          ) : null}{' '}
          <button type="button" className="button button--small button--ghost" onClick={() => onDismiss(a.seq)}>
            {t('common.close')}
          </button>
        </li>
      ))}
    </ul>
  );
}
