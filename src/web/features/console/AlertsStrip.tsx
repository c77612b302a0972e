import { useEffect, useRef, useState } from 'react';
import { useT } from '../../app/i18n';
import type { LiveAlert } from './live';

/** Escalations and other alerts pushed live, newest first, each with its time and a link to its incident; they stay until closed. */
export function AlertsStrip({ alerts, dismiss, dismissAll, onOpen }: { alerts: LiveAlert[]; dismiss: (seq: number) => void; dismissAll: () => void; onOpen: (id: string) => void }) {
  const t = useT();
  const spoken = useAnnouncement(alerts, (a) => [t.maybe(`console.alerts.${a.kind}`, a.kind), a.callSign, a.number].filter(Boolean).join(' · '), (n) => t('console.alerts.count', { n }));
  // The live region is always there (one inserted with its first words is missed by some screen readers);
  // a space that comes and goes makes a repeat of the same words a change, so it is heard too.
  const region = (
    <p className="visually-hidden" role="alert">
      {spoken.text}
      {spoken.id % 2 === 1 ? '\u00a0' : ''}
    </p>
  );
  return (
    <>
      {region}
      {alerts.length === 0 ? null : (
        <section className="alerts-strip" aria-label={t('console.alerts.title')}>
          {alerts.length > 1 ? (
            <p className="alerts-strip-head">
              <strong>{t('console.alerts.count', { n: alerts.length })}</strong>{' '}
              <button type="button" className="button button--small button--ghost" onClick={dismissAll}>
                {t('console.alerts.closeAll')}
              </button>
            </p>
          ) : null}
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
      )}
    </>
  );
}

/**
 * What the live region says: every alert that arrives while the strip is shown, once (several that
 * come together, in one message). Alerts kept from another screen, and closing one, say nothing.
 */
function useAnnouncement(alerts: LiveAlert[], say: (a: LiveAlert) => string, count: (n: number) => string): { id: number; text: string } {
  const [seenUpTo] = useState(() => alerts.reduce((max, a) => Math.max(max, a.seq), 0));
  const announced = useRef(seenUpTo);
  const [spoken, setSpoken] = useState({ id: 0, text: '' });
  useEffect(() => {
    const fresh = alerts.filter((a) => a.seq > announced.current);
    if (fresh.length === 0) return;
    announced.current = Math.max(...fresh.map((a) => a.seq));
    const text = fresh.length === 1 ? say(fresh[0]!) : `${count(fresh.length)}: ${fresh.map(say).join('. ')}`;
    setSpoken((prev) => ({ id: prev.id + 1, text }));
  }, [alerts, say, count]);
  return spoken;
}
