import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { TextAreaField, TextField } from '../../ui/Field';
import { citizenApi, citizenKeys, type Tracking } from './api';
import { CitizenFrame } from './CitizenFrame';
import { PhotoPicker } from './PhotoPicker';
import { fileToBase64 } from './pow';

/** `/seguimiento/:code`: the reporter follows the case; `/seguimiento` asks for the code first. */
export function TrackingPage() {
  const t = useT();
  const { code } = useParams();
  return <CitizenFrame title={t('citizen.track.title')}>{code ? <CaseView code={code} /> : <CodeForm />}</CitizenFrame>;
}

function CodeForm() {
  const t = useT();
  const navigate = useNavigate();
  const [code, setCode] = useState('');
  return (
    <>
      <h1>{t('citizen.track.title')}</h1>
      <form
        className="citizen-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (code.trim()) void navigate(`/seguimiento/${encodeURIComponent(code.trim().toUpperCase())}`);
        }}
      >
        <TextField label={t('citizen.track.code')} hint={t('citizen.track.codeHint')} value={code} onChange={setCode} maxLength={20} autoCapitalize="characters" spellCheck={false} />
        <button type="submit" className="button button--primary">
          {t('citizen.track.open')}
        </button>
      </form>
    </>
  );
}

function CaseView({ code }: { code: string }) {
  const t = useT();
  const fmt = useFormat();
  // A short poll: the page has no session for live push, and a citizen keeps it open while waiting.
  const q = useQuery({ queryKey: citizenKeys.tracking(code), queryFn: () => citizenApi.track(code), refetchInterval: 3000 });
  if (q.isPending) return <Loading />;
  if (q.error || !q.data) {
    return (
      <>
        <h1>{t('citizen.track.title')}</h1>
        <ErrorAlert error={q.error} />
        <CodeForm />
      </>
    );
  }
  const c = q.data;
  return (
    <>
      <h1>{t('citizen.track.caseTitle')}</h1>
      <p>
        {t('citizen.track.codeIs')} <span className="citizen-code citizen-code--inline">{c.code}</span>
      </p>
      <p className={`citizen-status citizen-status--${c.status}`} role="status" aria-live="polite">
        {t('citizen.track.now')} <strong>{t.maybe(`citizen.step.${c.status}`, c.status)}</strong>
      </p>
      <h2 id="steps-title">{t('citizen.track.steps')}</h2>
      <ol className="citizen-steps" aria-labelledby="steps-title">
        {c.steps.map((s, i) => (
          <li key={i}>
            <strong>{t.maybe(`citizen.step.${s.step}`, s.step)}</strong> <span className="muted">{fmt.dateTime(s.at)}</span>
          </li>
        ))}
      </ol>

      <h2 id="messages-title">{t('citizen.track.messages')}</h2>
      {c.messages.length === 0 ? (
        <p className="muted">{t('citizen.track.noMessages')}</p>
      ) : (
        <ul className="citizen-messages" aria-labelledby="messages-title">
          {c.messages.map((m, i) => (
            <li key={i} className={`citizen-message citizen-message--${m.from}`}>
              <span className="muted">
                {t(m.from === 'you' ? 'citizen.track.fromYou' : 'citizen.track.fromCentre')} · {fmt.compact(m.at)}
              </span>
              <p>{m.text}</p>
              {m.photos > 0 ? <span className="muted">{t('citizen.track.photos', { n: m.photos })}</span> : null}
            </li>
          ))}
        </ul>
      )}

      {c.canAddInfo ? <AddInfo code={code} /> : null}
      {c.canRate ? <RatingForm code={code} /> : null}
      {c.rating ? <Notice tone="info">{t('citizen.rating.thanks', { score: c.rating.score })}</Notice> : null}
    </>
  );
}

function useSetTracking(code: string) {
  const qc = useQueryClient();
  return (data: Tracking) => qc.setQueryData(citizenKeys.tracking(code), data);
}

function AddInfo({ code }: { code: string }) {
  const t = useT();
  const setTracking = useSetTracking(code);
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<File[]>([]);
  const [sent, setSent] = useState(false);
  const add = useMutation({
    mutationFn: async () => citizenApi.addInfo(code, { text: text.trim(), photos: await Promise.all(photos.map(fileToBase64)) }),
    onSuccess: (data) => {
      setTracking(data);
      setText('');
      setPhotos([]);
      setSent(true);
    },
  });
  return (
    <form
      className="citizen-form"
      aria-labelledby="add-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (text.trim()) add.mutate();
      }}
    >
      <h2 id="add-title">{t('citizen.add.title')}</h2>
      <TextAreaField label={t('citizen.add.text')} value={text} onChange={setText} rows={3} maxLength={2000} />
      <PhotoPicker files={photos} onChange={setPhotos} />
      <ErrorAlert error={add.error} />
      {sent ? <Notice onDismiss={() => setSent(false)}>{t('citizen.add.sent')}</Notice> : null}
      <button type="submit" className="button button--secondary" disabled={add.isPending || !text.trim()}>
        {t('citizen.add.send')}
      </button>
    </form>
  );
}

function RatingForm({ code }: { code: string }) {
  const t = useT();
  const setTracking = useSetTracking(code);
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const rate = useMutation({ mutationFn: () => citizenApi.rate(code, { score, comment: comment.trim() || null }), onSuccess: setTracking });
  return (
    <form
      className="citizen-form"
      aria-labelledby="rating-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (score > 0) rate.mutate();
      }}
    >
      <h2 id="rating-title">{t('citizen.rating.title')}</h2>
      <fieldset className="citizen-stars">
        <legend>{t('citizen.rating.score')}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="citizen-star">
            <input type="radio" name="score" value={n} checked={score === n} onChange={() => setScore(n)} />
            <span>{t('citizen.rating.option', { n })}</span>
          </label>
        ))}
      </fieldset>
      <TextAreaField label={t('citizen.rating.comment')} value={comment} onChange={setComment} rows={2} maxLength={1000} />
      <ErrorAlert error={rate.error} />
      <button type="submit" className="button button--primary" disabled={rate.isPending || score === 0}>
        {t('citizen.rating.send')}
      </button>
    </form>
  );
}
