import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { useT, type MessageKey } from '../../app/i18n';
import { Dialog } from '../../ui/Dialog';

/** Every console shortcut, in the order the help overlay lists them. */
const SHORTCUTS: readonly { keys: string; label: MessageKey }[] = [
  { keys: '?  /  F1', label: 'console.keys.help' },
  { keys: 'Alt+1', label: 'console.keys.intake' },
  { keys: 'Alt+2', label: 'console.keys.dispatch' },
  { keys: 'Alt+3', label: 'console.keys.supervisor' },
  { keys: '↑ ↓  Enter', label: 'console.keys.typeahead' },
  { keys: 'Ctrl+Enter', label: 'console.keys.submit' },
  { keys: 'Enter', label: 'console.keys.assign' },
  { keys: 'Alt+L', label: 'console.keys.link' },
  { keys: 'Alt+D', label: 'console.keys.duplicate' },
  { keys: 'L  /  D', label: 'console.keys.candidate' },
  { keys: 'Alt+Q', label: 'console.keys.queue' },
  { keys: 'Esc', label: 'console.keys.escape' },
];

const typing = (el: EventTarget | null) => el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

/** Console-wide keys (help, switching screens) and the help overlay; returns the button that opens it. */
export function ConsoleShortcuts() {
  const t = useT();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F1' || (e.key === '?' && !typing(e.target))) {
        e.preventDefault();
        setOpen(true);
      } else if (e.altKey && !e.ctrlKey && !e.metaKey && ['1', '2', '3'].includes(e.key)) {
        e.preventDefault();
        void navigate(['/console/intake', '/console/dispatch', '/console/supervisor'][Number(e.key) - 1]!);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate]);
  return (
    <>
      <button type="button" className="button button--ghost button--small" aria-keyshortcuts="F1" onClick={() => setOpen(true)}>
        {t('console.keys.button')}
      </button>
      {open ? (
        <Dialog title={t('console.keys.title')} onClose={() => setOpen(false)}>
          <table className="table table--compact shortcuts-table" aria-label={t('console.keys.title')}>
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.label}>
                  <th scope="row">
                    <kbd>{s.keys}</kbd>
                  </th>
                  <td>{t(s.label)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Dialog>
      ) : null}
    </>
  );
}
