import { useState } from 'react';
import { useT } from '../../app/i18n';
import { queueEvidence } from './EvidencePicker';
import { enqueue, newKey } from './queue';

type Person = { name: string; role: 'victim' | 'suspect' | 'witness' | 'other'; document: string };
type Vehicle = { plate: string; description: string };
const ROLES = ['victim', 'suspect', 'witness', 'other'] as const;

/** Narrative, persons and vehicles: queued like every other action, so a dropped signal loses nothing. */
export function ReportForm({ incidentId }: { incidentId: string }) {
  const t = useT();
  const [narrative, setNarrative] = useState('');
  const [persons, setPersons] = useState<Person[]>([]);
  const [vehicles, setVehicles] = useState<Vehicle[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  const [queued, setQueued] = useState(false);
  const setPerson = (i: number, p: Partial<Person>) => setPersons((ps) => ps.map((x, j) => (j === i ? { ...x, ...p } : x)));
  const setVehicle = (i: number, v: Partial<Vehicle>) => setVehicles((vs) => vs.map((x, j) => (j === i ? { ...x, ...v } : x)));
  return (
    <form
      className="field-card field-form"
      aria-labelledby="report-title"
      onSubmit={(e) => {
        e.preventDefault();
        // Named here, so the photos queued behind it can point to it before the server has seen it.
        const id = crypto.randomUUID();
        const body = {
          id,
          incidentId,
          narrative,
          persons: persons.filter((p) => p.name.trim()).map((p) => ({ name: p.name, role: p.role, ...(p.document.trim() ? { document: p.document } : {}) })),
          vehicles: vehicles.filter((v) => v.plate.trim()).map((v) => ({ plate: v.plate, ...(v.description.trim() ? { description: v.description } : {}) })),
        };
        const attached = files;
        void enqueue({ key: newKey(), kind: 'report', label: t('field.reportLabel'), path: '/field/reports', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
          .then(async () => {
            for (const f of attached) await queueEvidence(incidentId, f, t('field.reportLabel'), id);
          })
          .then(() => {
            setNarrative('');
            setPersons([]);
            setVehicles([]);
            setFiles([]);
            setQueued(true);
          });
      }}
    >
      <h2 id="report-title">{t('field.reportTitle')}</h2>
      <label>
        {t('field.narrative')}
        <textarea rows={5} value={narrative} onChange={(e) => setNarrative(e.target.value)} required maxLength={20_000} />
      </label>
      {persons.map((p, i) => (
        <fieldset key={i} className="field-fieldset">
          <legend>{t('field.personN', { n: i + 1 })}</legend>
          <label>
            {t('field.personName')}
            <input value={p.name} onChange={(e) => setPerson(i, { name: e.target.value })} maxLength={200} />
          </label>
          <label>
            {t('field.personRole')}
            <select value={p.role} onChange={(e) => setPerson(i, { role: e.target.value as Person['role'] })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`field.role.${r}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('field.personDocument')}
            <input value={p.document} onChange={(e) => setPerson(i, { document: e.target.value })} maxLength={40} />
          </label>
        </fieldset>
      ))}
      {vehicles.map((v, i) => (
        <fieldset key={i} className="field-fieldset">
          <legend>{t('field.vehicleN', { n: i + 1 })}</legend>
          <label>
            {t('field.plate')}
            <input value={v.plate} onChange={(e) => setVehicle(i, { plate: e.target.value })} maxLength={20} />
          </label>
          <label>
            {t('field.vehicleDescription')}
            <input value={v.description} onChange={(e) => setVehicle(i, { description: e.target.value })} maxLength={500} />
          </label>
        </fieldset>
      ))}
      <label className="field-button field-button--secondary field-file">
        {t('field.reportFiles')}
        <input type="file" accept="image/*,audio/*,application/pdf" multiple onChange={(e) => setFiles((fs) => [...fs, ...Array.from(e.target.files ?? [])])} />
      </label>
      {files.length > 0 ? (
        <ul className="field-hashes" aria-label={t('field.reportFilesList')}>
          {files.map((f, i) => (
            <li key={`${f.name}-${i}`}>{f.name}</li>
          ))}
        </ul>
      ) : null}
      <div className="field-row">
        <button type="button" className="field-button field-button--secondary" onClick={() => setPersons((ps) => [...ps, { name: '', role: 'witness', document: '' }])}>
          {t('field.addPerson')}
        </button>
        <button type="button" className="field-button field-button--secondary" onClick={() => setVehicles((vs) => [...vs, { plate: '', description: '' }])}>
          {t('field.addVehicle')}
        </button>
      </div>
      <button className="field-button field-button--primary">{t('field.submitReport')}</button>
      {queued ? <p role="status">{t('field.reportQueued')}</p> : null}
    </form>
  );
}
