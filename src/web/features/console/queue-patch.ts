import { ACTIVE_STATUSES } from '../../../common/emergency';
import type { IncidentSummary, Unit } from './api';

/**
 * The open-incident list after a live refresh of the incidents in `asked`: `fresh` holds those the
 * server returned (any status). An open one replaces its row or joins the list, a closed, cancelled
 * or merged one leaves it, and one the server did not return (gone, or no longer visible) leaves it
 * too. A row already newer than its refresh (two refreshes crossed) is kept. Unchanged rows keep
 * their objects, so their queue rows are not rendered again.
 */
export function patchIncidents(prev: IncidentSummary[], asked: Iterable<string>, fresh: IncidentSummary[]): IncidentSummary[] {
  const byId = new Map(fresh.map((i) => [i.id, i]));
  const gone = new Set<string>();
  for (const id of asked) if (!byId.has(id)) gone.add(id);
  const seen = new Set<string>();
  const out: IncidentSummary[] = [];
  for (const row of prev) {
    if (gone.has(row.id)) continue;
    const next = byId.get(row.id);
    if (!next) {
      out.push(row);
      continue;
    }
    seen.add(row.id);
    if (next.version < row.version) out.push(row);
    else if (ACTIVE_STATUSES.includes(next.status)) out.push(next);
  }
  for (const i of fresh) if (!seen.has(i.id) && ACTIVE_STATUSES.includes(i.status)) out.push(i);
  return out;
}

/**
 * The unit list after a live refresh of the units in `asked`: a changed unit replaces its row, a new
 * one joins in the list's order (department, call sign), and one the server did not return
 * (deactivated) leaves. A row newer than its refresh can only be newer by a position written in place
 * meanwhile (statuses come from the server): it takes the refresh's status and keeps its position.
 */
export function patchUnits(prev: Unit[], asked: Iterable<string>, fresh: Unit[]): Unit[] {
  const byId = new Map(fresh.map((u) => [u.id, u]));
  const gone = new Set<string>();
  for (const id of asked) if (!byId.has(id)) gone.add(id);
  const out: Unit[] = [];
  for (const row of prev) {
    if (gone.has(row.id)) continue;
    const next = byId.get(row.id);
    byId.delete(row.id);
    if (!next) out.push(row);
    else out.push(next.version >= row.version ? next : { ...next, position: row.position, version: row.version });
  }
  if (byId.size === 0) return out;
  return [...out, ...byId.values()].sort((a, b) => a.department.localeCompare(b.department) || a.callSign.localeCompare(b.callSign));
}
