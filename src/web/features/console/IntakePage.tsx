import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from 'react';
import { Link } from 'react-router';
import { priorityFromAnswers, type Answers } from '../../../common/emergency';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { Dialog } from '../../ui/Dialog';
import { SelectField, TextAreaField, TextField } from '../../ui/Field';
import { PageHeader } from '../../ui/Page';
import { useCan } from '../auth/session';
import { consoleApi, consoleKeys, departmentName, DEPARTMENTS, type IncidentSummary, type IncidentType, type Question, type RelatedItem } from './api';
import { PriorityChip, StatusChip, useTypes } from './bits';
import { ConsoleShortcuts } from './Shortcuts';
import { AlertsStrip } from './AlertsStrip';
import { LiveBanner, LiveIndicator, useAlerts, useLive } from './live';

const IncidentMap = lazy(() => import('./IncidentMap'));

/** `/console/intake`: the call-taker's keyboard-first form, then "assign the recommended unit" in the same flow. */
export function IntakePage() {
  const t = useT();
  const can = useCan();
  // A dispatcher taking a call still hears and sees alerts; a call-taker is not sent them.
  const live = useLive({ alerts: can('incidents:dispatch') });
  const alerts = useAlerts();
  const qc = useQueryClient();
  const types = useTypes();
  const [type, setType] = useState<IncidentType | null>(null);
  const [answers, setAnswers] = useState<Answers>({});
  const [address, setAddress] = useState('');
  const [landmark, setLandmark] = useState('');
  const [department, setDepartment] = useState('');
  const [point, setPoint] = useState<{ lat: number; lon: number } | null>(null);
  const [callerNumber, setCallerNumber] = useState('');
  const [callerName, setCallerName] = useState('');
  const [description, setDescription] = useState('');
  const [receivedAt] = useState(() => new Date().toISOString());
  const [created, setCreated] = useState<IncidentSummary | null>(null);
  const [linkTo, setLinkTo] = useState<RelatedItem[]>([]);
  const [addedTo, setAddedTo] = useState<IncidentSummary | null>(null);
  const [touched, setTouched] = useState(false);
  const typeInput = useRef<HTMLInputElement>(null);

  const computed = type ? priorityFromAnswers(type.defaultPriority, type.priorityRules, answers) : null;
  const hasLocation = Boolean(point || address.trim() || landmark.trim() || department);

  // Related / duplicate candidates, as type and place are entered.
  const probe = useDebounced({ lat: point?.lat ?? null, lon: point?.lon ?? null, typeCode: type?.code ?? null, description: description.slice(0, 500) }, 400);
  const related = useQuery({
    queryKey: ['incidents', 'related', probe],
    queryFn: () => consoleApi.related(probe),
    enabled: !created && Boolean(probe.typeCode || probe.lat !== null),
    staleTime: 10_000,
  });

  const create = useMutation({
    mutationFn: () =>
      consoleApi.create({
        typeCode: type!.code,
        source: 'call',
        callReceivedAt: receivedAt,
        caller: { number: callerNumber.trim() || null, name: callerName.trim() || null },
        description: description.trim(),
        location: {
          lat: point?.lat ?? null,
          lon: point?.lon ?? null,
          addressText: address.trim() || null,
          landmark: landmark.trim() || null,
          department: department || null,
          source: point ? 'map_click' : address.trim() || landmark.trim() ? 'caller_stated' : 'department',
        },
        answers,
      }),
    onSuccess: async (inc) => {
      // Links chosen during intake are made right after creation; a failure is shown, the incident stays.
      let latest = inc;
      for (const r of linkTo) latest = await consoleApi.link(inc.id, r.incident.id);
      setCreated(latest);
      void qc.invalidateQueries({ queryKey: consoleKeys.incidents });
    },
  });
  // A repeat call: recorded on the incident it is about, no new incident.
  const addCall = useMutation({
    mutationFn: (r: RelatedItem) =>
      consoleApi.addCall(r.incident.id, {
        callReceivedAt: receivedAt,
        caller: { number: callerNumber.trim() || null, name: callerName.trim() || null },
        description: description.trim(),
      }),
    onSuccess: (inc) => {
      setAddedTo(inc);
      void qc.invalidateQueries({ queryKey: consoleKeys.incidents });
    },
  });
  const toggleLink = (r: RelatedItem) => setLinkTo((l) => (l.some((x) => x.incident.id === r.incident.id) ? l.filter((x) => x.incident.id !== r.incident.id) : [...l, r]));
  // Without a marked point the server matches on type and text alone: a call placed in a department
  // is only offered the open incidents of that department.
  const candidates = created || addedTo ? [] : (related.data ?? []).filter((r) => point || !department || r.incident.department === department);
  // Recording a call on another incident is confirmed first: a wrong match would hide this emergency in that one.
  const [confirmAdd, setConfirmAdd] = useState<RelatedItem | null>(null);
  // Alt+L links the best candidate, Alt+D records this call on it: one key each.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const top = candidates[0];
      const k = e.key.toLowerCase();
      if (k === 'l' && top) {
        e.preventDefault();
        toggleLink(top);
      } else if (k === 'd' && top && !addCall.isPending && !confirmAdd) {
        e.preventDefault();
        setConfirmAdd(top);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!type || !hasLocation) return;
    create.mutate();
  };

  const reset = () => {
    setType(null);
    setAnswers({});
    setAddress('');
    setLandmark('');
    setDepartment('');
    setPoint(null);
    setCallerNumber('');
    setCallerName('');
    setDescription('');
    setCreated(null);
    setLinkTo([]);
    setAddedTo(null);
    addCall.reset();
    setTouched(false);
    create.reset();
    requestAnimationFrame(() => typeInput.current?.focus());
  };

  // A call being typed: leaving the screen asks first.
  const unsaved = !created && !addedTo && Boolean(type || description.trim() || callerNumber.trim() || point || address.trim());

  return (
    <section className="console">
      <PageHeader title={t('console.intake.title')} intro={t('console.intake.intro')} actions={<><ConsoleShortcuts unsaved={unsaved} /><LiveIndicator state={live.state} /></>} />
      <LiveBanner state={live.state} />
      <AlertsStrip {...alerts} unsaved={unsaved} />
      {addedTo ? (
        <CallAdded incident={addedTo} canDispatch={can('incidents:dispatch')} onNew={reset} />
      ) : created ? (
        <Created incident={created} canDispatch={can('incidents:dispatch')} onNew={reset} />
      ) : (
        <div className="intake-grid">
          <form className="console-panel intake-form" onSubmit={submit} noValidate aria-labelledby="intake-form-title">
            <h2 id="intake-form-title" className="visually-hidden">
              {t('console.intake.formTitle')}
            </h2>
            <TypeAhead types={types.data ?? []} value={type} inputRef={typeInput} onChange={(x) => { setType(x); setAnswers({}); }} error={touched && !type ? t('console.intake.typeRequired') : undefined} />
            {types.isPending ? <Loading /> : null}
            <ErrorAlert error={types.error} />
            {type ? (
              <fieldset className="questions">
                <legend>
                  {t('console.intake.protocol')} <span className="muted">{t('console.intake.resultingPriority')}</span>{' '}
                  {computed ? <PriorityChip priority={computed.priority} /> : null}
                </legend>
                {type.questions.length === 0 ? <p className="muted">{t('console.intake.noQuestions')}</p> : null}
                {type.questions.map((q) => (
                  <QuestionField key={q.key} q={q} value={answers[q.key]} onChange={(v) => setAnswers((a) => { const n = { ...a }; if (v === undefined) delete n[q.key]; else n[q.key] = v; return n; })} />
                ))}
                <p className="priority-result" role="status" aria-live="polite">
                  {computed ? t('console.intake.priorityIs', { p: computed.priority }) : null}
                </p>
              </fieldset>
            ) : null}
            <fieldset className="intake-location">
              <legend>{t('console.intake.location')}</legend>
              <div className="form-row">
                <TextField label={t('console.intake.address')} value={address} onChange={setAddress} maxLength={300} autoComplete="off" />
                <TextField label={t('console.intake.landmark')} value={landmark} onChange={setLandmark} maxLength={300} autoComplete="off" />
                <SelectField label={t('console.intake.department')} value={department} onChange={setDepartment} placeholder={t('console.intake.chooseDepartment')} options={DEPARTMENTS.map((d) => ({ value: d.code, label: d.name }))} />
              </div>
              <p className="field-hint">
                {point ? t('console.intake.pointPicked', { lat: point.lat.toFixed(5), lon: point.lon.toFixed(5) }) : t('console.intake.mapHint')}{' '}
                {point ? (
                  <button type="button" className="button button--ghost button--tiny" onClick={() => setPoint(null)}>
                    {t('console.intake.clearPoint')}
                  </button>
                ) : null}
              </p>
              {touched && !hasLocation ? <p className="field-error">{t('console.intake.locationRequired')}</p> : null}
            </fieldset>
            <div className="form-row">
              <TextField label={t('console.intake.callerNumber')} value={callerNumber} onChange={setCallerNumber} type="tel" maxLength={40} autoComplete="off" />
              <TextField label={t('console.intake.callerName')} value={callerName} onChange={setCallerName} maxLength={120} autoComplete="off" />
            </div>
            <TextAreaField
              label={t('console.intake.description')}
              value={description}
              onChange={setDescription}
              rows={3}
              maxLength={4000}
              hint={t('console.intake.submitHint')}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
            />
            {linkTo.length > 0 ? <p className="field-hint">{t('console.intake.willLink', { numbers: linkTo.map((r) => r.incident.number).join(', ') })}</p> : null}
            <ErrorAlert error={create.error} />
            <div className="button-row">
              <button type="submit" className="button button--primary" disabled={create.isPending}>
                {create.isPending ? t('common.sending') : t('console.intake.create')}
              </button>
            </div>
          </form>
          <div className="intake-side">
            <section className="console-panel intake-map" aria-label={t('console.map.title')}>
              <Suspense fallback={<Loading />}>
                <IncidentMap label={t('console.intake.mapLabel')} incidents={[]} units={[]} selectedId={null} picked={point} onPick={(lat, lon) => setPoint({ lat, lon })} />
              </Suspense>
            </section>
            <section className="console-panel" aria-labelledby="related-title">
              <h2 id="related-title">{t('console.intake.related')}</h2>
              {candidates.length === 0 ? <p className="muted">{t('console.intake.noRelated')}</p> : <p className="field-hint">{t('console.intake.relatedKeys')}</p>}
              <ErrorAlert error={addCall.error} />
              <ul className="plain-list related-list">
                {candidates.map((r) => (
                  <li
                    key={r.incident.id}
                    tabIndex={0}
                    aria-label={t('console.intake.candidate', { number: r.incident.number })}
                    onKeyDown={(e) => {
                      if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return;
                      if (e.key.toLowerCase() === 'l') toggleLink(r);
                      else if (e.key.toLowerCase() === 'd') setConfirmAdd(r);
                    }}
                  >
                    <PriorityChip priority={r.incident.priority} /> <span className="mono">{r.incident.number}</span> {types.data?.find((x) => x.code === r.incident.typeCode)?.name[t.lang] ?? r.incident.typeCode}{' '}
                    <StatusChip status={r.incident.status} />
                    <span className="cell-sub">
                      {r.distanceM !== null ? `${(r.distanceM / 1000).toFixed(1)} km · ` : ''}
                      {t('console.intake.ago', { min: Math.round(r.ageMinutes) })} · {r.reasons.map((x) => t.maybe(`console.related.${x.code}`, x.code)).join(', ')} · {departmentName(r.incident.department)}
                    </span>
                    <span className="button-row related-actions">
                      <button type="button" className={`button button--tiny ${linkTo.some((x) => x.incident.id === r.incident.id) ? 'button--primary' : 'button--secondary'}`} aria-pressed={linkTo.some((x) => x.incident.id === r.incident.id)} onClick={() => toggleLink(r)}>
                        {t('console.intake.link', { number: r.incident.number })}
                      </button>
                      <button type="button" className="button button--tiny button--secondary" disabled={addCall.isPending} onClick={() => setConfirmAdd(r)}>
                        {t('console.intake.sameIncident', { number: r.incident.number })}
                      </button>
                    </span>
                  </li>
                ))}
              </ul>
              {confirmAdd ? (
                <Dialog title={t('console.intake.confirmAddTitle', { number: confirmAdd.incident.number })} onClose={() => setConfirmAdd(null)}>
                  <p>
                    <PriorityChip priority={confirmAdd.incident.priority} /> {types.data?.find((x) => x.code === confirmAdd.incident.typeCode)?.name[t.lang] ?? confirmAdd.incident.typeCode} ·{' '}
                    {departmentName(confirmAdd.incident.department)} · <StatusChip status={confirmAdd.incident.status} />
                  </p>
                  <p>{t('console.intake.confirmAddIntro')}</p>
                  <div className="button-row">
                    <button
                      type="button"
                      className="button button--primary"
                      data-autofocus
                      disabled={addCall.isPending}
                      onClick={() => {
                        addCall.mutate(confirmAdd);
                        setConfirmAdd(null);
                      }}
                    >
                      {t('console.intake.confirmAdd', { number: confirmAdd.incident.number })}
                    </button>
                    <button type="button" className="button button--secondary" onClick={() => setConfirmAdd(null)}>
                      {t('console.intake.confirmAddNo')}
                    </button>
                  </div>
                </Dialog>
              ) : null}
            </section>
          </div>
        </div>
      )}
    </section>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const key = JSON.stringify(value);
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(JSON.parse(key) as T), ms);
    return () => clearTimeout(id);
  }, [key, ms]);
  return v;
}

