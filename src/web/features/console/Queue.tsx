import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useT } from '../../app/i18n';
import { Chip } from '../../ui/Chip';
import { departmentName, type Catalogue, type IncidentSummary, type IncidentType } from './api';
import { Countdown, PriorityChip, StatusChip, useCatalogue, useTypeName } from './bits';
import { windowOf } from './queue-window';

type Props = { items: IncidentSummary[]; selectedId: string | null; onSelect: (id: string) => void; types: IncidentType[] | undefined };

const FALLBACK_ROW_PX = 92;

/**
 * The incident queue, virtualised: 500 open incidents draw only the twenty-odd rows in view, so a
 * live change or the countdown clock re-renders those, not the whole list. Each row keeps its list
 * position for assistive technology (`aria-posinset` / `aria-setsize`); arrows, Home/End and Alt+Q
 * move through every incident, scrolling as they go.
 */
export const Queue = memo(function Queue({ items, selectedId, onSelect, types }: Props) {
  const t = useT();
  const catalogue = useCatalogue();
  const typeName = useTypeName(types);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  const [rowPx, setRowPx] = useState(FALLBACK_ROW_PX);
  // By id: a row keeps its focus when live changes move it up or down the list.
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const pendingFocus = useRef<number | null>(null);

  // Rows have one fixed height (CSS); measured from a drawn row so a larger font still lines up.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const measure = () => {
      const li = el.querySelector('li');
      if (li) setRowPx(li.getBoundingClientRect().height || FALLBACK_ROW_PX);
      setView({ top: el.scrollTop, height: el.clientHeight });
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [items.length > 0]);

  const indexOf = useCallback((id: string | null) => (id ? items.findIndex((i) => i.id === id) : -1), [items]);

  /** Scrolls row `index` into view and focuses it once it is drawn. */
  const focusRow = useCallback(
    (index: number) => {
      const el = scroller.current;
      if (!el || items.length === 0) return;
      const k = Math.max(0, Math.min(items.length - 1, index));
      if (k * rowPx < el.scrollTop) el.scrollTop = k * rowPx;
      else if ((k + 1) * rowPx > el.scrollTop + el.clientHeight) el.scrollTop = (k + 1) * rowPx - el.clientHeight;
      pendingFocus.current = k;
      setFocusedId(items[k]!.id);
      setView({ top: el.scrollTop, height: el.clientHeight });
    },
    [items, rowPx],
  );

  useLayoutEffect(() => {
    const k = pendingFocus.current;
    if (k === null) return;
    const button = scroller.current?.querySelector<HTMLButtonElement>(`button[data-index="${k}"]`);
    if (button) {
      pendingFocus.current = null;
      button.focus({ preventScroll: true });
    }
  });

  // Alt+Q: to the queue, on the selected incident or the most urgent one, wherever the list is scrolled.
  const selectedIndex = indexOf(selectedId);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === 'q') {
        e.preventDefault();
        focusRow(Math.max(0, selectedIndex));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [focusRow, selectedIndex]);

  // A selection made elsewhere (map, alert, unit board) brings its row into view.
  useEffect(() => {
    const el = scroller.current;
    if (!el || selectedIndex < 0) return;
    if (selectedIndex * rowPx < el.scrollTop || (selectedIndex + 1) * rowPx > el.scrollTop + el.clientHeight) {
      el.scrollTop = Math.max(0, selectedIndex * rowPx - el.clientHeight / 3);
      setView({ top: el.scrollTop, height: el.clientHeight });
    }
    // Only when the selection changes, not when the list does.
  }, [selectedId]);

  if (items.length === 0) return <p className="muted">{t('console.queue.empty')}</p>;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = Number((document.activeElement as HTMLElement | null)?.dataset.index ?? -1);
    if (at < 0) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? rowPx) / rowPx) - 1);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: items.length - 1 }[e.key];
    // Enter (native) opens the focused incident.
    if (next === undefined) return;
    e.preventDefault();
    focusRow(next);
  };

  const focusedIndex = indexOf(focusedId);
  const rows = windowOf(items.length, view.top, view.height, rowPx, focusedIndex < 0 ? null : focusedIndex);
  const targets = catalogue.data?.targets;
  return (
    <div className="queue" ref={scroller} onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })} onKeyDown={onKeyDown}>
      <ul className="queue-list" aria-labelledby="queue-title" style={{ height: items.length * rowPx }}>
        {rows.map((k) => {
          const i = items[k]!;
          return (
            <li key={i.id} style={{ transform: `translateY(${k * rowPx}px)` }} aria-setsize={items.length} aria-posinset={k + 1}>
              <QueueRow incident={i} index={k} selected={i.id === selectedId} onSelect={onSelect} typeName={typeName} targets={targets} onFocusRow={setFocusedId} />
            </li>
          );
        })}
      </ul>
    </div>
  );
});

type RowProps = {
  incident: IncidentSummary;
  index: number;
  selected: boolean;
  onSelect: (id: string) => void;
  typeName: (code: string) => string;
  targets: Catalogue['targets'] | undefined;
  onFocusRow: (id: string) => void;
};

// An incident the live feed did not change keeps its object, so its row is not rendered again.
const QueueRow = memo(function QueueRow({ incident: i, index, selected, onSelect, typeName, targets, onFocusRow }: RowProps) {
  const t = useT();
  return (
    <button
      type="button"
      data-index={index}
      className={`queue-item${selected ? ' queue-item--selected' : ''}`}
      aria-current={selected ? 'true' : undefined}
      onClick={() => onSelect(i.id)}
      onFocus={() => onFocusRow(i.id)}
    >
      <span className="queue-line">
        <PriorityChip priority={i.priority} />
        <span className="mono queue-number">{i.number}</span>
        <Countdown incident={i} targets={targets} />
      </span>
      <span className="queue-line">
        <strong className="queue-type">{typeName(i.typeCode)}</strong>
        {i.source !== 'call' ? <Chip tone="info">{t.maybe(`citizen.channel.${i.source}`, i.source)}</Chip> : null}
      </span>
      {/* One line each, so every row has the same height: the status leads the third, before the place. */}
      <span className="queue-line queue-sub">
        <StatusChip status={i.status} /> {departmentName(i.department)} · {i.description.slice(0, 60) || '—'}
      </span>
    </button>
  );
});
