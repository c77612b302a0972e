import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './platform/config.js';
import type { Database } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { buildHttp, auditContextOf, type App } from './platform/http/app.js';
import { Discretion } from './platform/discretion/discretion.js';
import { loadSigningKey, registerPublicKey, type SigningKey } from './platform/audit/signing-key.js';
import { checkpointIfDue, startCheckpointer, type CheckpointPolicy } from './platform/audit/checkpointer.js';
import { seedDemoUsers, type DemoAccount } from './seed/demo-users.js';
import { seedDemoEmergency } from './seed/demo-emergency.js';
import { AuthService } from './modules/identity/auth.service.js';
import { authRoutes } from './modules/identity/auth.routes.js';
import { UsersService } from './modules/identity/users.service.js';
import { usersRoutes } from './modules/identity/users.routes.js';
import { TokensService } from './modules/identity/tokens.service.js';
import { tokensRoutes } from './modules/identity/tokens.routes.js';
import { approvalsRoutes } from './modules/approvals/approvals.routes.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { Realtime, realtimeOptionsOf } from './platform/realtime/realtime.js';
import { IncidentsService } from './modules/emergency/incidents.service.js';
import { LifecycleService } from './modules/emergency/lifecycle.service.js';
import { DispatchService } from './modules/emergency/dispatch.service.js';
import { UnitsService } from './modules/emergency/units.service.js';
import { incidentsRoutes } from './modules/emergency/incidents.routes.js';
import { unitsRoutes } from './modules/emergency/units.routes.js';
import { linksRoutes } from './modules/emergency/links.routes.js';
import { LinksService } from './modules/emergency/links.service.js';
import { registerEmergencyTopics } from './modules/emergency/live-topics.js';
import { startEscalation } from './modules/emergency/escalation.js';
import { CatalogueAdmin } from './modules/emergency/catalogue-admin.js';
import { CATALOGUE_CHANNEL, IncidentTypeCache } from './modules/emergency/catalogue.js';
import { AUTH_CHANNEL, SessionCache } from './platform/auth/session-cache.js';
import { listenOn } from './platform/db/listen.js';
import { catalogueRoutes } from './modules/emergency/catalogue.routes.js';
import type { IncidentIntake } from './platform/intake/incident-intake.js';
import { ConductService } from './modules/conduct/conduct.service.js';
import { conductRoutes } from './modules/conduct/conduct.routes.js';
import { Open311Service } from './modules/open311/open311.service.js';
import { open311Routes } from './modules/open311/open311.routes.js';
import { open311KeysRoutes } from './modules/open311/api-keys.routes.js';
import { AmlService } from './modules/aml/aml.service.js';
import { amlApiRoutes, amlReceiverRoutes } from './modules/aml/aml.routes.js';
import { createCitizen } from './modules/citizen/citizen.module.js';
import { FieldService } from './modules/field/field.service.js';
import { fieldRoutes } from './modules/field/field.routes.js';
import { EvidenceService } from './modules/field/evidence.service.js';
import { evidenceRoutes } from './modules/field/evidence.routes.js';
import { evidenceStoreFrom } from './modules/field/evidence-store.js';
import { AuditSequencer } from './platform/audit/sequencer.js';

export type Centinela = {
  app: App;
  signingKey: SigningKey;
  seeded: DemoAccount[] | null;
  realtime: Realtime;
  checkpoint: (force?: boolean) => ReturnType<typeof checkpointIfDue>;
  stop: () => Promise<void>;
};

