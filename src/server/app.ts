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
import { registerEmergencyTopics } from './modules/emergency/live-topics.js';
import { startEscalation } from './modules/emergency/escalation.js';
import { CatalogueAdmin } from './modules/emergency/catalogue-admin.js';
import { catalogueRoutes } from './modules/emergency/catalogue.routes.js';
import { createCitizen } from './modules/citizen/citizen.module.js';

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
  const incidents = new IncidentsService(db, discretion);
  const lifecycle = new LifecycleService(db, discretion);
  const dispatch = new DispatchService(db, discretion);
  const units = new UnitsService(db);
  registerEmergencyTopics(realtime);
  // Citizen channels reach the 911 intake only through this gateway (modules never import each other).
  const citizen = createCitizen(db, config, { create: (ctx, input, attach) => incidents.create(ctx, input, attach), addMessage: (ctx, id, data, attach, location) => incidents.addMessage(ctx, id, data, attach, location) });

  const app = await buildHttp({ config, db, logger, onTokenUse: (p, req) => tokens.recordUse(p, auditContextOf({ principal: p, id: req.id, ip: req.ip })) });
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
      catalogueRoutes(a, { db, admin: new CatalogueAdmin(db) });
      citizen.mount(a);
    },
    { prefix: '/api' },
  );

  const policy: CheckpointPolicy = { origin: config.AUDIT_ORIGIN, everyEntries: config.AUDIT_CHECKPOINT_EVERY, everySeconds: config.AUDIT_CHECKPOINT_SECONDS };
  // A first checkpoint at start, so a witness can take one from the first minute.
  await checkpointIfDue(db, signingKey, policy);
  const stopCheckpointer = startCheckpointer(db, signingKey, policy, (e) => app.log.error({ err: e }, 'audit checkpoint failed'));
  await realtime.start();
  const stopEscalation = startEscalation(db, config.ESCALATION_CHECK_SECONDS * 1000, (e) => app.log.error({ err: e }, 'escalation check failed'));
  const stopCitizen = citizen.start((e) => app.log.error({ err: e }, 'citizen notifications failed'));
  return {
    app,
    signingKey,
    seeded,
    realtime,
    checkpoint: (force = true) => checkpointIfDue(db, signingKey, policy, force),
    stop: async () => {
      await stopCheckpointer();
      await stopEscalation();
      await stopCitizen();
      await realtime.stop();
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
