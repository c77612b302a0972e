import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert, Notice } from '../../ui/Alerts';
import { TextField } from '../../ui/Field';
import { useSession } from '../auth/session';
import { accountApi } from './api';

const EMPTY = { current: '', next: '', confirm: '' };

export function ChangePasswordForm() {
  const t = useT();
  const { refresh } = useSession();
  const [form, setForm] = useState(EMPTY);
  const [local, setLocal] = useState<Partial<Record<keyof typeof EMPTY, string>>>({});
  const [done, setDone] = useState(false);

  const change = useMutation({
    mutationFn: () => accountApi.changePassword(form.current, form.next),
    onSuccess: () => {
      setForm(EMPTY);
      setDone(true);
      void refresh();
    },
  });

  const set = (k: keyof typeof EMPTY) => (v: string) => {
    setDone(false);
    setForm((f) => ({ ...f, [k]: v }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m: typeof local = {};
    if (!form.current) m.current = t('common.required');
    if (!form.next) m.next = t('common.required');
    if (form.next && form.confirm !== form.next) m.confirm = t('account.passwordMismatch');
    setLocal(m);
    if (Object.keys(m).length > 0) return;
    change.mutate();
  };

  return (
    <form onSubmit={submit} noValidate className="form-stack form-narrow" aria-labelledby="password-title">
      {done ? <Notice>{t('account.passwordChanged')}</Notice> : null}
      <ErrorAlert error={change.error} inlineFields={['currentPassword', 'newPassword']} />
      <TextField
        label={t('account.currentPassword')}
        type="password"
        name="current-password"
        autoComplete="current-password"
        required
        value={form.current}
        onChange={set('current')}
        error={local.current ?? fieldErrorOf(change.error, 'currentPassword')}
      />
      <TextField
        label={t('account.newPassword')}
        hint={t('account.newPasswordHint')}
        type="password"
        name="new-password"
        autoComplete="new-password"
        required
        value={form.next}
        onChange={set('next')}
        error={local.next ?? fieldErrorOf(change.error, 'newPassword')}
      />
      <TextField
        label={t('account.confirmPassword')}
        type="password"
        name="confirm-password"
        autoComplete="new-password"
        required
        value={form.confirm}
        onChange={set('confirm')}
        error={local.confirm}
      />
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={change.isPending}>
          {change.isPending ? t('common.saving') : t('account.changePassword')}
        </button>
      </div>
    </form>
  );
}
