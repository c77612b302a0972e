/**
 * `npm run simulate`: drives a running Centinela through its public API with realistic 911 traffic,
 * for demos and load. Only talks to --url.
 */
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run simulate -- [options]

Signs in as call_taker and dispatcher and plays incidents end to end: intake (sometimes with protocol
answers) near where units are, recommendation and assignment of the top unit, the unit driving to the
scene with position reports, en route / on scene / available, and closure with a disposition
(with a reason when no unit reached the scene). One line per action. Only P3/P4 calls are settled on
the phone; closing a P1/P2 that no unit reached waits for a supervisor's approval, which the simulator
reports and leaves to a person.

  --url URL         the server (default http://localhost:8080)
  --rate N          incidents per (simulated) minute, Poisson arrivals (default 6)
  --duration S      stop after S seconds (default: until Ctrl-C)
  --count N         stop after N incidents (default: no limit)
  --max-open N      at most N incidents in play at once; arrivals beyond wait (default 20)
  --password PW     the demo accounts' password (default Centinela-Demo-2026)
  --tick S          seconds between position reports of a moving unit (default 3)
  --time-scale N    run the simulated clock N times faster: every wait (arrivals, dispatch, driving,
                    position ticks, time on scene) is divided by N (default 1; e.g. 60 plays an hour
                    of incidents in a minute). --duration stays in real seconds.

After --count incidents, no new calls are made and those in play finish normally. Ctrl-C (or the end
of --duration) stops new calls and wraps up the incidents in play (units released, incidents closed)
within 20 s; a second Ctrl-C quits at once.`;

// ------------------------------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8080' },
    rate: { type: 'string', default: '6' },
    duration: { type: 'string' },
    count: { type: 'string' },
    'max-open': { type: 'string', default: '20' },
    password: { type: 'string', default: 'Centinela-Demo-2026' },
    tick: { type: 'string', default: '3' },
    'time-scale': { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number between ${min} and ${max}, not "${v}"\n\n${USAGE}`);
    process.exit(64);
  }
  return n;
};
const BASE = (() => {
  try {
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return u;
  } catch {
    console.error(`--url must be an http(s) URL, not "${opts.url}"`);
    process.exit(64);
  }
})();
const RATE = number('rate', opts.rate, 0.01, 6000)!;
const DURATION_S = number('duration', opts.duration, 1, 7 * 24 * 3600);
const COUNT = number('count', opts.count, 1, 1_000_000);
const MAX_OPEN = number('max-open', opts['max-open'], 1, 1000)!;
const TICK_S = number('tick', opts.tick, 0.5, 60)!;
const TIME_SCALE = number('time-scale', opts['time-scale'], 0.01, 100_000)!;
const PASSWORD = opts.password;

// ------------------------------------------------------------------------------------------------
// Stopping: a soft stop ends waits early and wraps up; a hard stop aborts requests.

const soft = new AbortController();
const hard = new AbortController();
// Every pending wait and request listens to these: many at once is expected, not a leak.
setMaxListeners(0, soft.signal, hard.signal);
const stop = (why: string) => {
  if (soft.signal.aborted) return;
  log(`■ stopping (${why}): no new calls; wrapping up ${open.size} incident(s) in play${why === 'Ctrl-C' ? ' (Ctrl-C again to quit now)' : ''}`);
  soft.abort();
  setTimeout(() => hard.abort(), 20_000).unref();
};
process.on('SIGINT', () => (soft.signal.aborted ? hard.abort() : stop('Ctrl-C')));
process.on('SIGTERM', () => (soft.signal.aborted ? hard.abort() : stop('SIGTERM')));

/** Waits `ms` of simulated time (real time divided by --time-scale) unless a stop comes first; true if the whole wait passed. */
const wait = (ms: number) =>
  new Promise<boolean>((resolve) => {
    if (soft.signal.aborted) return resolve(false);
    const done = (full: boolean) => {
      clearTimeout(t);
      soft.signal.removeEventListener('abort', onAbort);
      resolve(full);
    };
    const onAbort = () => done(false);
    const t = setTimeout(() => done(true), ms / TIME_SCALE);
    soft.signal.addEventListener('abort', onAbort);
  });

const rnd = Math.random;
const between = (a: number, b: number) => a + rnd() * (b - a);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const clock = () => new Date().toTimeString().slice(0, 8);
function log(line: string) {
  console.log(`${clock()}  ${line}`);
}

// ------------------------------------------------------------------------------------------------
// The API, as call_taker and as dispatcher (session cookies; signs in again if a session ends).

