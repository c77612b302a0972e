import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { PageHeader } from '../../ui/Page';
import { useCan, useMe } from '../auth/session';
import { usersApi, usersKeys } from '../users/api';
import { approvalsApi, approvalsKeys, type Approval } from './api';
import { DecidedTable, PendingTable } from './ApprovalsTables';
import { RejectDialog } from './RejectDialog';

/** `/approvals`: the four-eyes queue; deciding needs `approvals:decide` and never one's own request. */
export function ApprovalsPage({ embedded = false }: { embedded?: boolean } = {}) {
  const t = useT();
  const me = useMe();
  const can = useCan();
  const queryClient = useQueryClient();
  const pending = useQuery({ queryKey: approvalsKeys.list('pending'), queryFn: () => approvalsApi.list('pending'), refetchInterval: 30_000 });
  const decided = useQuery({ queryKey: approvalsKeys.list('decided'), queryFn: () => approvalsApi.list('decided') });
  // Usernames for user entities, when the viewer may read users.
  const users = useQuery({ queryKey: usersKeys.all, queryFn: usersApi.list, enabled: can('users:read') });
  const [notice, setNotice] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<Approval | null>(null);

  const usernames = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.username])), [users.data]);

  const entityName = useCallback(
    (a: Approval) => {
      // The request's payload names its entity for people: a username, or an incident's number.
      const payloadName = nameInPayload(a);
      const name = a.entityType === 'user' ? (usernames.get(a.entityId) ?? payloadName) : payloadName;
      return (
        <>
          <span className="cell-strong">{name ?? a.entityType}</span>
          <span className="cell-sub mono">
            {a.entityType} · {a.entityId}
          </span>
        </>
      );
    },
    [usernames],
  );

  const afterDecision = () => {
    void queryClient.invalidateQueries({ queryKey: ['approvals'] });
    void queryClient.invalidateQueries({ queryKey: usersKeys.all });
    void queryClient.invalidateQueries({ queryKey: ['audit'] });
  };

  const approve = useMutation({
    mutationFn: (a: Approval) => approvalsApi.approve(a.id),
    onSuccess: () => {
      afterDecision();
      setNotice(t('approvals.approved'));
    },
  });

  const reject = useMutation({
    mutationFn: ({ a, note }: { a: Approval; note: string }) => approvalsApi.reject(a.id, note),
    onSuccess: () => {
      afterDecision();
      setRejecting(null);
      setNotice(t('approvals.rejectedMsg'));
    },
  });

  const busyId = approve.isPending ? (approve.variables?.id ?? null) : null;

  return (
    <section>
      {embedded ? <h2 className="section-title">{t('approvals.title')}</h2> : <PageHeader title={t('approvals.title')} intro={t('approvals.intro')} />}
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      <ErrorAlert error={approve.error} />

      <section className="panel" aria-labelledby="approvals-pending-title">
        <div className="panel-header">
          <h2 id="approvals-pending-title">
            {t('approvals.pending')}
            {pending.data ? <span className="count-badge"> ({pending.data.length})</span> : null}
          </h2>
          <button type="button" className="button button--small button--secondary" onClick={() => void pending.refetch()}>
            {t('common.refresh')}
          </button>
        </div>
        {pending.isPending ? <Loading /> : null}
        <ErrorAlert error={pending.error} />
        {pending.data && pending.data.length === 0 ? <p>{t('approvals.noPending')}</p> : null}
        {pending.data && pending.data.length > 0 ? (
          <PendingTable
            items={pending.data}
            meId={me.id}
            canDecidePermission={can('approvals:decide')}
            busyId={busyId}
            entityName={entityName}
            onApprove={(a) => {
              setNotice(null);
              approve.mutate(a);
            }}
            onReject={(a) => {
              setNotice(null);
              approve.reset();
              reject.reset();
              setRejecting(a);
            }}
            labelledBy="approvals-pending-title"
          />
        ) : null}
      </section>

      <section className="panel" aria-labelledby="approvals-decided-title">
        <h2 id="approvals-decided-title">{t('approvals.decided')}</h2>
        {decided.isPending ? <Loading /> : null}
        <ErrorAlert error={decided.error} />
        {decided.data && decided.data.length === 0 ? <p>{t('approvals.noDecided')}</p> : null}
        {decided.data && decided.data.length > 0 ? <DecidedTable items={decided.data} entityName={entityName} labelledBy="approvals-decided-title" /> : null}
      </section>

      {rejecting ? (
        <RejectDialog
          summary={[t.maybe(`approvals.action.${rejecting.action}`, rejecting.action), nameInPayload(rejecting), rejecting.requestedBy.username].filter(Boolean).join(' — ')}
          pending={reject.isPending}
          error={reject.error}
          onConfirm={(note) => reject.mutate({ a: rejecting, note })}
          onClose={() => setRejecting(null)}
        />
      ) : null}
    </section>
  );
}

/** The incident number or username a request's payload names, for people. */
function nameInPayload(a: Approval): string | null {
  const p = (a.payload && typeof a.payload === 'object' ? a.payload : {}) as { username?: unknown; number?: unknown };
  return typeof p.username === 'string' ? p.username : typeof p.number === 'string' ? p.number : null;
}
