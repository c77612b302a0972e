import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { apiFetch, apiFetchBlob } from '../../app/api';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { Dialog } from '../../ui/Dialog';
import { TextAreaField } from '../../ui/Field';
import type { IncidentDetail } from './api';

type Person = { name: string; role: 'victim' | 'suspect' | 'witness' | 'other'; document?: string; notes?: string };
type FieldReport = { id: string; callSign: string; author: string; narrative: string; persons: Person[]; vehicles: { plate: string; description?: string }[]; createdAt: string };
type Evidence = { id: string; reportId: string | null; kind: string; contentType: string; sizeBytes: number; sha256: string; originalName: string | null; capturedAt: string };

const MIN_REASON = 10;
const kib = (n: number) => `${Math.max(1, Math.round(n / 1024)).toLocaleString('es-SV')} KiB`;

/**
 * The field file of an incident for custodians: the officers' reports and the evidence with its chain of custody.
 * Reports name people, so they load only on request (each reading is audited), and again only when a new one arrives.
 */
export function FieldFile({ incident }: { incident: IncidentDetail }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const reportCount = incident.timeline.filter((e) => e.kind === 'field_report').length;
  const evidenceCount = incident.timeline.filter((e) => e.kind === 'evidence_added').length;
  if (reportCount + evidenceCount === 0) return null;
  return (
    <section aria-labelledby="field-file-title">
      <h3 id="field-file-title">{t('console.fieldFile.title')}</h3>
      {open ? (
        <FieldFileBody incidentId={incident.id} reportCount={reportCount} evidenceCount={evidenceCount} />
      ) : (
        <button type="button" className="button button--secondary button--small" onClick={() => setOpen(true)}>
          {t('console.fieldFile.show', { reports: reportCount, evidence: evidenceCount })}
        </button>
      )}
    </section>
  );
}

function FieldFileBody({ incidentId, reportCount, evidenceCount }: { incidentId: string; reportCount: number; evidenceCount: number }) {
  const t = useT();
  const fmt = useFormat();
  const reports = useQuery({
    queryKey: ['field-reports', incidentId, reportCount],
    queryFn: () => apiFetch<{ items: FieldReport[] }>('/field/reports', { query: { incidentId } }).then((r) => r.items),
    staleTime: Infinity,
  });
  const evidence = useQuery({
    queryKey: ['evidence', incidentId, evidenceCount],
    queryFn: () => apiFetch<{ items: Evidence[] }>('/evidence', { query: { incidentId } }).then((r) => r.items),
    staleTime: Infinity,
  });
  const [downloading, setDownloading] = useState<Evidence | null>(null);
  return (
    <>
      {reports.isPending || evidence.isPending ? <Loading /> : null}
      <ErrorAlert error={reports.error ?? evidence.error} />
      {reports.data?.map((r) => (
        <article key={r.id} className="field-report" aria-label={t('console.fieldFile.report', { unit: r.callSign })}>
          <p className="muted">
            <strong className="mono">{r.callSign}</strong> · {r.author} · {fmt.compact(r.createdAt)}
          </p>
          <p className="field-report-narrative">{r.narrative}</p>
          {r.persons.length > 0 ? (
            <ul className="plain-list" aria-label={t('console.fieldFile.persons')}>
              {r.persons.map((p, i) => (
                <li key={i}>
                  {p.name} — {t(`field.role.${p.role}`)}
                  {p.document ? <span className="mono muted"> · {p.document}</span> : null}
                  {p.notes ? <span className="muted"> · {p.notes}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
          {r.vehicles.length > 0 ? (
            <ul className="plain-list" aria-label={t('console.fieldFile.vehicles')}>
              {r.vehicles.map((v, i) => (
                <li key={i}>
                  <span className="mono">{v.plate}</span>
                  {v.description ? ` — ${v.description}` : null}
                </li>
              ))}
            </ul>
          ) : null}
        </article>
      ))}
      {evidence.data && evidence.data.length > 0 ? (
        <ul className="plain-list evidence-list" aria-label={t('console.fieldFile.evidence')}>
          {evidence.data.map((e) => (
            <li key={e.id} className="evidence-item">
              <p>
                <strong>{t.maybe(`console.fieldFile.kind.${e.kind}`, e.kind)}</strong> · {e.originalName ?? '—'} <span className="muted">({kib(e.sizeBytes)})</span>
                <span className="muted">
                  {' '}
                  · {t('console.fieldFile.captured')} {fmt.compact(e.capturedAt)}
                </span>
              </p>
              <p className="mono muted" title={e.sha256}>
                SHA-256 {e.sha256.slice(0, 16)}…
              </p>
              <p className="button-row">
                <button type="button" className="button button--secondary button--small" onClick={() => setDownloading(e)} aria-label={t('console.fieldFile.downloadItem', { name: e.originalName ?? e.kind })}>
                  {t('console.fieldFile.download')}
                </button>
                <a className="button button--secondary button--small" href={`/api/evidence/${encodeURIComponent(e.id)}/custody-report.pdf`} target="_blank" rel="noopener" aria-label={t('console.fieldFile.custodyItem', { name: e.originalName ?? e.kind })}>
                  {t('console.fieldFile.custody')}
                </a>
              </p>
            </li>
          ))}
        </ul>
      ) : null}
      {downloading ? <DownloadDialog item={downloading} onClose={() => setDownloading(null)} /> : null}
    </>
  );
}

/** A download is a custody event: it asks why, then shows a photo inline and offers the file to save. */
function DownloadDialog({ item, onClose }: { item: Evidence; onClose: () => void }) {
  const t = useT();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [file, setFile] = useState<{ url: string; verified: boolean } | null>(null);
  const tooShort = reason.trim().length < MIN_REASON;

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (tooShort) return;
    setPending(true);
    setError(null);
    try {
      const blob = await apiFetchBlob(`/evidence/${encodeURIComponent(item.id)}/content`, { query: { reason: reason.trim() } });
      // The server re-hashed the bytes; the browser checks them again against the recorded hash.
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())), (b) => b.toString(16).padStart(2, '0')).join('');
      setFile({ url: URL.createObjectURL(blob), verified: digest === item.sha256 });
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  };

  // However the dialog goes away (closed, incident changed, signed out), the file's memory goes with it.
  useEffect(() => (file ? () => URL.revokeObjectURL(file.url) : undefined), [file]);

  return (
    <Dialog title={t('console.fieldFile.downloadTitle', { name: item.originalName ?? item.kind })} onClose={onClose}>
      {file ? (
        <div className="form-stack">
          <p role="status">{file.verified ? t('console.fieldFile.verified') : t('console.fieldFile.notVerified')}</p>
          {item.contentType.startsWith('image/') ? <img className="evidence-preview" src={file.url} alt={t('console.fieldFile.preview', { name: item.originalName ?? item.kind })} /> : null}
          <a className="button button--primary" href={file.url} download={item.originalName ?? `evidencia-${item.id}`}>
            {t('console.fieldFile.save')}
          </a>
        </div>
      ) : (
        <form className="form-stack" onSubmit={(e) => void submit(e)} aria-label={t('console.fieldFile.downloadTitle', { name: item.originalName ?? item.kind })}>
          <p>{t('console.fieldFile.downloadIntro')}</p>
          <TextAreaField label={t('console.fieldFile.reason')} hint={t('console.fieldFile.reasonHint', { n: MIN_REASON })} value={reason} onChange={setReason} required minLength={MIN_REASON} maxLength={1000} />
          <ErrorAlert error={error} />
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={pending || tooShort}>
              {t('console.fieldFile.confirmDownload')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
