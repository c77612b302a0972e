import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useFormat, useT, type T } from '../../app/i18n';
import type { LiveAlert } from './live';
import { confirmLeave } from './Shortcuts';

/**
 * Escalations and other alerts pushed live, newest first, each with its time and a link to its incident; they stay until closed.
 * An alert's incident opens on the dispatch console (asking first if a call is being typed), unless `onOpen` says otherwise.
 */
export function AlertsStrip({
  alerts,
  dismiss,
  dismissAll,
  onOpen,
  unsaved,
}: {
  alerts: LiveAlert[];
  dismiss: (seq: number) => void;
  dismissAll: () => void;
  onOpen?: (id: string) => void;
  unsaved?: boolean;
}) {
  const t = useT();
  const fmt = useFormat();
  const navigate = useNavigate();
  const open =
    onOpen ??
    ((id: string) => {
      if (confirmLeave(unsaved, t)) void navigate(`/console/dispatch?incident=${id}`);
    });
  const spoken = useAnnouncement(alerts, t);
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
                <span className="mono">{fmt.time(a.at)}</span>
                <strong>{t.maybe(`console.alerts.${a.kind}`, a.kind)}</strong>
                {a.callSign ? <span className="mono"> · {a.callSign}</span> : null}
                {a.number ? <span className="mono"> · {a.number}</span> : null}
                {a.position ? <span className="mono"> · {a.position.lat.toFixed(5)}, {a.position.lon.toFixed(5)}</span> : null}{' '}
                {a.entityType === 'incident' ? (
                  <button type="button" className="button button--small button--secondary" onClick={() => open(a.entityId)}>
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
function useAnnouncement(alerts: LiveAlert[], t: T): { id: number; text: string } {
  // Alerts already there when the strip appears (kept from another screen) count as heard.
  const announced = useRef<number | null>(null);
  announced.current ??= alerts.reduce((max, a) => Math.max(max, a.seq), 0);
  const [spoken, setSpoken] = useState({ id: 0, text: '' });
  useEffect(() => {
    const fresh = alerts.filter((a) => a.seq > announced.current!);
    if (fresh.length === 0) return;
    announced.current = Math.max(...fresh.map((a) => a.seq));
    const say = (a: LiveAlert) => [t.maybe(`console.alerts.${a.kind}`, a.kind), a.callSign, a.number].filter(Boolean).join(' · ');
    const text = fresh.length === 1 ? say(fresh[0]!) : `${t('console.alerts.count', { n: fresh.length })}: ${fresh.map(say).join('. ')}`;
    setSpoken((prev) => ({ id: prev.id + 1, text }));
  }, [alerts, t]);
  return spoken;
}
