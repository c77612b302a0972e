import { useFormat, useT } from '../../app/i18n';
import { roleLabel } from '../../app/labels';
import { Chip } from '../../ui/Chip';
import { TableWrap } from '../../ui/Page';
import { isLocked, type User } from './api';

export type UserAction = 'roles' | 'deactivate' | 'reactivate' | 'unlock' | 'mfa';

type Props = {
  users: User[];
  meId: string;
  canManage: boolean;
  busyId: string | null;
  onAction: (action: UserAction, user: User) => void;
  /** Id of the heading that names the table. */
  labelledBy: string;
};

export function UsersTable({ users, meId, canManage, busyId, onAction, labelledBy }: Props) {
  const t = useT();
  const fmt = useFormat();
  const now = Date.now();
  return (
    <TableWrap labelledBy={labelledBy}>
      <table className="table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">{t('users.colUsername')}</th>
            <th scope="col">{t('users.colName')}</th>
            <th scope="col">{t('users.colRoles')}</th>
            <th scope="col">{t('users.colStatus')}</th>
            <th scope="col">{t('users.colMfa')}</th>
            <th scope="col">{t('users.colLocked')}</th>
            {canManage ? <th scope="col">{t('common.actions')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const self = u.id === meId;
            const locked = isLocked(u, now);
            const busy = busyId === u.id;
            return (
              <tr key={u.id} className={u.active ? undefined : 'row--inactive'}>
                <th scope="row" className="cell-strong">
                  <span className="mono">{u.username}</span>
                  {self ? <span className="muted"> {t('users.you')}</span> : null}
                </th>
                <td className="col-name">
                  {u.displayName}
                  {u.email ? <span className="cell-sub">{u.email}</span> : null}
                </td>
                <td>
                  {u.roles.length === 0 ? (
                    t('common.none')
                  ) : (
                    <ul className="plain-list">
                      {u.roles.map((r) => (
                        <li key={r}>{roleLabel(r, t.lang)}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>{u.active ? <Chip tone="ok">{t('users.active')}</Chip> : <Chip tone="bad">{t('users.inactive')}</Chip>}</td>
                <td>{u.mfaEnabled ? <Chip tone="ok">{t('users.mfaOn')}</Chip> : <Chip tone="neutral">{t('users.mfaOff')}</Chip>}</td>
                <td>
                  {locked ? (
                    <>
                      <Chip tone="warn">{t('users.locked')}</Chip>
                      <span className="cell-sub">{t('users.lockedUntil', { time: fmt.compact(u.lockedUntil) })}</span>
                    </>
                  ) : (
                    <span className="muted">{t('users.notLocked')}</span>
                  )}
                </td>
                {canManage ? (
                  <td className="col-actions">
                    <div className="row-actions">
                      {!self ? (
                        <button type="button" className="button button--small button--secondary" disabled={busy} onClick={() => onAction('roles', u)}>
                          {t('users.editRoles')}
                        </button>
                      ) : null}
                      {locked ? (
                        <button type="button" className="button button--small button--secondary" disabled={busy} onClick={() => onAction('unlock', u)}>
                          {t('users.unlock')}
                        </button>
                      ) : null}
                      {u.mfaEnabled && !self ? (
                        <button type="button" className="button button--small button--secondary" disabled={busy} onClick={() => onAction('mfa', u)}>
                          {t('users.resetMfa')}
                        </button>
                      ) : null}
                      {!self && u.active ? (
                        <button type="button" className="button button--small button--danger-outline" disabled={busy} onClick={() => onAction('deactivate', u)}>
                          {t('users.deactivate')}
                        </button>
                      ) : null}
                      {!u.active ? (
                        <button type="button" className="button button--small button--secondary" disabled={busy} onClick={() => onAction('reactivate', u)}>
                          {t('users.reactivate')}
                        </button>
                      ) : null}
                    </div>
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