/** Composition root: migrates, seeds, wires services to routes; no I/O on import. */
export async function createCentinela(config: Config, database: Database, logger: FastifyBaseLogger | false): Promise<Centinela> {
  const { db, pool } = database;
  await migrate(pool);
  const { key: signingKey } = loadSigningKey({ keyFile: config.AUDIT_SIGNING_KEY_FILE, dataDir: config.dataDir });
  await registerPublicKey(db, signingKey);
  const seeded = config.SEED_DEMO ? await seedDemoUsers(db, { password: config.DEMO_PASSWORD, totpSecret: config.DEMO_TOTP_SECRET }) : null;
  // The 911 demo (units, a day of incidents) comes with the demo accounts, never on its own.
  if (seeded && config.SEED_DEMO_EMERGENCY) await seedDemoEmergency(db);

  const discretion = new Discretion(db);
  const auth = new AuthService(db, { maxFailures: config.LOGIN_MAX_FAILURES, lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS, absoluteHours: config.SESSION_ABSOLUTE_HOURS });
  const users = new UsersService(db, discretion);
  const tokens = new TokensService(db);
  const realtime = new Realtime(database, realtimeOptionsOf(config));
  const incidentTypes = new IncidentTypeCache(db);
  const incidents = new IncidentsService(db, discretion, incidentTypes);
  const lifecycle = new LifecycleService(db, discretion);
  const dispatch = new DispatchService(db, discretion);
  const units = new UnitsService(db);
  registerEmergencyTopics(realtime);
  // Citizen channels reach the 911 core through this port, never by importing its module.
  const intake: IncidentIntake = {
    create: (ctx, input, within) => incidents.create(ctx, input, within),
    addLocation: (ctx, id, loc, makeCurrent, within) => incidents.addLocation(ctx, id, loc, makeCurrent, within),
    selectLocation: (ctx, id, locationId, version, within) => incidents.selectLocation(ctx, id, locationId, version, within),
  };
  const conduct = new ConductService(db);
  const open311 = new Open311Service(db, intake, (ctx, input, within) => conduct.file(ctx, input, within));
  const aml = new AmlService(db, intake);
  // Citizen channels reach the 911 intake only through this gateway (modules never import each other).
  const citizen = createCitizen(db, config, { create: (ctx, input, attach) => incidents.create(ctx, input, attach), addMessage: (ctx, id, data, attach, location) => incidents.addMessage(ctx, id, data, attach, location) });
  const field = new FieldService(db, { positionSeconds: config.FIELD_POSITION_SECONDS, idleMinutes: config.FIELD_IDLE_MINUTES, showCallerPhone: config.FIELD_SHOW_CALLER_PHONE });
  const evidence = new EvidenceService(db, evidenceStoreFrom(config), field);

  const sessions = new SessionCache(config.AUTH_CACHE_SECONDS * 1000);
  const app = await buildHttp({ config, db, logger, sessions, onTokenUse: (p, req) => tokens.recordUse(p, auditContextOf({ principal: p, id: req.id, ip: req.ip })) });
  await realtime.mount(app);
  healthRoutes(app, { pool });
  await app.register(
    async (api) => {
      const a = api as unknown as App;
      authRoutes(a, { auth, config, db });
      tokensRoutes(a, { tokens });
      usersRoutes(a, { users, db });
      approvalsRoutes(a, { db, discretion });
      auditRoutes(a, { db });
      incidentsRoutes(a, { db, incidents, lifecycle, dispatch, agencyId: config.EIDO_AGENCY_ID });
      unitsRoutes(a, { db, units });
      linksRoutes(a, { db, links: new LinksService(db) });
      catalogueRoutes(a, { db, admin: new CatalogueAdmin(db, incidentTypes) });
      conductRoutes(a, { conduct });
      open311KeysRoutes(a, { open311 });
      amlApiRoutes(a, { aml });
      citizen.mount(a);
      fieldRoutes(a, { field });
      evidenceRoutes(a, { evidence, maxBytes: config.EVIDENCE_MAX_BYTES });
    },
    { prefix: '/api' },
  );
  await app.register(async (o) => open311Routes(o as unknown as App, { open311 }), { prefix: '/open311/v2' });
  await app.register(async (r) => amlReceiverRoutes(r as unknown as App, { aml, token: config.AML_TOKEN }), { prefix: config.AML_PATH });

  const policy: CheckpointPolicy = { origin: config.AUDIT_ORIGIN, everyEntries: config.AUDIT_CHECKPOINT_EVERY, everySeconds: config.AUDIT_CHECKPOINT_SECONDS };
  const warnCheckpoint = (message: string) => app.log.warn(message);
  // A first checkpoint at start, so a witness can take one from the first minute.
  await checkpointIfDue(db, signingKey, policy, false, warnCheckpoint);
  const sequencer = new AuditSequencer(database, (e) => app.log.error({ err: e }, 'audit sequencer failed'));
  await sequencer.start();
  const stopWatchingSessions = await listenOn(database, AUTH_CHANNEL, () => sessions.clear(), (e) => app.log.error({ err: e }, 'sessions LISTEN connection failed'));
  // Catalogue and dispatch-settings changes: every process drops the types and settings it keeps.
  const stopWatchingCatalogue = await listenOn(database, CATALOGUE_CHANNEL, () => { incidentTypes.invalidate(); dispatch.invalidate(); }, (e) => app.log.error({ err: e }, 'catalogue LISTEN connection failed'));
  const stopCheckpointer = startCheckpointer(db, signingKey, policy, (e) => app.log.error({ err: e }, 'audit checkpoint failed'), warnCheckpoint);
  await realtime.start();
  const stopEscalation = startEscalation(db, config.ESCALATION_CHECK_SECONDS * 1000, (e) => app.log.error({ err: e }, 'escalation check failed'));
  const stopCitizen = citizen.start((e) => app.log.error({ err: e }, 'citizen notifications failed'));
  return {
    app,
    signingKey,
    seeded,
    realtime,
    checkpoint: (force = true) => checkpointIfDue(db, signingKey, policy, force, warnCheckpoint),
    stop: async () => {
      await stopCheckpointer();
      await stopEscalation();
      await stopCitizen();
      await stopWatchingCatalogue();
      await stopWatchingSessions();
      await realtime.stop();
      await sequencer.stop().catch((e: unknown) => app.log.error({ err: e }, 'audit sequencer: final drain failed'));
      // Keep-alive connections become idle as their last request finishes: close them as they do.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
    },
  };
}
