import { useMutation, useQuery } from '@tanstack/react-query';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { useCan } from '../auth/session';
import { auditApi, auditKeys, CHECKPOINT_EXPORT_URL, type VerificationProblem, type VerificationReport } from './api';

function ProblemLine({ p }: { p: VerificationProblem }) {
  const t = useT();
  return (
    <>
      <strong>{t.maybe(`audit.kind.${p.kind}`, p.kind)}</strong>
      {p.seq !== null ? <> — {t('audit.problemSeq', { seq: p.seq })}</> : null}
      <span className="cell-sub mono">{p.detail}</span>
    </>
  );
}

function Report({ report }: { report: VerificationReport }) {
  const t = useT();
  const fmt = useFormat();
  if (report.ok) {
    return (
      <div className="alert alert--success" role="status">
        <p>
          <span aria-hidden="true">✔ </span>
          {t('audit.verifyOk', { entries: fmt.number(report.entries), checkpoints: fmt.number(report.checkpoints) })}
        </p>
      </div>
    );
  }
  const [first, ...rest] = report.problems;
  return (
    <div className="alert alert--error" role="alert">
      <p className="alert-title">
        <span aria-hidden="true">✖ </span>
        {t('audit.verifyFail', { count: report.problems.length })}
      </p>
      {first ? (
        <p>
          <ProblemLine p={first} />
        </p>
      ) : null}
      {rest.length > 0 ? (
        <details>
          <summary>{t('audit.verifyMore')}</summary>
          <ol className="problem-list">
            {report.problems.map((p, i) => (
              <li key={i}>
                <ProblemLine p={p} />
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}

/** The latest signed checkpoint, its witness download and the whole-chain verification. */
export function CheckpointPanel() {
  const t = useT();
  const fmt = useFormat();
  const can = useCan();
  const checkpoint = useQuery({ queryKey: auditKeys.checkpoint, queryFn: auditApi.checkpoint });
  const verify = useMutation({ mutationFn: auditApi.verify });

  return (
    <section className="panel checkpoint" aria-labelledby="audit-checkpoint-title">
      <div className="checkpoint-head">
        <h2 id="audit-checkpoint-title">{t('audit.checkpointTitle')}</h2>
        <div className="button-row">
          {checkpoint.data ? (
            <a className="button button--secondary" href={CHECKPOINT_EXPORT_URL} download>
              <span aria-hidden="true">⤓ </span>
              {t('audit.download')}
            </a>
          ) : null}
          {can('audit:verify') ? (
            <button type="button" className="button button--primary" onClick={() => verify.mutate()} disabled={verify.isPending}>
              {verify.isPending ? t('audit.verifying') : t('audit.verify')}
            </button>
          ) : null}
        </div>
      </div>
      {checkpoint.isPending ? <Loading /> : null}
      <ErrorAlert error={checkpoint.error} />
      {checkpoint.data === null ? <p>{t('audit.checkpointNone')}</p> : null}
      {checkpoint.data ? (
        <dl className="facts">
          <div>
            <dt>{t('audit.checkpointTreeSize')}</dt>
            <dd className="mono big">{fmt.number(checkpoint.data.treeSize)}</dd>
          </div>
          <div>
            <dt>{t('audit.checkpointTime')}</dt>
            <dd>{fmt.dateTime(checkpoint.data.timestamp)}</dd>
          </div>
          <div>
            <dt>{t('audit.checkpointKeyId')}</dt>
            <dd className="mono">{checkpoint.data.keyId}</dd>
          </div>
          <div>
            <dt>{t('audit.checkpointOrigin')}</dt>
            <dd className="mono">{checkpoint.data.origin}</dd>
          </div>
          <div className="facts-wide">
            <dt>{t('audit.checkpointRoot')}</dt>
            <dd>
              <code className="hash">{checkpoint.data.rootHash}</code>
            </dd>
          </div>
        </dl>
      ) : null}
      <div aria-live="polite" className="verify-result">
        <ErrorAlert error={verify.error} />
        {verify.data ? <Report report={verify.data} /> : null}
      </div>
    </section>
  );
}
