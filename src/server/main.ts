import { loadConfig, ConfigError } from './platform/config.js';
import { openDatabase } from './platform/db/database.js';
import { acquireDataDirLock, DataDirLockedError } from './platform/db/lock.js';
import { createLogger } from './platform/logger.js';
import { createCentinela } from './app.js';

/** Process entry: config → lock → database → application → listen; SIGTERM/SIGINT drain and close. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
  const logger = createLogger(config.LOG_LEVEL);
  let release: () => void = () => undefined;
  if (config.embedded) {
    try {
      release = acquireDataDirLock(config.dataDir);
    } catch (e) {
      if (e instanceof DataDirLockedError) {
        console.error(e.message);
        process.exit(75);
      }
      throw e;
    }
  }
  const database = config.embedded
    ? await openDatabase({ kind: 'pglite', dataDir: config.dataDir })
    : await openDatabase({ kind: 'postgres', url: config.DATABASE_URL!, poolSize: config.DATABASE_POOL_SIZE });
  const centinela = await createCentinela(config, database, logger);
  await centinela.app.listen({ port: config.PORT, host: config.HOST });

  const url = `http://${config.HOST === '0.0.0.0' || config.HOST === '127.0.0.1' ? 'localhost' : config.HOST}:${config.PORT}`;
  const lines = [
    '',
    `Centinela está listo / is ready: ${url}`,
    `  base de datos / database: ${config.embedded ? `PGlite (embedded) in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
    `  API: ${url}/api/docs`,
  ];
  if (centinela.seeded) {
    lines.push(
      '  Cuentas demo / demo accounts (usuario = rol / username = role):',
      `    ${centinela.seeded.map((a) => a.username + (a.mfa ? '*' : '')).join(', ')}`,
      `    contraseña / password: DEMO_PASSWORD (default "Centinela-Demo-2026")`,
      `    * TOTP: DEMO_TOTP_SECRET (default JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP)`,
    );
  } else if (config.SEED_DEMO) {
    lines.push('  Cuentas demo ya creadas: ver README / demo accounts exist already: see README');
  }
  console.log(lines.join('\n') + '\n');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await centinela.stop();
      logger.info('http closed');
      await database.close();
      logger.info('database closed');
    } finally {
      release();
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