type Role = 'call_taker' | 'dispatcher';
type Res<T> = { status: number; body: T };
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sessions: Partial<Record<Role, string>> = {};

async function send<T>(method: string, path: string, body: unknown, cookie: string | undefined): Promise<Res<T> & { cookie: string | null }> {
  if (!path.startsWith('/api/')) throw new Error(`refusing to call ${path}`);
  const url = new URL(path, BASE);
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie ? { cookie: `centinela_session=${cookie}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.any([hard.signal, AbortSignal.timeout(15_000)]),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  const set = res.headers.getSetCookie().map((c) => /^centinela_session=([^;]+)/.exec(c)?.[1]).find(Boolean);
  return { status: res.status, body: parsed as T, cookie: set ?? null };
}

async function login(role: Role): Promise<void> {
  const res = await send<{ stage?: string; code?: string }>('POST', '/api/auth/login', { username: role, password: PASSWORD }, undefined);
  if (res.status !== 200 || !res.cookie) {
    const detail = res.body && typeof res.body === 'object' ? `${res.body.code ?? ''} ${(res.body as { detail?: string }).detail ?? ''}`.trim() : String(res.body);
    throw new ApiError(res.status, res.body?.code ?? 'login_failed', `sign-in as ${role} failed: ${res.status} ${detail}`);
  }
  if (res.body.stage !== 'active') throw new ApiError(res.status, 'mfa', `sign-in as ${role} needs a second factor (stage ${res.body.stage}); use an account without MFA`);
  sessions[role] = res.cookie;
}

/** Calls the API as `role`; anything but 2xx is an ApiError carrying the problem's code. */
async function api<T>(role: Role, method: string, path: string, body?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (!sessions[role]) await login(role);
    const res = await send<T & { code?: string; detail?: string; title?: string }>(method, path, body, sessions[role]);
    if (res.status === 401 && attempt === 0) {
      delete sessions[role];
      continue;
    }
    if (res.status >= 200 && res.status < 300) return res.body;
    const code = res.body && typeof res.body === 'object' ? (res.body.code ?? 'error') : 'error';
    throw new ApiError(res.status, code, `${method} ${path}: ${res.status} ${code}${res.body && typeof res.body === 'object' && res.body.detail ? ` (${res.body.detail})` : ''}`);
  }
}

// ------------------------------------------------------------------------------------------------
// What the server knows: incident types, dispositions, reasons, where units are.

type Question = { key: string; kind: 'yes_no' | 'choice' | 'number' | 'text'; options: { value: string }[] | null };
type IncidentType = { code: string; name: { es: string }; defaultPriority: number; questions: Question[] };
type Unit = { id: string; callSign: string; unitType: string; department: string; status: string; position: { lat: number; lon: number } | null };
type Incident = { id: string; number: string; typeCode: string; priority: number; status: string; department: string | null; version: number; times: { firstOnSceneAt: string | null } };
type Recommendation = { unitId: string; callSign: string; unitType: string; rank: number; etaSeconds: number | null; distanceM: number | null };

let types: IncidentType[] = [];
let dispositions: string[] = [];
let closeReasons: string[] = [];
let unitPlaces: { lat: number; lon: number }[] = [];

// Calls by type, roughly as a Salvadoran 911 receives them; descriptions as a call-taker types them.
const MIX: Record<string, [number, string[]]> = {
  DIST: [18, ['Riña entre vecinos', 'Pelea a la salida de un bar', 'Escándalo en la vía pública']],
  ROB: [15, ['Robo de celular en parada de buses', 'Hurto en tienda', 'Asalto a transeúnte']],
  ASST: [12, ['Persona desorientada', 'Apoyo a adulto mayor', 'Llaves dentro del vehículo']],
  TA: [12, ['Choque entre dos vehículos', 'Motocicleta derrapada', 'Atropello en carretera']],
  DV: [10, ['Gritos y golpes en vivienda', 'Mujer pide auxilio por agresión', 'Agresión de pareja']],
  SUSP: [8, ['Vehículo sin placas estacionado', 'Personas merodeando viviendas', 'Sujeto observando negocio']],
  MED: [8, ['Persona inconsciente', 'Dolor de pecho', 'Caída de adulto mayor']],
  THR: [5, ['Amenazas por mensajes', 'Amenaza a comerciante', 'Vecino amenaza con machete']],
  INJ: [5, ['Persona herida con arma blanca', 'Lesionado tras riña', 'Golpeado en la calle']],
  NOISE: [3, ['Música a alto volumen', 'Fiesta con ruido excesivo']],
  ABVEH: [2, ['Vehículo abandonado desde hace días']],
  MP: [2, ['Menor no regresó de la escuela', 'Adulto mayor extraviado']],
  FIRE: [1, ['Quema de maleza cerca de viviendas', 'Humo en local comercial']],
  EXT: [1, ['Cobro de renta a comerciante']],
};
// Where calls come from when no unit has a position yet: department capitals.
const CAPITALS = [
  { lat: 13.6989, lon: -89.1914 }, { lat: 13.9942, lon: -89.5597 }, { lat: 13.4833, lon: -88.1833 }, { lat: 13.6769, lon: -89.2797 },
  { lat: 13.7194, lon: -89.7242 }, { lat: 13.3500, lon: -88.4500 }, { lat: 13.5000, lon: -88.8667 }, { lat: 13.3386, lon: -87.8439 },
];
const STREETS = ['Calle Arce', 'Avenida España', 'Calle Delgado', 'Boulevard Los Héroes', 'Calle al Volcán', 'Avenida Independencia', 'Pasaje Los Almendros', 'Calle La Mascota'];
const SUMMARIES: Record<string, string> = {
  report_taken: 'Se levantó denuncia y se orientó a la víctima.',
  assistance_given: 'Se brindó la asistencia solicitada en el lugar.',
  arrest: 'Se detuvo a una persona en flagrancia y se remitió a la delegación.',
  unfounded: 'Sin novedad en el lugar al momento de la verificación.',
  gone_on_arrival: 'Los involucrados ya no se encontraban al llegar la unidad.',
  referred: 'Se remitió el caso a la institución competente.',
  transported: 'Se trasladó a la persona afectada al centro asistencial.',
};

async function learn(): Promise<void> {
  const [t, c, r, u] = await Promise.all([
    api<{ items: IncidentType[] }>('call_taker', 'GET', '/api/incident-types'),
    api<{ dispositions: { code: string }[] }>('dispatcher', 'GET', '/api/incident-catalogue'),
    api<{ items: { code: string }[] }>('dispatcher', 'GET', '/api/reason-codes?action=emergency.close_without_on_scene'),
    api<{ items: Unit[] }>('dispatcher', 'GET', '/api/units?limit=5000'),
  ]);
  types = t.items;
  const usual = c.dispositions.map((d) => d.code).filter((d) => d in SUMMARIES);
  dispositions = usual.length ? usual : c.dispositions.map((d) => d.code);
  closeReasons = r.items.map((x) => x.code);
  unitPlaces = u.items.flatMap((x) => (x.position ? [x.position] : []));
  if (types.length === 0) throw new Error('the server has no incident types');
  if (dispositions.length === 0) throw new Error('the server has no disposition codes');
}

// ------------------------------------------------------------------------------------------------
// Geometry

const R = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }) {
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}
function bearing(a: { lat: number; lon: number }, b: { lat: number; lon: number }) {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}
function offset(p: { lat: number; lon: number }, meters: number, degrees: number) {
  const dLat = (meters * Math.cos(rad(degrees))) / 111_320;
  const dLon = (meters * Math.sin(rad(degrees))) / (111_320 * Math.cos(rad(p.lat)));
  return { lat: p.lat + dLat, lon: p.lon + dLon };
}
const SPEED_KMH: Record<string, number> = { patrol_car: 45, motorcycle: 50, ambulance: 50, fire: 35, specialised: 40 };

// ------------------------------------------------------------------------------------------------
// One incident, from the call to its closure.

const stats = { created: 0, assigned: 0, onScene: 0, closed: 0, awaitingApproval: 0, positions: 0, errors: 0 };
const open = new Set<Promise<void>>();
let serial = 0;

function answersFor(t: IncidentType): Record<string, boolean | number | string> {
  const out: Record<string, boolean | number | string> = {};
  for (const q of t.questions) {
    if (rnd() < 0.3) continue;
    if (q.kind === 'yes_no') out[q.key] = rnd() < 0.25;
    else if (q.kind === 'number') out[q.key] = 1 + Math.floor(rnd() * 5);
    else if (q.kind === 'choice' && q.options?.length) out[q.key] = pick(q.options).value;
    else if (q.kind === 'text') out[q.key] = pick(['Sedán gris sin placas', 'Hombre de camisa roja y gorra', 'Pick-up blanco, placa P 123-456']);
  }
  return out;
}

function chooseType(): { type: IncidentType; description: string } {
  const weighted = types.map((t) => [t, MIX[t.code]?.[0] ?? 0.3] as const);
  let r = rnd() * weighted.reduce((a, [, w]) => a + w, 0);
  for (const [t, w] of weighted) {
    if ((r -= w) <= 0) return { type: t, description: pick(MIX[t.code]?.[1] ?? [t.name.es]) };
  }
  const t = weighted.at(-1)![0];
  return { type: t, description: t.name.es };
}

async function story(n: number): Promise<void> {
  const tag = `#${n}`;
  const { type, description } = chooseType();
  const near = unitPlaces.length ? pick(unitPlaces) : pick(CAPITALS);
  const place = offset(near, between(300, 3_000), between(0, 360));
  const answers = rnd() < 0.6 ? answersFor(type) : {};
  const body = {
    typeCode: type.code,
    source: rnd() < 0.9 ? 'call' : 'web',
    caller: { number: `+503 7${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}` },
    description,
    location: { lat: place.lat, lon: place.lon, addressText: `${pick(STREETS)} #${1 + Math.floor(rnd() * 900)}`, source: 'caller_stated', accuracyM: Math.round(between(10, 150)) },
    ...(Object.keys(answers).length ? { answers } : {}),
  };
  const incident = await api<Incident>('call_taker', 'POST', '/api/incidents', body);
  stats.created++;
  const label = `${tag} ${incident.number}`;
  const said = Object.entries(answers).map(([k, v]) => `${k}=${v === true ? 'sí' : v === false ? 'no' : v}`);
  log(`${label}  call: ${type.code} "${description}" P${incident.priority} ${incident.department ?? '?'} (${place.lat.toFixed(4)}, ${place.lon.toFixed(4)})${said.length ? ` answers ${said.join(' ')}` : ''}`);

  let unit: Recommendation | null = null;
  // Set once a closure went through, so the wrap-up does not ask again for one awaiting approval.
  let settled = false;
  const settle = async (disposition: string, reason: Reason | null, current: Incident = incident) => {
    await close(label, current, disposition, reason);
    settled = true;
  };
  try {
    // A few P3/P4 calls are settled on the phone; the rest get a unit.
    if (incident.priority >= 3 && rnd() < 0.08) {
      if (await wait(between(5_000, 15_000))) {
        await settle(dispositionFor('assistance_given'), closeReason('resolved_by_phone', 'Se orientó a la persona por teléfono; no requirió unidad.'));
      }
      return;
    }
    if (!(await wait(between(2_000, 8_000)))) return;
    unit = await assignTop(label, incident.id);
    if (!unit) {
      if (await wait(15_000)) unit = await assignTop(label, incident.id);
      if (!unit) {
        if (!soft.signal.aborted) await settle(dispositionFor('referred'), closeReason('other', 'No hubo unidades disponibles; se canalizó por otra vía.'));
        return;
      }
    }
    if (!(await wait(between(2_000, 5_000)))) return;
    await api('dispatcher', 'POST', `/api/units/${unit.unitId}/status`, { status: 'en_route' });
    log(`${label}  ${unit.callSign} en route`);
    const arrived = await drive(label, unit, place);
    if (!arrived) return;
    await api('dispatcher', 'POST', `/api/units/${unit.unitId}/status`, { status: 'on_scene' });
    stats.onScene++;
    log(`${label}  ${unit.callSign} on scene`);
    if (!(await wait(between(20_000, 60_000)))) return;
    await release(label, unit);
    unit = null;
    await settle(outcomeFor(type.code), null);
  } catch (e) {
    stats.errors++;
    log(`${label}  ! ${(e as Error).message}`);
  } finally {
    // Stopped or failed midway: free the unit and close what is still open, so the demo stays tidy.
    if (!hard.signal.aborted) {
      try {
        if (unit) await release(label, unit);
        const now = await api<Incident>('dispatcher', 'GET', `/api/incidents/${incident.id}`);
        if (!settled && !['closed', 'cancelled', 'merged'].includes(now.status)) {
          const onScene = now.times.firstOnSceneAt !== null;
          await settle(dispositionFor(onScene ? 'assistance_given' : 'unfounded'), onScene ? null : closeReason('other', 'Simulación detenida antes de que la unidad llegara.'), now);
        }
      } catch (e) {
        stats.errors++;
        log(`${label}  ! wrap-up: ${(e as Error).message}`);
      }
    }
  }
}

/** Asks for recommendations and commits the top unit; a unit taken meanwhile means asking again once. */
async function assignTop(label: string, incidentId: string): Promise<Recommendation | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const rec = await api<{ needed: string[]; items: Recommendation[] }>('dispatcher', 'GET', `/api/incidents/${incidentId}/recommendations?limit=3`);
    const top = rec.items[0];
    if (!top) {
      log(`${label}  no unit available with ${rec.needed.join('/') || 'any capability'}`);
      return null;
    }
    try {
      await api('dispatcher', 'POST', `/api/incidents/${incidentId}/assignments`, { unitId: top.unitId });
    } catch (e) {
      // Another incident took the unit, or the ranking moved: look again.
      if (e instanceof ApiError && (e.status === 409 || e.status === 422) && attempt === 0) continue;
      throw e;
    }
    stats.assigned++;
    const eta = top.etaSeconds === null ? '?' : `${Math.max(1, Math.round(top.etaSeconds / 60))} min`;
    const km = top.distanceM === null ? '?' : (top.distanceM / 1000).toFixed(1);
    log(`${label}  assigned ${top.callSign} (${top.unitType}, rank 1, ${km} km, ETA ${eta})`);
    return top;
  }
  return null;
}

