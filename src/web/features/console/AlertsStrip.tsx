import { useState } from 'react';
import { useT } from '../../app/i18n';
import type { LiveAlert } from './live';

/** Escalations and other alerts pushed live, newest first, each with its time and a link to its incident; they stay until closed. */
export function AlertsStrip({ alerts, dismiss, dismissAll, onOpen }: { alerts: LiveAlert[]; dismiss: (seq: number) => void; dismissAll: () => void; onOpen: (id: string) => void }) {
  const t = useT();
  // Alerts kept from another screen are shown, not announced again: the live region speaks only those that arrive here.
  const [shownFrom] = useState(() => Date.now());
  const newest = alerts[0] && alerts[0].receivedAt >= shownFrom ? alerts[0] : null;
  const say = (a: LiveAlert) => [t.maybe(`console.alerts.${a.kind}`, a.kind), a.callSign, a.number].filter(Boolean).join(' · ');
  if (alerts.length === 0) return null;
  return (
    <section className="alerts-strip" aria-label={t('console.alerts.title')}>
      {alerts.length > 1 ? (
        <p className="alerts-strip-head">
          <strong>{t('console.alerts.count', { n: alerts.length })}</strong>{' '}
          <button type="button" className="button button--small button--ghost" onClick={dismissAll}>
            {t('console.alerts.closeAll')}
          </button>
        </p>
      ) : null}
      <p className="visually-hidden" role="alert">
        {newest ? say(newest) : ''}
      </p>
      <ul className="alerts-strip-list">
        {alerts.map((a) => (
          <li key={a.seq} className="alert alert--warning">
            <span aria-hidden="true">⚠</span>
            <span className="mono">{new Date(a.at).toLocaleTimeString(t.lang === 'es' ? 'es-SV' : 'en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })}</span>
            <strong>{t.maybe(`console.alerts.${a.kind}`, a.kind)}</strong>
            {a.callSign ? <span className="mono"> · {a.callSign}</span> : null}
            {a.number ? <span className="mono"> · {a.number}</span> : null}
            {a.position ? <span className="mono"> · {a.position.lat.toFixed(5)}, {a.position.lon.toFixed(5)}</span> : null}{' '}
            {a.entityType === 'incident' ? (
              <button type="button" className="button button--small button--secondary" onClick={() => onOpen(a.entityId)}>
                {t('console.alerts.open')}
              </button>
            ) : null}{' '}
            <button type="button" className="button button--small button--ghost" onClick={() => dismiss(a.seq)}>
              {t('common.close')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