function TypeAhead({ types, value, onChange, inputRef, error }: { types: IncidentType[]; value: IncidentType | null; onChange: (t: IncidentType | null) => void; inputRef: RefObject<HTMLInputElement | null>; error?: string | undefined }) {
  const t = useT();
  const id = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const matches = useMemo(() => {
    const q = text.trim().toLowerCase();
    if (!q) return types;
    const norm = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    const nq = norm(q);
    return types.filter((x) => x.code.toLowerCase().startsWith(q) || norm(x.name[t.lang]).includes(nq) || norm(x.name.es).includes(nq));
  }, [types, text, t.lang]);

  const choose = (x: IncidentType) => {
    onChange(x);
    setText(`${x.code} — ${x.name[t.lang]}`);
    setOpen(false);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, matches.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      // Enter picks the highlighted match, or the best one when the list was closed by a stray blur.
      const pick = open ? matches[active] : !value && text.trim() ? matches[0] : undefined;
      if (pick) {
        e.preventDefault();
        choose(pick);
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };

  const listId = `${id}-list`;
  return (
    <div className={`field typeahead${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>{t('console.intake.type')}</label>
      <input
        ref={inputRef}
        id={id}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && matches[active] ? `${id}-opt-${matches[active].code}` : undefined}
        aria-invalid={error ? true : undefined}
        autoComplete="off"
        autoFocus
        value={text}
        placeholder={t('console.intake.typePlaceholder')}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
          if (value) onChange(null);
        }}
        onFocus={() => setOpen(!value)}
        onBlur={(e) => {
          const input = e.currentTarget;
          // Closes late so a click on an option lands; not if focus has come back meanwhile.
          setTimeout(() => {
            if (document.activeElement !== input) setOpen(false);
          }, 150);
        }}
        onKeyDown={onKey}
      />
      {error ? <p className="field-error">{error}</p> : null}
      {open && matches.length > 0 ? (
        <ul id={listId} role="listbox" className="typeahead-list" aria-label={t('console.intake.type')}>
          {matches.map((x, i) => (
            <li
              key={x.code}
              id={`${id}-opt-${x.code}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'typeahead-option typeahead-option--active' : 'typeahead-option'}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(x);
              }}
            >
              <span className="mono">{x.code}</span> {x.name[t.lang]} <PriorityChip priority={x.defaultPriority} />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function QuestionField({ q, value, onChange }: { q: Question; value: string | number | boolean | undefined; onChange: (v: string | number | boolean | undefined) => void }) {
  const t = useT();
  const label = q.prompt[t.lang];
  if (q.kind === 'yes_no') {
    return (
      <SelectField
        label={label}
        value={value === true ? 'yes' : value === false ? 'no' : ''}
        onChange={(v) => onChange(v === 'yes' ? true : v === 'no' ? false : undefined)}
        placeholder="—"
        options={[
          { value: 'yes', label: t('console.yes') },
          { value: 'no', label: t('console.no') },
        ]}
      />
    );
  }
  if (q.kind === 'choice') {
    return <SelectField label={label} value={typeof value === 'string' ? value : ''} onChange={(v) => onChange(v || undefined)} placeholder="—" options={(q.options ?? []).map((o) => ({ value: o.value, label: o[t.lang] }))} />;
  }
  if (q.kind === 'number') {
    return <TextField label={label} type="number" inputMode="numeric" value={value === undefined ? '' : String(value)} onChange={(v) => onChange(v === '' || Number.isNaN(Number(v)) ? undefined : Number(v))} />;
  }
  return <TextField label={label} value={typeof value === 'string' ? value : ''} onChange={(v) => onChange(v || undefined)} maxLength={500} />;
}

/** After creation: the recommended unit is one key away (focused), for those who may dispatch. */
function Created({ incident, canDispatch, onNew }: { incident: IncidentSummary; canDispatch: boolean; onNew: () => void }) {
  const t = useT();
  const qc = useQueryClient();
  const recs = useQuery({ queryKey: consoleKeys.recommendations(incident.id), queryFn: () => consoleApi.recommendations(incident.id), enabled: canDispatch });
  const top = recs.data?.items[0];
  const assign = useMutation({
    mutationFn: () => consoleApi.assign(incident.id, top!.unitId, incident.version),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['incidents'] });
      void qc.invalidateQueries({ queryKey: consoleKeys.units });
    },
  });
  const assignRef = useRef<HTMLButtonElement>(null);
  const newRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (top && !assign.isSuccess) assignRef.current?.focus();
    else if (!canDispatch || assign.isSuccess) newRef.current?.focus();
  }, [top, canDispatch, assign.isSuccess]);

  return (
    <section className="console-panel created-panel" aria-labelledby="created-title">
      <h2 id="created-title">{t('console.intake.createdTitle', { number: incident.number })}</h2>
      <p>
        <PriorityChip priority={incident.priority} /> <StatusChip status={assign.isSuccess ? 'dispatched' : incident.status} />
      </p>
      {canDispatch ? (
        <>
          {recs.isPending ? <Loading /> : null}
          <ErrorAlert error={recs.error ?? assign.error} />
          {assign.isSuccess && top ? <Notice>{t('console.rec.assigned', { unit: top.callSign })}</Notice> : null}
          {top && !assign.isSuccess ? (
            <p>
              <button ref={assignRef} type="button" className="button button--primary" disabled={assign.isPending} onClick={() => assign.mutate()}>
                {t('console.intake.assignRecommended', { unit: top.callSign, eta: top.etaSeconds === null ? '—' : `${Math.round(top.etaSeconds / 60)} min` })}
              </button>
            </p>
          ) : null}
          {recs.data && !top ? <p className="muted">{t('console.rec.none')}</p> : null}
        </>
      ) : (
        <p>{t('console.intake.queuedForDispatch')}</p>
      )}
      <div className="button-row">
        <button ref={newRef} type="button" className="button button--secondary" onClick={onNew}>
          {t('console.intake.new')}
        </button>
        {canDispatch ? (
          <Link className="button button--ghost" to={`/console/dispatch?incident=${encodeURIComponent(incident.id)}`}>
            {t('console.intake.openInDispatch')}
          </Link>
        ) : null}
      </div>
    </section>
  );
}

/** After a repeat call was recorded on an open incident: no new incident, back to a new call in one key. */
function CallAdded({ incident, canDispatch, onNew }: { incident: IncidentSummary; canDispatch: boolean; onNew: () => void }) {
  const t = useT();
  const newRef = useRef<HTMLButtonElement>(null);
  useEffect(() => newRef.current?.focus(), []);
  return (
    <section className="console-panel created-panel" aria-labelledby="added-title">
      <h2 id="added-title">{t('console.intake.callAdded', { number: incident.number })}</h2>
      <p>
        <PriorityChip priority={incident.priority} /> <StatusChip status={incident.status} />
      </p>
      <div className="button-row">
        <button ref={newRef} type="button" className="button button--secondary" onClick={onNew}>
          {t('console.intake.new')}
        </button>
        {canDispatch ? (
          <Link className="button button--ghost" to={`/console/dispatch?incident=${encodeURIComponent(incident.id)}`}>
            {t('console.intake.openInDispatch')}
          </Link>
        ) : null}
      </div>
    </section>
  );
}
