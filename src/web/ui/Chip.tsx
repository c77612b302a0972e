import type { ReactNode } from 'react';

export type ChipTone = 'ok' | 'bad' | 'warn' | 'neutral' | 'info';

const ICONS: Record<ChipTone, string> = { ok: '✔', bad: '✖', warn: '⚠', neutral: '•', info: 'ℹ' };

/** A status label: the text carries the meaning, the colour and icon only reinforce it. */
export function Chip({ tone = 'neutral', children, title, icon = true }: { tone?: ChipTone; children: ReactNode; title?: string; icon?: boolean }) {
  return (
    <span className={`chip chip--${tone}`} title={title}>
      {icon ? (
        <span aria-hidden="true" className="chip-icon">
          {ICONS[tone]}
        </span>
      ) : null}
      {children}
    </span>
  );
}
