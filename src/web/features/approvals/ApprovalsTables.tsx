import type { ReactNode } from 'react';
import { useFormat, useLang, useT } from '../../app/i18n';
import { roleLabel } from '../../app/labels';
import { Chip } from '../../ui/Chip';
import { TableWrap } from '../../ui/Page';
import type { Approval } from './api';

export type EntityNamer = (a: Approval) => ReactNode;

/** What exactly is asked, where the action alone does not say (a priority lowered from what to what). */
function detailOf(a: Approval): string | null {
  const p = (a.payload && typeof a.payload === 'object' ? a.payload : {}) as { from?: unknown; priority?: unknown };
  if (a.action === 'emergency.lower_priority' && typeof p.from === 'number' && typeof p.priority === 'number') return `P${p.from} → P${p.priority}`;
  return null;
}

function ActionCell({ a }: { a: Approval }) {
  const t = useT();
  const detail = detailOf(a);
  return (
    <>
      <span className="cell-strong">{t.maybe(`approvals.action.${a.action}`, a.action)}</span>
      {detail ? <span className="cell-strong">{detail}</span> : null}
      <span className="cell-sub mono">{a.action}</span>
    </>
  );
}

function ReasonCell({ a }: { a: Approval }) {
  const { lang } = useLang();
  return (
    <>
      <span className="cell-strong">{a.reason.label?.[lang] ?? a.reason.code}</span>
      <span className="cell-sub">{a.reason.text}</span>
    </>
  );
}

export function StatusChip({ status }: { status: string }) {
  const t = useT();
  if (status === 'approved') return <Chip tone="ok">{t('approvals.status.approved')}</Chip>;
  if (status === 'rejected') return <Chip tone="bad">{t('approvals.status.rejected')}</Chip>;
  if (status === 'pending') return <Chip tone="warn">{t('approvals.status.pending')}</Chip>;
  if (status === 'superseded') return <Chip>{t('approvals.status.superseded')}</Chip>;
  return <Chip>{status}</Chip>;
}

type PendingProps = {
  items: Approval[];
  meId: string;
  canDecidePermission: boolean;
  busyId: string | null;
  entityName: EntityNamer;
  onApprove: (a: Approval) => void;
  onReject: (a: Approval) => void;
  labelledBy: string;
};

export function PendingTable({ items, meId, canDecidePermission, busyId, entityName, onApprove, onReject, labelledBy }: PendingProps) {
  const t = useT();
  const fmt = useFormat();
  return (
    <TableWrap labelledBy={labelledBy}>
      <table className="table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">{t('approvals.colAction')}</th>
            <th scope="col">{t('approvals.colEntity')}</th>
            <th scope="col">{t('approvals.colRequestedBy')}</th>
            <th scope="col">{t('approvals.colRequestedAt')}</th>
            <th scope="col">{t('approvals.colReason')}</th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => {
            const descId = `approval-${a.id}-desc`;
            return (
              <tr key={a.id}>
                <td id={descId}>
                  <ActionCell a={a} />
                </td>
                <td>{entityName(a)}</td>
                <td className="mono">{a.requestedBy.username}</td>
                <td>{fmt.dateTime(a.requestedAt)}</td>
                <td>
                  <ReasonCell a={a} />
                </td>
                <td>
                  {canDecidePermission && a.canDecide ? (
                    <div className="row-actions">
                      <button
                        type="button"
                        className="button button--small button--primary"
                        disabled={busyId === a.id}
                        aria-describedby={descId}
                        onClick={() => onApprove(a)}
                      >
                        {t('approvals.approve')}
                      </button>
                      <button
                        type="button"
                        className="button button--small button--danger-outline"
                        disabled={busyId === a.id}
                        aria-describedby={descId}
                        onClick={() => onReject(a)}
                      >
                        {t('approvals.reject')}
                      </button>
                    </div>
                  ) : (
                    <span className="muted">
                      {!canDecidePermission
                        ? t('approvals.readOnly')
                        : a.requestedBy.id === meId
                          ? t('approvals.ownRequest')
                          : t('approvals.needsRole', { role: roleLabel(a.approverRole, t.lang) })}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

export function DecidedTable({ items, entityName, labelledBy }: { items: Approval[]; entityName: EntityNamer; labelledBy: string }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <TableWrap labelledBy={labelledBy}>
      <table className="table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">{t('approvals.colAction')}</th>
            <th scope="col">{t('approvals.colEntity')}</th>
            <th scope="col">{t('approvals.colRequestedBy')}</th>
            <th scope="col">{t('approvals.colReason')}</th>
            <th scope="col">{t('approvals.colStatus')}</th>
            <th scope="col">{t('approvals.colDecidedBy')}</th>
            <th scope="col">{t('approvals.colDecidedAt')}</th>
            <th scope="col">{t('approvals.colNote')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id}>
              <td>
                <ActionCell a={a} />
              </td>
              <td>{entityName(a)}</td>
              <td className="mono">{a.requestedBy.username}</td>
              <td>
                <ReasonCell a={a} />
              </td>
              <td>
                <StatusChip status={a.status} />
              </td>
              <td className="mono">{a.decidedBy?.username ?? '—'}</td>
              <td>{fmt.dateTime(a.decidedAt)}</td>
              <td>{a.decisionNote ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
