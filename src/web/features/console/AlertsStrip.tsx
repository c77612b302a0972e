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
          <span aria-hidden="true">⚠ </span>
          {t.maybe(`console.alerts.${a.kind}`, a.kind)}{' '}
          <button type="button" className="button button--small button--secondary" onClick={() => onOpen(a.entityId)}>
            {t('console.alerts.open')}
          </button>{' '}
          <button type="button" className="button button--small button--ghost" onClick={() => onDismiss(a.seq)}>
            {t('common.close')}
          </button>
        </li>
      ))}
    </ul>
  );
}
