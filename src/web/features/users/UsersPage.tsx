import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useT } from '../../app/i18n';
import { roleLabel } from '../../app/labels';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { TextField } from '../../ui/Field';
import { PageHeader } from '../../ui/Page';
import { ReasonDialog, type Reason } from '../../ui/ReasonDialog';
import { useCan, useMe } from '../auth/session';
import { usersApi, usersKeys, type User } from './api';
import { CreateUserForm } from './CreateUserForm';
import { EditRolesDialog } from './EditRolesDialog';
import { UsersTable, type UserAction } from './UsersTable';

type OpenDialog = { kind: 'roles' | 'deactivate' | 'reactivate' | 'mfa'; user: User } | null;

/** `/users`: accounts, their roles and state; changes need `users:manage`. */
export function UsersPage() {
  const t = useT();
  const me = useMe();
  const can = useCan();
  const canManage = can('users:manage');
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: usersKeys.all, queryFn: usersApi.list });
  const [filter, setFilter] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<OpenDialog>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: usersKeys.all });

  // The one-click action (no reason needed): unlock after failed sign-ins.
  const quick = useMutation({
    mutationFn: ({ user }: { action: 'unlock'; user: User }) => usersApi.unlock(user.id),
    onSuccess: (u) => {
      refresh();
      setNotice(t('users.unlocked', { username: u.username }));
    },
  });

  const reactivate = useMutation({
    mutationFn: ({ user, reason }: { user: User; reason: Reason }) => usersApi.reactivate(user.id, reason),
    onSuccess: (u) => {
      refresh();
      setDialog(null);
      setNotice(t('users.reactivated', { username: u.username }));
    },
  });

  const deactivate = useMutation({
    mutationFn: ({ user, reason }: { user: User; reason: Reason }) => usersApi.deactivate(user.id, reason),
    onSuccess: (u) => {
      refresh();
      setDialog(null);
      setNotice(t('users.deactivated', { username: u.username }));
    },
  });

  const resetMfa = useMutation({
    mutationFn: ({ user, reason }: { user: User; reason: Reason }) => usersApi.resetMfa(user.id, reason),
    onSuccess: (_res, { user }) => {
      void queryClient.invalidateQueries({ queryKey: ['approvals'] });
      setDialog(null);
      setNotice(t('users.mfaResetRequested', { username: user.username }));
    },
  });

  const onAction = (action: UserAction, user: User) => {
    setNotice(null);
    quick.reset();
    if (action === 'unlock') quick.mutate({ action, user });
    else if (action === 'reactivate') {
      reactivate.reset();
      setDialog({ kind: 'reactivate', user });
    } else if (action === 'deactivate') {
      deactivate.reset();
      setDialog({ kind: 'deactivate', user });
    } else if (action === 'mfa') {
      resetMfa.reset();
      setDialog({ kind: 'mfa', user });
    } else setDialog({ kind: 'roles', user });
  };

  const shown = useMemo(() => {
    const all = users.data ?? [];
    const q = filter.trim().toLowerCase();
    if (!q) return all;
    return all.filter((u) =>
      [u.username, u.displayName, u.email ?? '', ...u.roles.map((r) => roleLabel(r, t.lang))].some((s) => s.toLowerCase().includes(q)),
    );
  }, [users.data, filter, t.lang]);

  return (
    <section>
      <PageHeader title={t('users.title')} intro={canManage ? undefined : t('users.readOnly')} />
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      <ErrorAlert error={quick.error} />

      <section className="panel" aria-labelledby="users-list-title">
        <div className="panel-header">
          <h2 id="users-list-title">{t('users.tableCaption')}</h2>
          {users.data ? <p className="muted">{t('users.count', { shown: shown.length, total: users.data.length })}</p> : null}
        </div>
        <div className="toolbar">
          <TextField label={t('users.search')} type="search" value={filter} onChange={setFilter} className="field--inline" autoComplete="off" />
        </div>
        {users.isPending ? <Loading /> : null}
        <ErrorAlert error={users.error} />
        {users.data ? (
          shown.length === 0 ? (
            <p>{t('common.empty')}</p>
          ) : (
            <UsersTable
              users={shown}
              meId={me.id}
              canManage={canManage}
              busyId={quick.isPending ? (quick.variables?.user.id ?? null) : null}
              onAction={onAction}
              labelledBy="users-list-title"
            />
          )
        ) : null}
      </section>

      {canManage ? (
        <section className="panel" aria-labelledby="create-user-title">
          <h2 id="create-user-title">{t('users.createTitle')}</h2>
          <p className="muted">{t('users.createIntro')}</p>
          <CreateUserForm onCreated={(u) => setNotice(t('users.created', { username: u.username }))} />
        </section>
      ) : null}

      {dialog?.kind === 'roles' ? (
        <EditRolesDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={(u) => {
            setDialog(null);
            setNotice(t('users.rolesSaved', { username: u.username }));
          }}
        />
      ) : null}
      {dialog?.kind === 'deactivate' ? (
        <ReasonDialog
          title={t('users.deactivateTitle', { username: dialog.user.username })}
          action="identity.deactivate_user"
          intro={t('users.deactivateIntro')}
          confirmLabel={t('common.confirm')}
          pending={deactivate.isPending}
          error={deactivate.error}
          onConfirm={(reason) => deactivate.mutate({ user: dialog.user, reason })}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'reactivate' ? (
        <ReasonDialog
          title={`${t('users.reactivate')}: ${dialog.user.username}`}
          action="identity.reactivate_user"
          confirmLabel={t('common.confirm')}
          pending={reactivate.isPending}
          error={reactivate.error}
          onConfirm={(reason) => reactivate.mutate({ user: dialog.user, reason })}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'mfa' ? (
        <ReasonDialog
          title={t('users.resetMfaTitle', { username: dialog.user.username })}
          action="identity.reset_mfa"
          intro={t('users.resetMfaIntro')}
          warning={t('users.resetMfaApproval')}
          confirmLabel={t('common.confirm')}
          pending={resetMfa.isPending}
          error={resetMfa.error}
          onConfirm={(reason) => resetMfa.mutate({ user: dialog.user, reason })}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </section>
  );
}
