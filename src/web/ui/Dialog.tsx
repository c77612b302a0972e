import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useT } from '../app/i18n';

type DialogProps = {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** Wide dialogs for details with long hashes. */
  wide?: boolean;
  /** Prevent closing with Escape (e.g. while recovery codes must be acknowledged). */
  dismissable?: boolean;
};

/**
 * Modal dialog on the native <dialog>: the browser traps focus, makes the page inert and
 * closes on Escape. Mounting it opens it; the opener gets focus back when it closes.
 */
export function Dialog({ title, onClose, children, wide = false, dismissable = true }: DialogProps) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // showModal focuses the first focusable element, the header's close button: start where the work is
    // instead, at the element marked data-autofocus (a confirmation's default answer) or the first field.
    const start =
      dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>('input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])');
    start?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' dialog--wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (dismissable) onCloseRef.current();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        {dismissable ? (
          <button type="button" className="button button--ghost button--small" onClick={() => onCloseRef.current()}>
            {t('common.close')}
          </button>
        ) : null}
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
