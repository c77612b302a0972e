import { useQuery } from '@tanstack/react-query';
import { useFormat, useT } from '../../app/i18n';
import { roleList } from '../../app/labels';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { Chip } from '../../ui/Chip';
import { Dialog } from '../../ui/Dialog';
import { auditApi, auditKeys, type AuditEntry, type Checkpoint } from './api';
import { entityText } from './AuditTable';

function Hash({ value }: { value: string | null | undefined }) {
  return <code className="hash">{value ?? '—'}</code>;
}

/** Inclusion proof of one entry against the latest checkpoint, as the server computes it (not re-verified here). */
function InclusionProofSection({ seq, checkpoint }: { seq: number; checkpoint: Checkpoint | null | undefined }) {
  const t = useT();
  const covered = !!checkpoint && seq <= checkpoint.treeSize;
  const proof = useQuery({
    queryKey: auditKeys.proof(seq, checkpoint?.treeSize ?? 0),
    queryFn: () => auditApi.proof(seq, checkpoint?.treeSize ?? 0),
    enabled: covered,
    staleTime: Infinity,
  });

  let body;
  if (checkpoint === undefined) body = <Loading />;
  else if (checkpoint === null) body = <p>{t('audit.proofNoCheckpoint')}</p>;
  else if (!covered) body = <p>{t('audit.proofNotYet', { size: checkpoint.treeSize })}</p>;
  else if (proof.isPending) body = <Loading label={t('audit.proofLoading')} />;
  else if (proof.error) body = <ErrorAlert error={proof.error} />;
  else {
    const p = proof.data;
    const matches = p.rootHash === checkpoint.rootHash && p.treeSize === checkpoint.treeSize;
    body = (
      <>
        <p>
          {matches ? <Chip tone="ok">{t('audit.proofMatches')}</Chip> : <Chip tone="bad">{t('audit.proofMismatch')}</Chip>}
        </p>
        <dl className="details">
          <dt>{t('audit.proofLeafIndex')}</dt>
          <dd className="mono">{p.leafIndex}</dd>
          <dt>{t('audit.proofTreeSize')}</dt>
          <dd className="mono">{p.treeSize}</dd>
          <dt>{t('audit.leafHash')}</dt>
          <dd>
            <Hash value={p.leafHash} />
          </dd>
          <dt>{t('audit.proofRoot')}</dt>
          <dd>
            <Hash value={p.rootHash} />
          </dd>
          <dt>{t('audit.checkpointRoot')}</dt>
          <dd>
            <Hash value={checkpoint.rootHash} />
          </dd>
        </dl>
        <h4>{t('audit.proofPath', { count: p.proof.length })}</h4>
        {p.proof.length === 0 ? (
          <p>{t('audit.proofEmpty')}</p>
        ) : (
          <ol className="proof-list">
            {p.proof.map((h, i) => (
              <li key={`${i}-${h}`}>
                <Hash value={h} />
              </li>
            ))}
          </ol>
        )}
      </>
    );
  }
  return (
    <section aria-labelledby="audit-proof-title" className="dialog-section">
      <h3 id="audit-proof-title">{t('audit.proofTitle')}</h3>
      {body}
    </section>
  );
}

export function AuditEntryDialog({ initial, onClose }: { initial: AuditEntry; onClose: () => void }) {
  const t = useT();
  const fmt = useFormat();
  const entry = useQuery({
    queryKey: auditKeys.entry(initial.seq),
    queryFn: () => auditApi.entry(initial.seq),
    placeholderData: initial,
    staleTime: Infinity,
  });
  const checkpoint = useQuery({ queryKey: auditKeys.checkpoint, queryFn: auditApi.checkpoint });
  const e = entry.data ?? initial;

  return (
    <Dialog title={t('audit.entryTitle', { seq: e.seq })} onClose={onClose} wide>
      <ErrorAlert error={entry.error} />
      <dl className="details">
        <dt>{t('audit.fieldTime')}</dt>
        <dd>
          {fmt.dateTime(e.occurredAt)} <span className="muted mono">({e.occurredAt})</span>
        </dd>
        <dt>{t('audit.fieldActor')}</dt>
        <dd>
          {e.actor.username ?? <em>{t('audit.system')}</em>}
          {e.actor.roles.length > 0 ? <span className="muted"> — {roleList(e.actor.roles, t.lang)}</span> : null}
          {e.actor.id ? <span className="cell-sub mono">{e.actor.id}</span> : null}
        </dd>
        {e.actor.tokenId ? (
          <>
            <dt>{t('audit.fieldToken')}</dt>
            <dd className="mono">{e.actor.tokenId}</dd>
          </>
        ) : null}
        <dt>{t('audit.fieldAction')}</dt>
        <dd className="mono">{e.action}</dd>
        <dt>{t('audit.fieldEntity')}</dt>
        <dd className="mono break">{entityText(e.entity)}</dd>
        <dt>{t('audit.fieldReason')}</dt>
        <dd>
          {e.reason ? (
            <>
              <span className="mono">{e.reason.code}</span> — {e.reason.text}
              {e.reason.approvedBy ? <span className="cell-sub mono">approvedBy: {e.reason.approvedBy}</span> : null}
            </>
          ) : (
            '—'
          )}
        </dd>
        <dt>{t('audit.fieldRequestId')}</dt>
        <dd className="mono">{e.requestId ?? '—'}</dd>
        <dt>{t('audit.fieldClientIp')}</dt>
        <dd className="mono">{e.clientIp ?? '—'}</dd>
      </dl>

      <section aria-labelledby="audit-changes-title" className="dialog-section">
        <h3 id="audit-changes-title">{t('audit.changes')}</h3>
        {e.changes === null || e.changes === undefined ? (
          <p>{t('audit.noChanges')}</p>
        ) : (
          <pre className="json" tabIndex={0} aria-labelledby="audit-changes-title">
            {JSON.stringify(e.changes, null, 2)}
          </pre>
        )}
      </section>

      <section aria-labelledby="audit-hashes-title" className="dialog-section">
        <h3 id="audit-hashes-title">{t('audit.hashes')}</h3>
        <dl className="details">
          <dt>{t('audit.entryHash')}</dt>
          <dd>
            <Hash value={e.entryHash} />
          </dd>
          <dt>{t('audit.prevHash')}</dt>
          <dd>
            <Hash value={e.prevHash} />
          </dd>
          <dt>{t('audit.leafHash')}</dt>
          <dd>
            <Hash value={e.leafHash} />
          </dd>
        </dl>
      </section>

      <InclusionProofSection seq={e.seq} checkpoint={checkpoint.isPending ? undefined : (checkpoint.data ?? null)} />
      {checkpoint.error ? <ErrorAlert error={checkpoint.error} /> : null}
    </Dialog>
  );
}
