import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Notice } from '../../ui/Alerts';
import { TextAreaField } from '../../ui/Field';
import { useCan } from '../auth/session';
import { citizenApi, citizenKeys, type Conversation } from './api';

/** In the incident panel: what citizens sent (web, WhatsApp, Telegram, SMS), their photos, and a reply box. */
export function CitizenConversation({ incidentId, version }: { incidentId: string; version: number }) {
  const t = useT();
  const can = useCan();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: citizenKeys.conversation(incidentId), queryFn: () => citizenApi.conversation(incidentId), enabled: can('citizen:read') });
  // The incident's version moves with every new message, so a live "updated" event refreshes this too.
  useEffect(() => {
    void qc.invalidateQueries({ queryKey: citizenKeys.conversation(incidentId) });
  }, [qc, incidentId, version]);
  if (!can('citizen:read') || !q.data || q.data.length === 0) return <ErrorAlert error={q.error} />;
  return (
    <section aria-labelledby={`citizen-${incidentId}`}>
      <h3 id={`citizen-${incidentId}`}>{t('citizen.console.title')}</h3>
      {q.data.map((r) => (
        <Thread key={r.id} incidentId={incidentId} report={r} canReply={can('citizen:reply')} />
      ))}
    </section>
  );
}

function Thread({ incidentId, report, canReply }: { incidentId: string; report: Conversation; canReply: boolean }) {
  const t = useT();
  const fmt = useFormat();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const reply = useMutation({
    mutationFn: () => citizenApi.reply(incidentId, { reportId: report.id, text: text.trim() }),
    onSuccess: (r) => {
      setText('');
      setDone(t.maybe(`citizen.console.delivery.${r.delivery}`, r.delivery));
      void qc.invalidateQueries({ queryKey: citizenKeys.conversation(incidentId) });
    },
  });
  const channel = t.maybe(`citizen.channel.${report.channel}`, report.channel);
  return (
    <div className="citizen-thread">
      <p className="muted">
        {channel}
        {report.anonymous ? ` · ${t('citizen.console.anonymous')}` : ''}
        {report.contact ? ` · ${[report.contact.name, report.contact.phone, report.contact.email].filter(Boolean).join(' · ')}` : ''}
      </p>
      <ul className="citizen-messages" aria-label={t('citizen.console.messagesOf', { channel })}>
        {report.messages.map((m) => (
          <li key={m.id} className={`citizen-message citizen-message--${m.direction === 'in' ? 'you' : 'centre'}`}>
            <span className="muted">
              {m.direction === 'in' ? t('citizen.console.fromCitizen') : (m.author ?? t('citizen.console.fromCentre'))} · {fmt.compact(m.at)}
            </span>
            <p>{m.text}</p>
            {m.photos.length > 0 ? (
              <p className="citizen-photos">
                {m.photos.map((p, i) => (
                  <a key={p.id} href={`/api/citizen/attachments/${p.id}`} target="_blank" rel="noreferrer">
                    <img src={`/api/citizen/attachments/${p.id}`} alt={t('citizen.console.photoAlt', { n: i + 1 })} width={96} height={96} />
                  </a>
                ))}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
      {report.rating ? <p>{t('citizen.console.rating', { score: report.rating.score, comment: report.rating.comment ?? '' })}</p> : null}
      {canReply ? (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (text.trim()) reply.mutate();
          }}
        >
          <TextAreaField label={t('citizen.console.reply', { channel })} hint={report.deliversTo ? undefined : t('citizen.console.trackingOnly')} value={text} onChange={setText} rows={2} maxLength={1000} />
          <ErrorAlert error={reply.error} />
          {done ? <Notice onDismiss={() => setDone(null)}>{done}</Notice> : null}
          <button type="submit" className="button button--secondary button--small" disabled={reply.isPending || !text.trim()}>
            {t('citizen.console.send')}
          </button>
        </form>
      ) : null}
    </div>
  );
}
