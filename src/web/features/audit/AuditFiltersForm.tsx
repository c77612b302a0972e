import { useState, type FormEvent } from 'react';
import { useT } from '../../app/i18n';
import { TextField } from '../../ui/Field';
import { NO_FILTERS, type AuditFilters } from './api';

type Props = { value: AuditFilters; onApply: (f: AuditFilters) => void };

export function AuditFiltersForm({ value, onApply }: Props) {
  const t = useT();
  const [draft, setDraft] = useState<AuditFilters>(value);
  const set = (k: keyof AuditFilters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  const clear = () => {
    setDraft(NO_FILTERS);
    onApply(NO_FILTERS);
  };
  return (
    <form onSubmit={submit} noValidate className="filters" aria-labelledby="audit-filters-title">
      <h2 id="audit-filters-title">{t('audit.filters')}</h2>
      <div className="filters-grid">
        <TextField label={t('audit.filterActor')} value={draft.actor} onChange={set('actor')} autoComplete="off" autoCapitalize="none" spellCheck={false} />
        <TextField
          label={t('audit.filterAction')}
          hint={t('audit.filterActionHint')}
          value={draft.action}
          onChange={set('action')}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
        />
        <TextField label={t('audit.filterEntityType')} value={draft.entityType} onChange={set('entityType')} autoComplete="off" autoCapitalize="none" spellCheck={false} />
        <TextField label={t('audit.filterEntityId')} value={draft.entityId} onChange={set('entityId')} autoComplete="off" spellCheck={false} />
        <TextField label={t('audit.filterFrom')} type="date" value={draft.from} onChange={set('from')} max={draft.to || undefined} />
        <TextField label={t('audit.filterTo')} type="date" value={draft.to} onChange={set('to')} min={draft.from || undefined} />
      </div>
      <div className="button-row">
        <button type="submit" className="button button--primary">
          {t('audit.search')}
        </button>
        <button type="button" className="button button--secondary" onClick={clear}>
          {t('audit.clear')}
        </button>
      </div>
    </form>
  );
}
