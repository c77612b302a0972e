import { useState, type FormEvent } from 'react';
import { fieldErrorOf } from '../../app/api';
import { useT } from '../../app/i18n';
import { ErrorAlert } from '../../ui/Alerts';
import { Dialog } from '../../ui/Dialog';
import { TextAreaField } from '../../ui/Field';
import { MIN_REASON_TEXT } from '../../ui/ReasonDialog';

type Props = { summary: string; pending: boolean; error: unknown; onConfirm: (note: string) => void; onClose: () => void };

export function RejectDialog({ summary, pending, error, onConfirm, onClose }: Props) {
  const t = useT();
  const [note, setNote] = useState('');
  const [touched, setTouched] = useState(false);
  const tooShort = note.trim().length < MIN_REASON_TEXT;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (tooShort) return;
    onConfirm(note.trim());
  };
  return (
    <Dialog title={t('approvals.rejectTitle')} onClose={onClose}>
      <p>{summary}</p>
      <ErrorAlert error={error} inlineFields={['note']} />
      <form onSubmit={submit} noValidate className="form-stack">
        <TextAreaField
          label={t('approvals.rejectNote')}
          hint={t('approvals.rejectNoteHint', { min: MIN_REASON_TEXT, count: note.trim().length })}
          value={note}
          onChange={setNote}
          rows={4}
          required
          autoFocus
          error={(touched && tooShort ? t('approvals.rejectNoteTooShort', { min: MIN_REASON_TEXT }) : undefined) ?? fieldErrorOf(error, 'note')}
        />
        <div className="button-row">
          <button type="submit" className="button button--danger" disabled={pending}>
            {pending ? t('common.sending') : t('common.confirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