/** Moves the unit on a straight line to the scene, reporting a position every tick; false if stopped. */
async function drive(label: string, unit: Recommendation, to: { lat: number; lon: number }): Promise<boolean> {
  const u = await api<Unit>('dispatcher', 'GET', `/api/units/${unit.unitId}`);
  const from = u.position ?? offset(to, 2_000, between(0, 360));
  const meters = distanceM(from, to);
  const realSeconds = meters / ((SPEED_KMH[u.unitType] ?? 40) / 3.6);
  // Demo time: the real trip compressed into 20–120 s, with the speed a real unit would show.
  const seconds = Math.min(120, Math.max(20, realSeconds / 4));
  const steps = Math.max(2, Math.round(seconds / TICK_S));
  const heading = Math.round(bearing(from, to));
  const speedMps = Math.min(25, realSeconds > 0 ? meters / realSeconds : 0);
  log(`${label}  ${unit.callSign} driving ${(meters / 1000).toFixed(1)} km, ~${Math.round(seconds)} s, position every ${TICK_S} s`);
  for (let i = 1; i <= steps; i++) {
    if (!(await wait((seconds / steps) * 1000))) return false;
    const f = i / steps;
    const p = { lat: from.lat + (to.lat - from.lat) * f, lon: from.lon + (to.lon - from.lon) * f };
    await api('dispatcher', 'POST', `/api/units/${unit.unitId}/positions`, {
      positions: [{ lat: p.lat, lon: p.lon, accuracyM: Math.round(between(4, 15)), heading, speedMps: i === steps ? 0 : speedMps, recordedAt: new Date().toISOString() }],
    });
    stats.positions++;
    if (i === Math.ceil(steps / 2)) log(`${label}  ${unit.callSign} halfway (${p.lat.toFixed(4)}, ${p.lon.toFixed(4)})`);
  }
  return true;
}

