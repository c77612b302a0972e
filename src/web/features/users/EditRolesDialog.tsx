import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { Dialog } from '../../ui/Dialog';
import { usersApi, usersKeys, type User } from './api';
import { RoleCheckboxes } from './RoleCheckboxes';

export function EditRolesDialog({ user, onClose, onSaved }: { user: User; onClose: () => void; onSaved: (u: User) => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [roles, setRoles] = useState<string[]>(user.roles);
  const save = useMutation({
    mutationFn: () => usersApi.setRoles(user.id, roles),
    onSuccess: (u) => {
      void queryClient.invalidateQueries({ queryKey: usersKeys.all });
      onSaved(u);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Dialog title={t('users.editRolesTitle', { username: user.username })} onClose={onClose} wide>
      <ErrorAlert error={save.error} inlineFields={['roles']} />
      <form onSubmit={submit} noValidate className="form-stack">
        <RoleCheckboxes selected={roles} onChange={setRoles} error={fieldErrorOf(save.error, 'roles')} />
        <div className="button-row">
          <button type="submit" className="button button--primary" disabled={save.isPending}>
            {save.isPending ? t('common.saving') : t('users.saveRoles')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
