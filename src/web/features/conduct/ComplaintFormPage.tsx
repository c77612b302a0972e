import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { TextAreaField, TextField } from '../../ui/Field';
import { AuthFrame } from '../auth/AuthFrame';
import { conductApi, type Tracking } from './api';

const blank = { name: '', phone: '', email: '', occurredAt: '', placeText: '', officerDescription: '', badgeNumber: '', unitText: '', description: '' };

/** `/denuncia-conducta`: a public form, no account; anonymous unless the person chooses to leave a contact. */
export function ComplaintFormPage() {
  const t = useT();
  const [anonymous, setAnonymous] = useState(true);
  const [f, setF] = useState(blank);
  const set = (k: keyof typeof blank) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const file = useMutation({
    mutationFn: () =>
      conductApi.file({
        anonymous,
        contact: anonymous ? null : { name: f.name || null, phone: f.phone || null, email: f.email || null },
        occurredAt: f.occurredAt ? new Date(f.occurredAt).toISOString() : null,
        placeText: f.placeText || null,
        officerDescription: f.officerDescription || null,
        badgeNumber: f.badgeNumber || null,
        unitText: f.unitText || null,
        description: f.description,
      }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    file.mutate();
  };

  if (file.data) {
    return (
      <AuthFrame title={t('conduct.form.title')}>
        <h1>{t('conduct.form.doneTitle')}</h1>
        <p>{t('conduct.form.doneText')}</p>
        <p className="tracking-code mono" aria-label={t('conduct.form.codeLabel')}>
          {file.data.trackingCode}
        </p>
        <p className="muted">{t('conduct.form.codeHint')}</p>
        <TrackForm initialCode={file.data.trackingCode} />
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title={t('conduct.form.title')}>
      <h1>{t('conduct.form.title')}</h1>
      <p>{t('conduct.form.intro')}</p>
      <p className="callout callout--warning">{t('conduct.form.emergency')}</p>
      <form onSubmit={submit} noValidate className="form-stack">
        <ErrorAlert error={file.error} inlineFields={['description', 'contact', 'occurredAt']} />
        <div className="field field--checkbox">
          <input id="complaint-anonymous" type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
          <label htmlFor="complaint-anonymous">{t('conduct.form.anonymous')}</label>
          <p className="field-hint">{t('conduct.form.anonymousHint')}</p>
        </div>
        {!anonymous ? (
          <fieldset className="fieldset-plain">
            <legend>{t('conduct.form.contact')}</legend>
            <TextField label={t('conduct.form.name')} value={f.name} onChange={set('name')} autoComplete="name" maxLength={120} />
            <TextField label={t('conduct.form.phone')} value={f.phone} onChange={set('phone')} type="tel" autoComplete="tel" maxLength={40} />
            <TextField label={t('conduct.form.email')} value={f.email} onChange={set('email')} type="email" autoComplete="email" maxLength={200} error={fieldErrorOf(file.error, 'contact')} />
          </fieldset>
        ) : null}
        <TextField label={t('conduct.form.occurredAt')} value={f.occurredAt} onChange={set('occurredAt')} type="datetime-local" error={fieldErrorOf(file.error, 'occurredAt')} />
        <TextField label={t('conduct.form.place')} value={f.placeText} onChange={set('placeText')} maxLength={300} />
        <TextAreaField label={t('conduct.form.officer')} value={f.officerDescription} onChange={set('officerDescription')} rows={2} maxLength={1000} />
        <TextField label={t('conduct.form.badge')} value={f.badgeNumber} onChange={set('badgeNumber')} maxLength={40} />
        <TextField label={t('conduct.form.unit')} value={f.unitText} onChange={set('unitText')} maxLength={120} />
        <TextAreaField
          label={t('conduct.form.description')}
          hint={t('conduct.form.descriptionHint')}
          value={f.description}
          onChange={set('description')}
          rows={6}
          required
          minLength={20}
          maxLength={5000}
          error={fieldErrorOf(file.error, 'description')}
        />
        <button type="submit" className="button button--primary" disabled={file.isPending}>
          {file.isPending ? t('common.sending') : t('conduct.form.submit')}
        </button>
      </form>
      <hr />
      <TrackForm />
    </AuthFrame>
  );
}

/** Follow a complaint by its code: stage and dates, never what investigators wrote. */
function TrackForm({ initialCode = '' }: { initialCode?: string }) {
  const t = useT();
  const fmt = useFormat();
  const [code, setCode] = useState(initialCode);
  const track = useMutation({ mutationFn: (c: string) => conductApi.track(c) });
  const r: Tracking | undefined = track.data;
  return (
    <section aria-labelledby="track-title">
      <h2 id="track-title">{t('conduct.track.title')}</h2>
      <form
        className="button-row track-form"
        onSubmit={(e) => {
          e.preventDefault();
          track.mutate(code);
        }}
      >
        <TextField label={t('conduct.track.code')} value={code} onChange={setCode} maxLength={20} autoCapitalize="characters" />
        <button type="submit" className="button">
          {t('conduct.track.submit')}
        </button>
      </form>
      <ErrorAlert error={track.error} />
      {r ? (
        <dl className="kv" aria-label={t('conduct.track.result')}>
          <dt>{t('conduct.track.status')}</dt>
          <dd>{t(`conduct.status.${r.status}`)}</dd>
          <dt>{t('conduct.track.received')}</dt>
          <dd>{fmt.dateTime(r.createdAt)}</dd>
          {r.outcome ? (
            <>
              <dt>{t('conduct.track.outcome')}</dt>
              <dd>{t(`conduct.outcome.${r.outcome}`)}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
    </section>
  );
}