async function release(label: string, unit: Recommendation) {
  const u = await api<Unit>('dispatcher', 'GET', `/api/units/${unit.unitId}`);
  if (!['dispatched', 'en_route', 'on_scene'].includes(u.status)) return;
  await api('dispatcher', 'POST', `/api/units/${unit.unitId}/status`, { status: 'available' });
  log(`${label}  ${unit.callSign} available`);
}

type Reason = { code: string; text: string };

/** A reason code for closing without a unit on scene: the one wanted if the server offers it, else "other". */
const closeReason = (wanted: string, text: string): Reason | null => {
  const code = closeReasons.includes(wanted) ? wanted : (closeReasons.find((c) => c === 'other') ?? closeReasons[0]);
  return code ? { code, text } : null;
};

type Closed = { status?: 'pending'; approvalId?: string };

/**
 * Closes with a disposition and a summary. Without a unit on scene the API demands a reason: it is
 * given up front when we know, and on the API's `reason_required` otherwise. Such a closure of a
 * P1/P2 is filed for a supervisor's approval (202), which is reported, not counted as closed.
 */
async function close(label: string, incident: Incident, disposition: string, reason: Reason | null) {
  const summary = SUMMARIES[disposition] ?? 'Atención concluida.';
  const body = { dispositionCode: disposition, summary };
  const path = `/api/incidents/${incident.id}/close`;
  let gave: Reason | null = null;
  let res: Closed;
  try {
    res = await api<Closed>('dispatcher', 'POST', path, reason ? { ...body, reason } : body);
    gave = reason;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'approval_pending') res = { status: 'pending' };
    else {
      if (!(e instanceof ApiError && e.code === 'reason_required')) throw e;
      gave = reason ?? closeReason('other', 'La unidad no llegó al lugar; se cierra la atención.');
      if (!gave) throw e;
      res = await api<Closed>('dispatcher', 'POST', path, { ...body, reason: gave });
    }
  }
  if (res.status === 'pending') {
    stats.awaitingApproval++;
    log(`${label}  closure awaits a supervisor's approval${res.approvalId ? ` (request ${res.approvalId})` : ''}`);
    return;
  }
  stats.closed++;
  log(`${label}  closed: ${disposition}${gave ? ` (no unit on scene; reason ${gave.code})` : ''}`);
}

