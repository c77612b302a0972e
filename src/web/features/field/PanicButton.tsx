import { useRef, useState } from 'react';
import { useT } from '../../app/i18n';

const HOLD_MS = 1500;

/** Panic needs a deliberate long press (pointer or key held) so a pocket touch does not raise it. */
export function PanicButton({ onPanic }: { onPanic: () => void }) {
  const t = useT();
  const timer = useRef<number | null>(null);
  const [holding, setHolding] = useState(false);
  const [sent, setSent] = useState(false);
  const start = () => {
    if (timer.current !== null) return;
    setHolding(true);
    timer.current = window.setTimeout(() => {
      timer.current = null;
      setHolding(false);
      setSent(true);
      navigator.vibrate?.(400);
      onPanic();
    }, HOLD_MS);
  };
  const cancel = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
    setHolding(false);
  };
  return (
    <div className="field-panic">
      <button
        type="button"
        className={`field-button field-button--panic${holding ? ' is-holding' : ''}`}
        aria-describedby="panic-hint"
        onPointerDown={start}
        onPointerUp={cancel}
        onPointerLeave={cancel}
        onPointerCancel={cancel}
        onKeyDown={(e) => {
          if ((e.key === 'Enter' || e.key === ' ') && !e.repeat) start();
        }}
        onKeyUp={cancel}
        onContextMenu={(e) => e.preventDefault()}
      >
        {t('field.panic')}
      </button>
      <p id="panic-hint" className="field-hint" role={sent ? 'status' : undefined}>
        {sent ? t('field.panicSent') : t('field.panicHint')}
      </p>
    </div>
  );
}
