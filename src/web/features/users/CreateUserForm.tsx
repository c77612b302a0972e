import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { TextField } from '../../ui/Field';
import { usersApi, usersKeys, type NewUser, type User } from './api';
import { RoleCheckboxes } from './RoleCheckboxes';

const EMPTY = { username: '', displayName: '', email: '', password: '' };
const FIELDS = ['username', 'displayName', 'email', 'password', 'roles'];

export function CreateUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [form, setForm] = useState(EMPTY);
  const [roles, setRoles] = useState<string[]>([]);
  const [missing, setMissing] = useState<Partial<Record<keyof typeof EMPTY, string>>>({});

  const create = useMutation({
    mutationFn: (input: NewUser) => usersApi.create(input),
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: usersKeys.all });
      setForm(EMPTY);
      setRoles([]);
      setMissing({});
      onCreated(user);
    },
  });

  const set = (k: keyof typeof EMPTY) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m: typeof missing = {};
    if (!form.username.trim()) m.username = t('common.required');
    if (!form.displayName.trim()) m.displayName = t('common.required');
    if (!form.password) m.password = t('common.required');
    setMissing(m);
    if (Object.keys(m).length > 0) return;
    const input: NewUser = { username: form.username.trim(), displayName: form.displayName.trim(), password: form.password, roles };
    if (form.email.trim()) input.email = form.email.trim();
    create.mutate(input);
  };

  const err = (k: string) => missing[k as keyof typeof EMPTY] ?? fieldErrorOf(create.error, k);

  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-labelledby="create-user-title">
      <ErrorAlert error={create.error} inlineFields={FIELDS} className="form-grid-full" />
      <TextField
        label={t('users.fieldUsername')}
        hint={t('users.fieldUsernameHint')}
        name="new-username"
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        required
        value={form.username}
        onChange={set('username')}
        error={err('username')}
      />
      <TextField
        label={t('users.fieldDisplayName')}
        name="new-display-name"
        autoComplete="off"
        required
        value={form.displayName}
        onChange={set('displayName')}
        error={err('displayName')}
      />
      <TextField
        label={t('users.fieldEmail')}
        name="new-email"
        type="email"
        autoComplete="off"
        value={form.email}
        onChange={set('email')}
        error={err('email')}
      />
      <TextField
        label={t('users.fieldPassword')}
        hint={t('users.fieldPasswordHint')}
        name="new-password"
        type="password"
        autoComplete="new-password"
        required
        value={form.password}
        onChange={set('password')}
        error={err('password')}
      />
      <div className="form-grid-full">
        <RoleCheckboxes selected={roles} onChange={setRoles} error={fieldErrorOf(create.error, 'roles')} />
      </div>
      <div className="form-grid-full button-row">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? t('common.saving') : t('users.create')}
        </button>
      </div>
    </form>
  );
}
