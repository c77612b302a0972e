import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { apiFetch, fieldErrorOf } from '../app/api';
import { useT } from '../app/i18n';
import { ErrorAlert, Loading } from './Alerts';
import { Dialog } from './Dialog';
import { SelectField, TextAreaField } from './Field';

export type Reason = { code: string; text: string };
export type ReasonCode = { code: string; label: { es: string; en: string } };

/** Minimum length of the free-text explanation, as the server enforces it. */
export const MIN_REASON_TEXT = 10;

export const reasonCodesQuery = (action: string) => ({
  queryKey: ['reason-codes', action] as const,
  queryFn: () => apiFetch<{ items: ReasonCode[] }>('/reason-codes', { query: { action } }).then((r) => r.items),
  staleTime: 5 * 60_000,
});

type ReasonDialogProps = {
  title: string;
  /** The discretionary action whose reason catalogue applies, e.g. "identity.deactivate_user". */
  action: string;
  intro?: ReactNode;
  /** Extra prominent warning, e.g. that a second administrator must approve. */
  warning?: ReactNode;
  confirmLabel: string;
  pending: boolean;
  error: unknown;
  onConfirm: (reason: Reason) => void;
  onClose: () => void;
  /** The dismissing button's words, where "Cancel" would read as the action itself (cancelling an incident). */
  dismissLabel?: string;
};

/** The "discretionary action" dialog: a reason from the catalogue plus an explanation of at least 10 characters. */
export function ReasonDialog({ title, action, intro, warning, confirmLabel, pending, error, onConfirm, onClose, dismissLabel }: ReasonDialogProps) {
  const t = useT();
  const codes = useQuery(reasonCodesQuery(action));
  const [code, setCode] = useState('');
  const [text, setText] = useState('');
  const [touched, setTouched] = useState(false);

  const codeError = touched && !code ? t('reason.codeRequired') : undefined;
  const textError = touched && text.trim().length < MIN_REASON_TEXT ? t('reason.textTooShort', { min: MIN_REASON_TEXT }) : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!code || text.trim().length < MIN_REASON_TEXT) return;
    onConfirm({ code, text: text.trim() });
  };

  return (
    <Dialog title={title} onClose={onClose}>
      {intro ? <p>{intro}</p> : null}
      {warning ? (
        <p className="callout callout--warning">
          <span aria-hidden="true">⚠ </span>
          {warning}
        </p>
      ) : null}
      {codes.isPending ? <Loading label={t('reason.loading')} /> : null}
      <ErrorAlert error={codes.error} />
      <ErrorAlert error={error} inlineFields={['reason.code', 'reason.text']} />
      <form onSubmit={submit} noValidate className="form-stack">
        <fieldset className="fieldset-plain">
          <legend className="visually-hidden">{t('reason.legend')}</legend>
          <SelectField
            label={t('reason.code')}
            value={code}
            onChange={setCode}
            placeholder={t('reason.choose')}
            options={(codes.data ?? []).map((c) => ({ value: c.code, label: c.label[t.lang] || c.code }))}
            required
            error={codeError ?? fieldErrorOf(error, 'reason.code')}
          />
          <TextAreaField
            label={t('reason.text')}
            hint={t('reason.textHint', { min: MIN_REASON_TEXT, count: text.trim().length })}
            value={text}
            onChange={setText}
            rows={4}
            required
            minLength={MIN_REASON_TEXT}
            error={textError ?? fieldErrorOf(error, 'reason.text')}
          />
        </fieldset>
        <div className="button-row">
          <button type="submit" className="button button--danger" disabled={pending}>
            {pending ? t('common.sending') : confirmLabel}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {dismissLabel ?? t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
