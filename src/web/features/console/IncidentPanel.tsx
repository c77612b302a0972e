import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { isProblem } from '../../app/api';
import { useFormat, useT } from '../../app/i18n';
import { ErrorAlert, Loading, Notice } from '../../ui/Alerts';
import { Chip } from '../../ui/Chip';
import { Dialog } from '../../ui/Dialog';
import { SelectField, TextAreaField } from '../../ui/Field';
import { ReasonDialog, type Reason } from '../../ui/ReasonDialog';
import { useFocusRescue } from '../../ui/focus-rescue';
import { useCan } from '../auth/session';
import { consoleApi, consoleKeys, departmentName, isOutcome, pendingPriority, type Catalogue, type IncidentDetail, type IncidentType, type Recommendation } from './api';
import { PriorityChip, StatusChip, UnitStatusChip, useTypeName } from './bits';
import { DeviceLocations } from './DeviceLocations';
import { FieldFile } from './FieldFile';
import { CitizenConversation } from '../citizen/CitizenConversation';
import { isFurtherCallEntry } from '../../../common/emergency';

type Props = { id: string; types: IncidentType[] | undefined; onClose: () => void };

/** Everything about one incident: timeline, answers, locations, units, and the dispatcher's actions. */
export function IncidentPanel({ id, types, onClose }: Props) {
  const t = useT();
  const fmt = useFormat();
  const can = useCan();
  const typeName = useTypeName(types);
  const detail = useQuery({ queryKey: consoleKeys.incident(id), queryFn: () => consoleApi.incident(id), staleTime: 5_000 });
  // Disposition labels for the timeline: read once here, not by each entry.
  const catalogue = useQuery({ queryKey: consoleKeys.catalogue, queryFn: consoleApi.catalogue, staleTime: 5 * 60_000 });
  const d = detail.data;
  const active = d ? ['received', 'dispatched', 'en_route', 'on_scene', 'resolved'].includes(d.status) : false;
  // Feedback on the panel's own actions, shown at its top: it outlives the Actions section (gone once closed).
  const [notice, setNotice] = useState<{ id: string; text: string } | null>(null);
  const pendingTo = d && active ? pendingPriority(d.timeline) : null;
  // An action's button goes away once it is done: the keyboard stays in the panel.
  const panelRef = useRef<HTMLElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useFocusRescue(panelRef, headingRef);

  return (
    <section ref={panelRef} className="console-panel incident-panel" aria-labelledby="incident-panel-title">
      <div className="panel-header">
        <h2 id="incident-panel-title" ref={headingRef} tabIndex={-1}>{d ? `${d.number} · ${typeName(d.typeCode)}` : t('console.panel.title')}</h2>
        <button type="button" className="button button--ghost button--small" onClick={onClose}>
          {t('console.panel.closePanel')}
        </button>
      </div>
      {detail.isPending ? <Loading /> : null}
      <ErrorAlert error={detail.error} />
      {d ? (
        <div className="incident-panel-body">
          <p className="chip-row">
            <PriorityChip priority={d.priority} />
            <StatusChip status={d.status} />
            {d.pendingCancellation ? <Chip tone="warn">{t('console.panel.pendingCancellation')}</Chip> : null}
            {pendingTo !== null ? <Chip tone="warn">{t('console.panel.pendingPriority', { to: pendingTo })}</Chip> : null}
          </p>
          {notice && notice.id === d.id && !active ? (
            <Notice tone="info" onDismiss={() => setNotice(null)}>
              {notice.text}
            </Notice>
          ) : null}
          <p className="incident-desc">{d.description || '—'}</p>
          <dl className="kv">
            <dt>{t('console.panel.department')}</dt>
            <dd>{departmentName(d.department)}</dd>
            <dt>{t('console.panel.received')}</dt>
            <dd>{fmt.compact(d.times.callReceivedAt)}</dd>
            {d.caller ? (
              <>
                <dt>{t('console.panel.caller')}</dt>
                <dd>{[d.caller.name, d.caller.number].filter(Boolean).join(' · ') || '—'}</dd>
              </>
            ) : null}
            {d.caller && d.timeline.some(isFurtherCallEntry) ? <FurtherCallers incidentId={d.id} version={d.version} /> : null}
          </dl>

          {d.source !== 'call' ? <CitizenConversation incidentId={d.id} version={d.version} /> : null}

          {active && can('incidents:dispatch') ? <Recommendations incident={d} /> : null}

          <h3>{t('console.panel.units')}</h3>
          {d.assignments.length === 0 ? (
            <p className="muted">{t('console.panel.noUnits')}</p>
          ) : (
            <ul className="plain-list" aria-label={t('console.panel.units')}>
              {d.assignments.map((a) => (
                <li key={a.id} className="assignment-row">
                  <strong className="mono">{a.callSign}</strong> <UnitStatusChip status={a.releasedAt ? 'released' : a.unitStatus} />{' '}
                  <span className="muted">{fmt.compact(a.assignedAt)}</span>
                  {!a.releasedAt && can('units:status') ? <UnitStatusButtons unitId={a.unitId} callSign={a.callSign} status={a.unitStatus} /> : null}
                </li>
              ))}
            </ul>
          )}

          {active ? <Actions incident={d} notice={notice?.id === d.id ? notice.text : null} onNotice={(text) => setNotice(text === null ? null : { id: d.id, text })} /> : null}

          {can('evidence:custody') ? <FieldFile incident={d} /> : null}

          <h3>{t('console.panel.answers')}</h3>
          <Answers detail={d} types={types} />

          <h3>{t('console.panel.locations')}</h3>
          <ul className="plain-list">
            {d.locations.map((l) => (
              <li key={l.id}>
                {l.current ? <Chip tone="info">{t('console.panel.current')}</Chip> : null} {[l.addressText, l.landmark].filter(Boolean).join(' · ') || departmentName(l.department)}{' '}
                {l.lat !== null && l.lon !== null ? <span className="mono muted">({l.lat.toFixed(4)}, {l.lon.toFixed(4)})</span> : null}{' '}
                <span className="muted">
                  {t.maybe(`console.source.${l.source}`, l.source)} · {fmt.compact(l.createdAt)}
                </span>
              </li>
            ))}
          </ul>

          {active && can('incidents:read_caller') && can('incidents:update') ? <DeviceLocations incidentId={d.id} version={d.version} /> : null}

          <h3>{t('console.panel.timeline')}</h3>
          <ol className="timeline" aria-label={t('console.panel.timeline')}>
            {[...d.timeline].reverse().map((e) => (
              <li key={e.id}>
                <span className="muted">{fmt.compact(e.at)}</span> <strong>{t.maybe(`console.timeline.${timelineKind(e)}`, e.kind)}</strong>
                {e.actor ? <span className="muted"> · {e.actor}</span> : null}
                {typeof e.data.text === 'string' ? <span className="timeline-text"> — {e.data.text}</span> : null}
                <TimelineDetail kind={e.kind} data={e.data} dispositions={catalogue.data?.dispositions} />
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}

function Answers({ detail, types }: { detail: IncidentDetail; types: IncidentType[] | undefined }) {
  const t = useT();
  const type = types?.find((x) => x.code === detail.typeCode);
  const entries = Object.entries(detail.answers);
  if (entries.length === 0) return <p className="muted">{t('console.panel.noAnswers')}</p>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => {
        const q = type?.questions.find((x) => x.key === k);
        const opt = q?.options?.find((o) => o.value === v);
        const value = typeof v === 'boolean' ? (v ? t('console.yes') : t('console.no')) : opt ? opt[t.lang] : String(v);
        return (
          <div key={k} className="kv-row">
            <dt>{q ? q.prompt[t.lang] : k}</dt>
            <dd>{value}</dd>
          </div>
        );
      })}
    </dl>
  );
}

const formatEta = (s: number | null) => (s === null ? '—' : `${Math.round(s / 60)} min`);

function Recommendations({ incident }: { incident: IncidentDetail }) {
  const t = useT();
  const qc = useQueryClient();
  const recs = useQuery({ queryKey: consoleKeys.recommendations(incident.id), queryFn: () => consoleApi.recommendations(incident.id), staleTime: 5_000 });
  const [override, setOverride] = useState<Recommendation | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const assign = useMutation({
    mutationFn: ({ unit, reason }: { unit: Recommendation; reason?: Reason }) => consoleApi.assign(incident.id, unit.unitId, incident.version, reason),
    onSuccess: (_r, { unit }) => {
      setOverride(null);
      setDone(t('console.rec.assigned', { unit: unit.callSign }));
      void qc.invalidateQueries({ queryKey: ['incidents'] });
      void qc.invalidateQueries({ queryKey: consoleKeys.units });
    },
  });
  const items = recs.data?.items ?? [];
  // Once a unit works the incident, more units are backup: folded away, so the next action is not a second dispatch.
  const backup = incident.assignments.some((a) => !a.releasedAt);
  const table =
    items.length > 0 ? (
      <table className="table table--compact" aria-labelledby="rec-title">
        <thead>
          <tr>
            <th scope="col">{t('console.rec.unit')}</th>
            <th scope="col">{t('console.rec.eta')}</th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r, i) => (
            <tr key={r.unitId}>
              <th scope="row">
                <span className="mono">{r.callSign}</span>
                {i === 0 ? <span className="rec-top"> ★ {t('console.rec.top')}</span> : null}
                <span className="cell-sub">
                  {t.maybe(`console.unitType.${r.unitType}`, r.unitType)} ·{' '}
                  {r.reasons
                    .filter((x) => x.code !== 'capability')
                    .map((x) => t.maybe(`console.reason.${x.code}`, x.code, { value: x.code === 'distance_m' && typeof x.value === 'number' ? `${(x.value / 1000).toFixed(1)} km` : String(x.value ?? '') }))
                    .join(' · ')}
                </span>
              </th>
              <td>{formatEta(r.etaSeconds)}</td>
              <td>
                <button
                  type="button"
                  className={`button button--small ${i === 0 && !backup ? 'button--primary' : 'button--secondary'}`}
                  disabled={assign.isPending}
                  onClick={() => {
                    assign.reset();
                    setDone(null);
                    if (i === 0) assign.mutate({ unit: r });
                    else setOverride(r);
                  }}
                >
                  {t('console.rec.assign', { unit: r.callSign })}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : null;
  return (
    <section aria-labelledby="rec-title">
      <h3 id="rec-title">{backup ? t('console.rec.backupTitle') : t('console.rec.title')}</h3>
      {done ? <Notice onDismiss={() => setDone(null)}>{done}</Notice> : null}
      {recs.isPending ? <Loading /> : null}
      <ErrorAlert error={recs.error} />
      {override ? null : <ErrorAlert error={assign.error} />}
      {recs.data && items.length === 0 ? <p className="muted">{t('console.rec.none')}</p> : null}
      {table && backup ? (
        <details className="rec-backup">
          <summary>{t('console.rec.backupShow', { n: items.length })}</summary>
          {table}
        </details>
      ) : (
        table
      )}
      {override ? (
        <ReasonDialog
          title={t('console.rec.overrideTitle', { unit: override.callSign })}
          action="emergency.override_recommendation"
          intro={t('console.rec.overrideIntro', { top: items[0]?.callSign ?? '—' })}
          confirmLabel={t('console.rec.assign', { unit: override.callSign })}
          pending={assign.isPending}
          error={assign.error}
          onConfirm={(reason) => assign.mutate({ unit: override, reason })}
          onClose={() => {
            setOverride(null);
            assign.reset();
          }}
        />
      ) : null}
    </section>
  );
}

/** The dispatcher's actions; their feedback is shown here while the incident is active, at the panel's top once it is not. */
function Actions({ incident, notice, onNotice: setNotice }: { incident: IncidentDetail; notice: string | null; onNotice: (text: string | null) => void }) {
  const t = useT();
  const can = useCan();
  const qc = useQueryClient();
  const [note, setNote] = useState('');
  const [dialog, setDialog] = useState<'close' | 'cancel' | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['incidents'] });

  const addNote = useMutation({
    mutationFn: (text: string) => consoleApi.note(incident.id, text),
    onSuccess: () => {
      setNote('');
      refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: (reason: Reason) => consoleApi.cancel(incident.id, incident.version, reason),
    onSuccess: (r) => {
      setDialog(null);
      setNotice(r.status === 'pending' ? t('console.actions.waitingSupervisor') : t('console.actions.cancelled'));
      refresh();
    },
  });

  const submitNote = (e: FormEvent) => {
    e.preventDefault();
    if (note.trim()) addNote.mutate(note.trim());
  };

  return (
    <section aria-labelledby="actions-title" className="incident-actions">
      <h3 id="actions-title">{t('console.actions.title')}</h3>
      {notice ? (
        <Notice tone="info" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      ) : null}
      {can('incidents:update') ? <PriorityControl incident={incident} onPending={() => setNotice(t('console.actions.waitingSupervisor'))} /> : null}
      <form onSubmit={submitNote} className="note-form">
        <TextAreaField label={t('console.actions.note')} value={note} onChange={setNote} rows={2} maxLength={4000} />
        <ErrorAlert error={addNote.error} />
        <div className="button-row">
          <button type="submit" className="button button--secondary button--small" disabled={addNote.isPending || !note.trim()}>
            {t('console.actions.addNote')}
          </button>
          {can('incidents:close') ? (
            <>
              <button type="button" className="button button--primary button--small" onClick={() => setDialog('close')}>
                {t('console.actions.close')}
              </button>
              <button
                type="button"
                className="button button--danger-outline button--small"
                onClick={() => {
                  cancel.reset();
                  setDialog('cancel');
                }}
              >
                {t('console.actions.cancel')}
              </button>
            </>
          ) : null}
        </div>
      </form>
      {dialog === 'close' ? (
        <CloseDialog
          incident={incident}
          onDone={(pending) => {
            setDialog(null);
            setNotice(pending ? t('console.actions.waitingSupervisor') : t('console.actions.closed'));
            refresh();
          }}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog === 'cancel' ? (
        <ReasonDialog
          title={t('console.actions.cancelTitle', { number: incident.number })}
          action="emergency.cancel"
          warning={incident.priority <= 2 ? t('console.actions.cancelNeedsSupervisor') : undefined}
          confirmLabel={t('console.actions.cancelConfirm')}
          dismissLabel={t('console.actions.keepIncident')}
          pending={cancel.isPending}
          error={cancel.error}
          onConfirm={(reason) => cancel.mutate(reason)}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </section>
  );
}

function CloseDialog({ incident, onDone, onClose }: { incident: IncidentDetail; onDone: (pending: boolean) => void; onClose: () => void }) {
  const t = useT();
  const catalogue = useQuery({ queryKey: consoleKeys.catalogue, queryFn: consoleApi.catalogue, staleTime: 5 * 60_000 });
  const [code, setCode] = useState('');
  const [summary, setSummary] = useState('');
  const [touched, setTouched] = useState(false);
  const [needReason, setNeedReason] = useState(false);
  const close = useMutation({
    mutationFn: (reason?: Reason) => consoleApi.close(incident.id, { dispositionCode: code, summary: summary.trim(), version: incident.version, ...(reason ? { reason } : {}) }),
    onSuccess: (r) => onDone(isOutcome(r) && r.status === 'pending'),
    onError: (e) => {
      if (isProblem(e) && e.status === 422 && e.code === 'reason_required') setNeedReason(true);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!code || !summary.trim()) return;
    close.mutate(undefined);
  };
  if (needReason) {
    return (
      <ReasonDialog
        title={t('console.close.reasonTitle', { number: incident.number })}
        action="emergency.close_without_on_scene"
        intro={t('console.close.reasonIntro')}
        warning={incident.priority <= 2 ? t('console.close.needsSupervisor') : undefined}
        confirmLabel={t('console.close.confirm')}
        pending={close.isPending}
        error={isProblem(close.error) && close.error.code === 'reason_required' ? null : close.error}
        onConfirm={(reason) => close.mutate(reason)}
        onClose={onClose}
      />
    );
  }
  return (
    <Dialog title={t('console.close.title', { number: incident.number })} onClose={onClose}>
      <ErrorAlert error={close.error} />
      <form onSubmit={submit} noValidate className="form-stack">
        <SelectField
          label={t('console.close.disposition')}
          value={code}
          onChange={setCode}
          placeholder={t('reason.choose')}
          options={(catalogue.data?.dispositions ?? []).map((d) => ({ value: d.code, label: d.label[t.lang] }))}
          required
          error={touched && !code ? t('common.required') : undefined}
        />
        <TextAreaField label={t('console.close.summary')} value={summary} onChange={setSummary} rows={3} required error={touched && !summary.trim() ? t('common.required') : undefined} />
        <div className="button-row">
          <button type="submit" className="button button--primary" disabled={close.isPending}>
            {close.isPending ? t('common.sending') : t('console.close.confirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Radio-reported progress of an assigned unit: the next statuses only, one click each (none is discretionary). */
const NEXT_UNIT_STATUS: Record<string, readonly string[]> = {
  dispatched: ['en_route', 'on_scene'],
  en_route: ['on_scene'],
  on_scene: ['available'],
  busy: ['available'],
};

function UnitStatusButtons({ unitId, callSign, status }: { unitId: string; callSign: string; status: string }) {
  const t = useT();
  const qc = useQueryClient();
  const change = useMutation({
    mutationFn: (next: string) => consoleApi.unitStatus(unitId, next),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['incidents'] });
      void qc.invalidateQueries({ queryKey: consoleKeys.units });
    },
  });
  const next = NEXT_UNIT_STATUS[status] ?? [];
  if (next.length === 0) return null;
  return (
    <span className="unit-status-buttons">
      {next.map((s) => (
        <button
          key={s}
          type="button"
          className="button button--small button--secondary"
          disabled={change.isPending}
          aria-label={t('console.unitAction.label', { unit: callSign, status: t(`console.unitAction.${s}` as 'console.unitAction.en_route') })}
          onClick={() => change.mutate(s)}
        >
          {/* A verb on the button, so it does not read as one more status chip beside the unit's. */}
          {t(`console.unitAction.do.${s}` as 'console.unitAction.do.en_route')}
        </button>
      ))}
      <ErrorAlert error={change.error} />
    </span>
  );
}

/** Raising the priority is immediate; lowering it is discretionary and asks for a reason first. */
function PriorityControl({ incident, onPending }: { incident: IncidentDetail; onPending: () => void }) {
  const t = useT();
  const qc = useQueryClient();
  const [value, setValue] = useState(String(incident.priority));
  const [asking, setAsking] = useState(false);
  const change = useMutation({
    mutationFn: (reason?: Reason) => consoleApi.priority(incident.id, Number(value), incident.version, reason),
    onSuccess: (r) => {
      setAsking(false);
      // A P1/P2 lowered to P3/P4 keeps its priority until a supervisor approves.
      if (isOutcome(r) && r.status === 'pending') {
        setValue(String(incident.priority));
        onPending();
      }
      void qc.invalidateQueries({ queryKey: ['incidents'] });
    },
  });
  const target = Number(value);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (target === incident.priority) return;
    change.reset();
    if (target > incident.priority) setAsking(true);
    else change.mutate(undefined);
  };
  // The reason dialog sits outside the form: a submit inside it must not bubble to this form.
  return (
    <>
    <form className="priority-form" onSubmit={submit}>
      <SelectField label={t('console.priority.label')} value={value} onChange={setValue} options={[1, 2, 3, 4].map((p) => ({ value: String(p), label: `P${p}` }))} />
      <button type="submit" className="button button--secondary button--small" disabled={change.isPending || target === incident.priority}>
        {t('console.priority.change')}
      </button>
      {asking ? null : <ErrorAlert error={change.error} />}
    </form>
      {asking ? (
        <ReasonDialog
          title={t('console.priority.lowerTitle', { number: incident.number, from: `P${incident.priority}`, to: `P${target}` })}
          action="emergency.lower_priority"
          warning={incident.priority <= 2 && target > 2 ? t('console.priority.needsSupervisor') : undefined}
          confirmLabel={t('console.priority.change')}
          pending={change.isPending}
          error={change.error}
          onConfirm={(reason) => change.mutate(reason)}
          onClose={() => {
            setAsking(false);
            setValue(String(incident.priority));
            change.reset();
          }}
        />
      ) : null}
    </>
  );
}

/** Who else called about this incident: read (and recorded as read) only when there were further calls. */
function FurtherCallers({ incidentId, version }: { incidentId: string; version: number }) {
  const t = useT();
  const fmt = useFormat();
  const links = useQuery({ queryKey: ['incidents', 'links', incidentId, version], queryFn: () => consoleApi.links(incidentId), staleTime: 30_000 });
  const calls = links.data?.calls.filter((c) => c.caller) ?? [];
  if (calls.length === 0) return null;
  return (
    <>
      <dt>{t('console.panel.furtherCallers')}</dt>
      <dd>
        <ul className="plain-list">
          {calls.map((c) => (
            <li key={c.id}>
              {[c.caller!.name, c.caller!.number].filter(Boolean).join(' · ') || '—'} <span className="muted">{fmt.compact(c.receivedAt)}</span>
            </li>
          ))}
        </ul>
      </dd>
    </>
  );
}

// Older data holds a further call as `duplicate` with a callId: labelled as a call all the same.
const timelineKind = (e: { kind: string; data: Record<string, unknown> }) => (isFurtherCallEntry(e) ? 'call' : e.kind);

/** What a timeline entry changed, in words: unit and incident statuses, priorities, the disposition, the reason given. */
function TimelineDetail({ kind, data, dispositions }: { kind: string; data: Record<string, unknown>; dispositions: Catalogue['dispositions'] | undefined }) {
  const t = useT();
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  // Unit entries carry unit statuses; the rest, incident statuses.
  const statusLabel = (v: string) => (kind === 'unit_status' ? t.maybe(`console.unitStatus.${v}`, t.maybe(`console.status.${v}`, v)) : t.maybe(`console.status.${v}`, v));
  const parts: string[] = [];
  const from = str(data.from);
  const to = str(data.to) ?? (kind === 'unit_status' ? str(data.status) : null);
  if (str(data.callSign)) parts.push(str(data.callSign)!);
  if (to) parts.push(from && kind === 'status' ? `${statusLabel(from)} → ${statusLabel(to)}` : `→ ${statusLabel(to)}`);
  if (kind.startsWith('priority') && num(data.to) !== null) parts.push(num(data.from) !== null ? `P${num(data.from)} → P${num(data.to)}` : `→ P${num(data.to)}`);
  const disposition = str(data.dispositionCode);
  if (disposition) parts.push(dispositions?.find((d) => d.code === disposition)?.label[t.lang] ?? disposition);
  if (kind === 'closure' && str(data.summary)) parts.push(str(data.summary)!);
  const reason = data.reason && typeof data.reason === 'object' ? (data.reason as { text?: unknown }) : null;
  if (reason && typeof reason.text === 'string') parts.push(`${t('console.timeline.reason')}: ${reason.text}`);
  return parts.length > 0 ? <span className="timeline-text"> — {parts.join(' · ')}</span> : null;
}
