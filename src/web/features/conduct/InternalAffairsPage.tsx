import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { Chip } from '../../ui/Chip';
import { SelectField, TextAreaField, TextField } from '../../ui/Field';
import { PageHeader, TableWrap } from '../../ui/Page';
import { useCan } from '../auth/session';
import { COMPLAINT_OUTCOMES, conductApi, conductKeys, type ComplaintDetail, type ComplaintOutcome, type ComplaintStatus } from './api';

const TONE: Record<ComplaintStatus, 'info' | 'warn' | 'neutral'> = { received: 'info', under_investigation: 'warn', closed: 'neutral' };

/** `/internal-affairs`: complaints about conduct. Every list and every opened complaint is written to the audit log. */
export function InternalAffairsPage() {
  const t = useT();
  const fmt = useFormat();
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const list = useQuery({ queryKey: conductKeys.list(status), queryFn: () => conductApi.list(status) });
  return (
    <section>
      <PageHeader title={t('conduct.ia.title')} intro={t('conduct.ia.intro')} />
      <div className="panel">
        <div className="panel-header">
          <h2 id="complaints-title">{t('conduct.ia.list')}</h2>
          <SelectField
            label={t('conduct.ia.filter')}
            value={status}
            onChange={setStatus}
            options={[
              { value: '', label: t('conduct.ia.all') },
              ...(['received', 'under_investigation', 'closed'] as const).map((s) => ({ value: s, label: t(`conduct.status.${s}`) })),
            ]}
            className="field--inline"
          />
        </div>
        {list.isPending ? <Loading /> : null}
        <ErrorAlert error={list.error} />
        {list.data ? (
          list.data.length === 0 ? (
            <p className="muted">{t('conduct.ia.empty')}</p>
          ) : (
            <TableWrap labelledBy="complaints-title">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('conduct.ia.received')}</th>
                    <th scope="col">{t('conduct.ia.status')}</th>
                    <th scope="col">{t('conduct.ia.channel')}</th>
                    <th scope="col">{t('conduct.ia.anonymous')}</th>
                    <th scope="col">{t('common.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((c) => (
                    <tr key={c.id} aria-selected={selected === c.id}>
                      <td>{fmt.compact(c.createdAt)}</td>
                      <td>
                        <Chip tone={TONE[c.status]}>{t(`conduct.status.${c.status}`)}</Chip>
                        {c.outcome ? <span className="cell-sub">{t(`conduct.outcome.${c.outcome}`)}</span> : null}
                      </td>
                      <td>{c.channel === 'web' ? 'Web' : 'Open311'}</td>
                      <td>{c.anonymous ? t('conduct.ia.yes') : t('conduct.ia.no')}</td>
                      <td>
                        <button type="button" className="button button--small" onClick={() => setSelected(c.id)} aria-label={t('conduct.ia.openLabel', { when: fmt.compact(c.createdAt) })}>
                          {t('conduct.ia.open')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )
        ) : null}
      </div>
      {selected ? <ComplaintPanel id={selected} onClose={() => setSelected(null)} /> : null}
    </section>
  );
}

function ComplaintPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const t = useT();
  const fmt = useFormat();
  const can = useCan();
  const detail = useQuery({ queryKey: conductKeys.one(id), queryFn: () => conductApi.get(id), staleTime: 60_000 });
  const c = detail.data;
  return (
    <section className="panel complaint-panel" aria-labelledby="complaint-title">
      <div className="panel-header">
        <h2 id="complaint-title">{t('conduct.ia.detail')}</h2>
        <button type="button" className="button button--ghost button--small" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
      <p className="muted">{t('conduct.ia.audited')}</p>
      {detail.isPending ? <Loading /> : null}
      <ErrorAlert error={detail.error} />
      {c ? (
        <>
          <dl className="kv">
            <dt>{t('conduct.ia.status')}</dt>
            <dd>
              <Chip tone={TONE[c.status]}>{t(`conduct.status.${c.status}`)}</Chip> {c.outcome ? t(`conduct.outcome.${c.outcome}`) : null}
            </dd>
            <dt>{t('conduct.ia.received')}</dt>
            <dd>{fmt.dateTime(c.createdAt)}</dd>
            <dt>{t('conduct.form.occurredAt')}</dt>
            <dd>{c.occurredAt ? fmt.dateTime(c.occurredAt) : '—'}</dd>
            <dt>{t('conduct.form.place')}</dt>
            <dd>{c.placeText ?? '—'}</dd>
            <dt>{t('conduct.form.contact')}</dt>
            <dd>{c.contact ? [c.contact.name, c.contact.phone, c.contact.email].filter(Boolean).join(' · ') || '—' : t('conduct.ia.anonymousComplaint')}</dd>
            <dt>{t('conduct.form.officer')}</dt>
            <dd>{c.officerDescription ?? '—'}</dd>
            <dt>{t('conduct.form.badge')}</dt>
            <dd>{c.badgeNumber ?? '—'}</dd>
            <dt>{t('conduct.form.unit')}</dt>
            <dd>{c.unitText ?? '—'}</dd>
          </dl>
          <h3>{t('conduct.form.description')}</h3>
          <p className="incident-desc">{c.description}</p>
          <h3>{t('conduct.ia.links')}</h3>
          {c.links.length === 0 ? (
            <p className="muted">{t('conduct.ia.noLinks')}</p>
          ) : (
            <ul className="plain-list" aria-label={t('conduct.ia.links')}>
              {c.links.map((l) => (
                <li key={`${l.incidentId ?? l.unitId}`}>
                  {l.incidentNumber ? `${t('conduct.ia.incident')} ${l.incidentNumber}` : `${t('conduct.ia.unit')} ${l.callSign}`} <span className="muted">{fmt.compact(l.linkedAt)}</span>
                </li>
              ))}
            </ul>
          )}
          {c.status === 'closed' ? (
            <>
              <h3>{t('conduct.ia.outcome')}</h3>
              <p>{c.outcomeSummary}</p>
            </>
          ) : can('complaints:manage') ? (
            <>
              <LinkForm complaint={c} />
              <OutcomeForm complaint={c} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function useRefresh(id: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['conduct'] });
    void qc.invalidateQueries({ queryKey: conductKeys.one(id) });
  };
}

function LinkForm({ complaint }: { complaint: ComplaintDetail }) {
  const t = useT();
  const refresh = useRefresh(complaint.id);
  const [kind, setKind] = useState<'incident' | 'unit'>('incident');
  const [value, setValue] = useState('');
  const link = useMutation({
    mutationFn: () => conductApi.link(complaint.id, kind === 'incident' ? { incidentNumber: value.trim() } : { callSign: value.trim() }),
    onSuccess: () => {
      setValue('');
      refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    link.mutate();
  };
  return (
    <form onSubmit={submit} className="form-stack ia-form" aria-labelledby="link-title">
      <h3 id="link-title">{t('conduct.ia.linkTitle')}</h3>
      <ErrorAlert error={link.error} />
      <div className="button-row">
        <SelectField label={t('conduct.ia.linkKind')} value={kind} onChange={(v) => setKind(v as 'incident' | 'unit')} options={[{ value: 'incident', label: t('conduct.ia.incident') }, { value: 'unit', label: t('conduct.ia.unit') }]} />
        <TextField label={kind === 'incident' ? t('conduct.ia.incidentNumber') : t('conduct.ia.callSign')} value={value} onChange={setValue} required maxLength={40} className="field--grow" />
      </div>
      <button type="submit" className="button" disabled={link.isPending || !value.trim()}>
        {t('conduct.ia.link')}
      </button>
    </form>
  );
}

function OutcomeForm({ complaint }: { complaint: ComplaintDetail }) {
  const t = useT();
  const refresh = useRefresh(complaint.id);
  const [outcome, setOutcome] = useState<ComplaintOutcome | ''>('');
  const [summary, setSummary] = useState('');
  const [done, setDone] = useState(false);
  const record = useMutation({
    mutationFn: () => conductApi.outcome(complaint.id, { outcome: outcome as ComplaintOutcome, summary, version: complaint.version }),
    onSuccess: () => {
      setDone(true);
      refresh();
    },
  });
  return (
    <form
      className="form-stack ia-form"
      aria-labelledby="outcome-title"
      onSubmit={(e) => {
        e.preventDefault();
        record.mutate();
      }}
    >
      <h3 id="outcome-title">{t('conduct.ia.outcomeTitle')}</h3>
      {done ? <Notice>{t('conduct.ia.outcomeSaved')}</Notice> : null}
      <ErrorAlert error={record.error} />
      <SelectField
        label={t('conduct.ia.outcome')}
        value={outcome}
        onChange={(v) => setOutcome(v as ComplaintOutcome)}
        placeholder={t('conduct.ia.choose')}
        options={COMPLAINT_OUTCOMES.map((o) => ({ value: o, label: t(`conduct.outcome.${o}`) }))}
        required
      />
      <TextAreaField label={t('conduct.ia.summary')} value={summary} onChange={setSummary} rows={3} required minLength={10} maxLength={5000} />
      <button type="submit" className="button button--primary" disabled={record.isPending || !outcome || summary.trim().length < 10}>
        {t('conduct.ia.record')}
      </button>
    </form>
  );
}
