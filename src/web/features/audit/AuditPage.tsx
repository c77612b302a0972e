import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { PageHeader } from '../../ui/Page';
import { auditApi, auditKeys, NO_FILTERS, type AuditEntry, type AuditFilters } from './api';
import { AuditEntryDialog } from './AuditEntryDialog';
import { AuditFiltersForm } from './AuditFiltersForm';
import { AuditTable } from './AuditTable';
import { CheckpointPanel } from './CheckpointPanel';

/** `/audit`: filterable, paged browser of the audit log with entry details, proofs and the checkpoint. */
export function AuditPage() {
  const t = useT();
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  // Cursors of the pages visited: null is the newest page; "older" pushes nextBeforeSeq.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const beforeSeq = cursors[cursors.length - 1] ?? null;

  const page = useQuery({
    queryKey: auditKeys.entries(filters, beforeSeq),
    queryFn: () => auditApi.entries(filters, beforeSeq),
    placeholderData: keepPreviousData,
  });

  const apply = (f: AuditFilters) => {
    setFilters(f);
    setCursors([null]);
  };

  const next = page.data?.nextBeforeSeq ?? null;
  const pageNo = cursors.length;

  return (
    <section>
      <PageHeader title={t('audit.title')} intro={t('audit.intro')} />
      <CheckpointPanel />
      <section className="panel">
        <AuditFiltersForm value={filters} onApply={apply} />
      </section>

      <section className="panel" aria-labelledby="audit-entries-title" aria-busy={page.isFetching}>
        <div className="panel-header">
          <h2 id="audit-entries-title">{t('audit.tableCaption')}</h2>
          <p className="muted">{t('audit.pageInfo', { page: pageNo })}</p>
        </div>
        {page.isPending ? <Loading /> : null}
        <ErrorAlert error={page.error} />
        {page.data ? (
          page.data.items.length === 0 ? (
            <p>{t('audit.noEntries')}</p>
          ) : (
            <AuditTable entries={page.data.items} onOpen={setOpen} labelledBy="audit-entries-title" />
          )
        ) : null}
        <nav className="pager" aria-label={t('audit.pageInfo', { page: pageNo })}>
          {pageNo > 2 ? (
            <button type="button" className="button button--secondary" onClick={() => setCursors([null])}>
              {t('audit.first')}
            </button>
          ) : null}
          {pageNo > 1 ? (
            <button type="button" className="button button--secondary" onClick={() => setCursors((c) => c.slice(0, -1))}>
              <span aria-hidden="true">← </span>
              {t('audit.newer')}
            </button>
          ) : null}
          {next !== null ? (
            <button
              type="button"
              className="button button--secondary"
              disabled={page.isPlaceholderData}
              onClick={() => setCursors((c) => [...c, next])}
            >
              {t('audit.older')}
              <span aria-hidden="true"> →</span>
            </button>
          ) : null}
        </nav>
      </section>

      {open ? <AuditEntryDialog initial={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}
