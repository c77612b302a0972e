import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Permission } from '../../../common/roles';
import { useT, type MessageKey, type T } from '../../app/i18n';
import { Dialog } from '../../ui/Dialog';
import { useCan } from '../auth/session';

/** The screens Alt+1/2/3 open, with the permission each needs (as the router's guards). */
const SCREENS: readonly { key: string; path: string; permission: Permission; label: MessageKey }[] = [
  { key: '1', path: '/console/intake', permission: 'incidents:create', label: 'console.keys.intake' },
  { key: '2', path: '/console/dispatch', permission: 'incidents:dispatch', label: 'console.keys.dispatch' },
  { key: '3', path: '/console/supervisor', permission: 'approvals:decide', label: 'console.keys.supervisor' },
];

/** Every console shortcut, in the order the help overlay lists them; `permission`: listed only to who has it. */
const SHORTCUTS: readonly { keys: string; label: MessageKey; permission?: Permission }[] = [
  { keys: '?  /  F1', label: 'console.keys.help' },
  ...SCREENS.map(({ key, label, permission }) => ({ keys: `Alt+${key}`, label, permission })),
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

/** Leaving a call being typed asks first (a shortcut to another screen, an alert's incident). */
export const confirmLeave = (unsaved: boolean | undefined, t: T) => !unsaved || window.confirm(t('console.keys.leaveUnsaved'));

/**
 * Console-wide keys (help, switching screens) and the help overlay; returns the button that opens it.
 * A screen the user may not open is skipped, and leaving a call being typed asks first.
 */
export function ConsoleShortcuts({ unsaved = false }: { unsaved?: boolean }) {
  const t = useT();
  const can = useCan();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F1' || (e.key === '?' && !typing(e.target))) {
        e.preventDefault();
        setOpen(true);
      } else if (e.altKey && !e.ctrlKey && !e.metaKey) {
        const screen = SCREENS.find((x) => x.key === e.key);
        if (!screen || !can(screen.permission)) return;
        e.preventDefault();
        if (location.pathname === screen.path) return;
        if (!confirmLeave(unsaved, t)) return;
        void navigate(screen.path);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, can, unsaved, t]);
  return (
    <>
      <button type="button" className="button button--ghost button--small" aria-keyshortcuts="F1" onClick={() => setOpen(true)}>
        {t('console.keys.button')}
      </button>
      {open ? (
        <Dialog title={t('console.keys.title')} onClose={() => setOpen(false)}>
          <table className="table table--compact shortcuts-table" aria-label={t('console.keys.title')}>
            <tbody>
              {SHORTCUTS.filter((s) => !s.permission || can(s.permission)).map((s) => (
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
