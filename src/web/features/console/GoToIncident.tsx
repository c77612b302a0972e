import { useState, type FormEvent } from 'react';
import { useT } from '../../app/i18n';
import type { IncidentSummary } from './api';

/** The incident a typed number names: the whole number, or just its sequence ("357" is SV-2026-000357). */
export function findByNumber(incidents: readonly IncidentSummary[], typed: string): IncidentSummary | undefined {
  const q = typed.trim().toUpperCase();
  if (!q) return undefined;
  if (/^\d+$/.test(q)) return incidents.find((i) => Number(i.number.split('-').pop()) === Number(q));
  return incidents.find((i) => i.number.toUpperCase() === q);
}

/** Opens an incident by its number: the queue shows only the rows in view, so the browser's find cannot. */
export function GoToIncident({ incidents, onOpen }: { incidents: readonly IncidentSummary[] | undefined; onOpen: (id: string) => void }) {
  const t = useT();
  const [value, setValue] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const hit = findByNumber(incidents ?? [], value);
    if (hit) {
      onOpen(hit.id);
      setValue('');
      setMissing(null);
    } else setMissing(value.trim());
  };
  return (
    <form className="goto-incident" role="search" aria-label={t('console.goto.form')} onSubmit={submit}>
      <div className="field goto-field">
        <label htmlFor="goto-incident-input" className="visually-hidden">
          {t('console.goto.label')}
        </label>
        <input id="goto-incident-input" value={value} onChange={(e) => {
            setValue(e.target.value);
            setMissing(null);
          }} placeholder={t('console.goto.placeholder')} autoComplete="off" />
      </div>
      {/* Until the queue has loaded there is nothing to look in: a miss then would be a false "not in the queue". */}
      <button type="submit" className="button button--secondary button--small" disabled={!incidents}>
        {t('console.goto.open')}
      </button>
      {/* Always in the page, so a screen reader announces each new message in it. */}
      <p role="status" className="muted goto-missing">
        {missing ? t('console.goto.missing', { number: missing }) : ''}
      </p>
    </form>
  );
}