const dispositionFor = (preferred: string) => (dispositions.includes(preferred) ? preferred : pick(dispositions));

// What a unit on scene plausibly reports, by incident type.
const OUTCOMES: Record<string, string[]> = {
  MED: ['transported', 'assistance_given'],
  INJ: ['transported', 'report_taken', 'arrest'],
  TA: ['report_taken', 'transported', 'assistance_given'],
  ASST: ['assistance_given', 'referred'],
  NOISE: ['assistance_given', 'unfounded', 'gone_on_arrival'],
  ABVEH: ['report_taken', 'referred'],
};
const outcomeFor = (typeCode: string) => {
  const options = (OUTCOMES[typeCode] ?? ['report_taken', 'assistance_given', 'arrest', 'unfounded', 'gone_on_arrival', 'referred']).filter((d) => dispositions.includes(d));
  return options.length ? pick(options) : pick(dispositions);
};

// ------------------------------------------------------------------------------------------------

async function main() {
  log(`simulating ${RATE}/min against ${BASE.origin}${DURATION_S ? ` for ${DURATION_S} s` : ''}${COUNT ? `, ${COUNT} incidents` : ''}; at most ${MAX_OPEN} in play${TIME_SCALE === 1 ? '' : `; time ×${TIME_SCALE}`}`);
  await login('call_taker');
  await login('dispatcher');
  await learn();
  log(`signed in as call_taker and dispatcher; ${types.length} incident types, ${unitPlaces.length} units with a position`);
  if (DURATION_S) setTimeout(() => stop(`${DURATION_S} s elapsed`), DURATION_S * 1000).unref();
  const refresh = setInterval(() => {
    void api<{ items: Unit[] }>('dispatcher', 'GET', '/api/units?limit=5000')
      .then((u) => {
        const places = u.items.flatMap((x) => (x.position ? [x.position] : []));
        if (places.length) unitPlaces = places;
      })
      .catch(() => undefined);
  }, 60_000);
  refresh.unref();

  while (!soft.signal.aborted) {
    // Poisson arrivals: exponential gaps with mean 60/rate seconds.
    if (!(await wait((-Math.log(1 - rnd()) * 60_000) / RATE))) break;
    if (open.size >= MAX_OPEN) {
      log(`… ${open.size} incidents in play: this call waits`);
      while (open.size >= MAX_OPEN && !soft.signal.aborted) await Promise.race([...open, wait(1_000)]);
      if (soft.signal.aborted) break;
    }
    const n = ++serial;
    const p: Promise<void> = story(n)
      .catch((e: unknown) => {
        stats.errors++;
        log(`#${n}  ! ${(e as Error).message}`);
      })
      .finally(() => open.delete(p));
    open.add(p);
    if (COUNT && serial >= COUNT) {
      log(`■ ${COUNT} incident(s) created: no new calls; waiting for the ${open.size} in play to finish (Ctrl-C to wrap up now)`);
      break;
    }
  }
  await Promise.allSettled([...open]);
  clearInterval(refresh);
  log(`done: ${stats.created} incidents, ${stats.assigned} assignments, ${stats.positions} position reports, ${stats.onScene} on scene, ${stats.closed} closed, ${stats.awaitingApproval} awaiting approval, ${stats.errors} errors`);
}

main().then(
  () => process.exit(hard.signal.aborted ? 130 : 0),
  (e: unknown) => {
    console.error(`simulate: ${e instanceof Error ? e.message : String(e)}`);
    if (e instanceof Error && e.cause) console.error(`  cause: ${(e.cause as Error).message ?? e.cause}`);
    process.exit(1);
  },
);
