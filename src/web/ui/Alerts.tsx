import type { ReactNode } from 'react';
import { isProblem } from '../app/api';
import { useT } from '../app/i18n';

type ErrorAlertProps = {
  error: unknown;
  /** Field names the form shows inline; other field issues are listed here. */
  inlineFields?: readonly string[];
  className?: string;
};

const fieldName = (path: string) => path.replace(/^(body|query|params)\./, '');

/** Shows a server problem: its `detail` (already in the user's language), request id and field issues. */
export function ErrorAlert({ error, inlineFields = [], className }: ErrorAlertProps) {
  const t = useT();
  if (!error) return null;
  if (!isProblem(error)) {
    return (
      <div className={`alert alert--error${className ? ` ${className}` : ''}`} role="alert">
        <p className="alert-title">{t('common.errorTitle')}</p>
        <p>{error instanceof Error ? error.message : String(error)}</p>
      </div>
    );
  }
  const { detail, requestId, errors = [] } = error.problem;
  const listed = errors.filter((e) => !inlineFields.some((f) => fieldName(e.path) === f || fieldName(e.path).startsWith(`${f}.`)));
  return (
    <div className={`alert alert--error${className ? ` ${className}` : ''}`} role="alert">
      <p className="alert-title">
        <span aria-hidden="true">⚠ </span>
        {detail}
      </p>
      {listed.length > 0 ? (
        <ul className="alert-list">
          {listed.map((e, i) => (
            <li key={`${e.path}-${i}`}>
              <code>{fieldName(e.path) || '—'}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      {requestId ? <p className="alert-meta">{t('common.requestId', { id: requestId })}</p> : null}
    </div>
  );
}

/** A polite success or information message. */
export function Notice({ children, tone = 'success', onDismiss }: { children: ReactNode; tone?: 'success' | 'info' | 'warning'; onDismiss?: () => void }) {
  const t = useT();
  const icon = tone === 'success' ? '✔' : tone === 'warning' ? '⚠' : 'ℹ';
  return (
    <div className={`alert alert--${tone}`} role="status">
      <p>
        <span aria-hidden="true">{icon} </span>
        {children}
      </p>
      {onDismiss ? (
        <button type="button" className="button button--small button--ghost" onClick={onDismiss}>
          {t('common.close')}
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const t = useT();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('app.loading')}
    </p>
  );
}
