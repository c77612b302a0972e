import { useT } from '../../app/i18n';
import { dismissFailed, useQueue } from './queue';

/** What is still on the phone, in the order it will be sent, and what the server refused. */
export function PendingList() {
  const t = useT();
  const q = useQueue();
  return (
    <section className="field-card" aria-labelledby="pending-title">
      <h2 id="pending-title">
        {t('field.pendingTitle')} <span className="field-count">{q.pending.length}</span>
      </h2>
      <p className={`field-net ${q.online ? 'is-online' : 'is-offline'}`} role="status">
        {q.online ? (q.pending.length ? t('field.sending') : t('field.allSent')) : t('field.offline')}
      </p>
      {q.pending.length > 0 ? (
        <ol className="field-pending" aria-label={t('field.pendingList')}>
          {q.pending.map((p) => (
            <li key={p.seq}>
              {p.label} <span className="field-hint">{new Date(p.createdAt).toLocaleTimeString(t.lang === 'es' ? 'es-SV' : 'en-US')}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {q.failed.length > 0 ? (
        <ul className="field-failed" aria-label={t('field.failedList')}>
          {q.failed.map((f) => (
            <li key={f.seq} role="alert">
              {f.label}: {(f.result as { detail?: string } | null)?.detail ?? f.status}{' '}
              <button type="button" className="field-button field-button--small" onClick={() => void dismissFailed(f.seq)}>
                {t('field.dismiss')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
