import { lazy, Suspense, useEffect, useState } from 'react';
import { useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { deviceJson, type DeviceCredential } from './device';
import { EvidencePicker } from './EvidencePicker';
import { useOverview, type Overview } from './overview';
import { PanicButton } from './PanicButton';
import { PendingList } from './PendingList';
import { trackPositions } from './positions';
import { enqueue, newKey } from './queue';
import { ReportForm } from './ReportForm';

const FieldMap = lazy(() => import('./FieldMap'));
const STATUS_ACTIONS = ['acknowledge', 'en_route', 'on_scene'] as const;
type Fix = { lat: number; lon: number; accuracyM: number | null };

const json = (body: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function Assignment({ a, me, token, dispositions }: { a: NonNullable<Overview['assignment']>; me: Fix | null; token: string; dispositions: Overview['dispositions'] }) {
  const t = useT();
  const [phone, setPhone] = useState<string | null>(null);
  const [phoneError, setPhoneError] = useState<unknown>(null);
  const [disposition, setDisposition] = useState('');
  const [note, setNote] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const act = (action: string, extra: Record<string, unknown> = {}) => {
    setSent(t.maybe(`field.action.${action}`, action));
    void enqueue({ key: newKey(), kind: 'status', label: t.maybe(`field.action.${action}`, action), path: '/field/status', ...json({ action, incidentId: a.incidentId, ...extra }) });
  };
  const nav = a.position ? `https://www.google.com/maps/dir/?api=1&destination=${a.position.lat},${a.position.lon}` : null;
  return (
    <>
      <section className="field-card" aria-labelledby="assignment-title">
        <h2 id="assignment-title">{t('field.assignmentTitle')}</h2>
        <p className="field-incident">
          <span className={`field-priority p${a.priority}`}>P{a.priority}</span> <strong>{a.typeName[t.lang]}</strong> · {a.number}
        </p>
        <p>{a.description}</p>
        {a.address ? <p className="field-hint">{a.address}</p> : null}
        <p className="field-hint">
          {t('field.incidentStatus')}: {t.maybe(`field.incident.${a.status}`, a.status)}
        </p>
        <Suspense fallback={<div className="field-map" />}>
          <FieldMap incident={a.position} me={me} label={t('field.mapLabel')} />
        </Suspense>
        <div className="field-row">
          {nav ? (
            <a className="field-button field-button--secondary" href={nav} target="_blank" rel="noreferrer">
              {t('field.navigate')}
            </a>
          ) : null}
          {a.callerPhoneAvailable ? (
            phone ? (
              <a className="field-button field-button--secondary" href={`tel:${phone.replace(/\s/g, '')}`}>
                {t('field.callCaller', { phone })}
              </a>
            ) : (
              <button
                type="button"
                className="field-button field-button--secondary"
                onClick={() =>
                  void deviceJson<{ number: string | null }>(`/field/incidents/${a.incidentId}/caller-phone`, token)
                    .then((r) => setPhone(r.number ?? '—'))
                    .catch(setPhoneError)
                }
              >
                {t('field.showCallerPhone')}
              </button>
            )
          ) : null}
        </div>
        {a.callerPhoneAvailable && !phone ? <p className="field-hint">{t('field.callerPhoneAudited')}</p> : null}
        <ErrorAlert error={phoneError} />
      </section>

      <section className="field-card" aria-labelledby="status-title">
        <h2 id="status-title">{t('field.statusTitle')}</h2>
        <div className="field-grid">
          {STATUS_ACTIONS.map((s) => (
            <button key={s} type="button" className="field-button field-button--primary" onClick={() => act(s)}>
              {t(`field.action.${s}`)}
            </button>
          ))}
          <button
            type="button"
            className="field-button field-button--warn"
            onClick={() => {
              setSent(t('field.action.backup'));
              void enqueue({ key: newKey(), kind: 'backup', label: t('field.action.backup'), path: '/field/backup', ...json({ incidentId: a.incidentId, ...(me ? { position: me } : {}) }) });
            }}
          >
            {t('field.action.backup')}
          </button>
        </div>
        <label>
          {t('field.disposition')}
          <select value={disposition} onChange={(e) => setDisposition(e.target.value)}>
            <option value="">{t('field.chooseDisposition')}</option>
            {dispositions.map((d) => (
              <option key={d.code} value={d.code}>
                {d.label[t.lang]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="field-button field-button--ok" disabled={!disposition} onClick={() => act('resolved', { dispositionCode: disposition })}>
          {t('field.action.resolved')}
        </button>
        {sent ? (
          <p role="status" className="field-hint">
            {t('field.lastAction', { action: sent })}
          </p>
        ) : null}
      </section>

      <form
        className="field-card field-form"
        aria-labelledby="note-title"
        onSubmit={(e) => {
          e.preventDefault();
          void enqueue({ key: newKey(), kind: 'note', label: t('field.noteLabel'), path: '/field/notes', ...json({ incidentId: a.incidentId, text: note }) }).then(() => setNote(''));
        }}
      >
        <h2 id="note-title">{t('field.noteTitle')}</h2>
        <label>
          {t('field.noteText')}
          <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} required maxLength={2000} />
        </label>
        <button className="field-button field-button--primary">{t('field.sendNote')}</button>
      </form>

      <ReportForm incidentId={a.incidentId} />
      <EvidencePicker incidentId={a.incidentId} />
    </>
  );
}

/** Everything on duty: my unit, my assignment, status, panic, notes, report, evidence and the outbox. */
export function DutyScreen({ cred, onSettings, onSignOut }: { cred: DeviceCredential; onSettings: (s: Overview['settings']) => void; onSignOut: () => void }) {
  const t = useT();
  const { data, error, stale } = useOverview(cred.token, onSignOut);
  const [onDuty, setOnDuty] = useState(true);
  const [me, setMe] = useState<Fix | null>(null);
  const unitId = data?.unit.id;
  const seconds = data?.settings.positionSeconds;

  useEffect(() => {
    if (data) onSettings(data.settings);
  }, [data, onSettings]);
  useEffect(() => {
    if (!unitId || !seconds || !onDuty) return undefined;
    return trackPositions(unitId, seconds, (f) => setMe({ lat: f.lat, lon: f.lon, accuracyM: f.accuracyM }));
  }, [unitId, seconds, onDuty]);

  if (!data) return error ? <ErrorAlert error={error} /> : <p role="status">{t('app.loading')}</p>;
  const panic = () =>
    void enqueue({ key: newKey(), kind: 'panic', label: t('field.panic'), path: '/field/panic', ...json({ ...(data.assignment ? { incidentId: data.assignment.incidentId } : {}), ...(me ? { position: me } : {}) }) });
  return (
    <>
      <h1>
        {t('field.unitTitle', { callSign: data.unit.callSign })} <span className="field-hint">{t.maybe(`field.unit.${data.unit.status}`, data.unit.status)}</span>
      </h1>
      {stale ? <p className="field-net is-offline">{t('field.staleData')}</p> : null}
      <ErrorAlert error={error} />
      <PanicButton onPanic={panic} />
      <section className="field-card" aria-labelledby="unit-title">
        <h2 id="unit-title">{t('field.crewTitle')}</h2>
        <ul className="field-crew">
          {data.crew.map((c) => (
            <li key={c.id}>{c.displayName}</li>
          ))}
        </ul>
        <label className="field-check">
          <input type="checkbox" checked={onDuty} onChange={(e) => setOnDuty(e.target.checked)} /> {t('field.onDuty', { seconds: data.settings.positionSeconds })}
        </label>
        {me ? <p className="field-hint">{t('field.myPosition', { accuracy: Math.round(me.accuracyM ?? 0) })}</p> : null}
      </section>
      {data.assignment ? <Assignment key={data.assignment.incidentId} a={data.assignment} me={me} token={cred.token} dispositions={data.dispositions} /> : <p className="field-card">{t('field.noAssignment')}</p>}
      <PendingList />
      <button type="button" className="field-button field-button--ghost" onClick={onSignOut}>
        {t('field.signOut')}
      </button>
    </>
  );
}
