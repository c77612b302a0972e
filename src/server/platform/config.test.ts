import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the documented defaults: embedded database in ./data on port 8080 with demo data', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, embedded: true, SEED_DEMO: true, SESSION_IDLE_MINUTES: 30, AUTH_CACHE_SECONDS: 5 });
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });

  it('switches to PostgreSQL with DATABASE_URL and then seeds nothing unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toMatchObject({ embedded: false, SEED_DEMO: false });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db', SEED_DEMO: 'true' }).SEED_DEMO).toBe(true);
  });

  it('reads TRUST_PROXY as off, every hop, or the proxies\' addresses; never a hop count', () => {
    const trust = (v: string) => loadConfig({ TRUST_PROXY: v }).TRUST_PROXY;
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust(' , ')).toBe(false);
    expect(trust(' 10.0.0.5, 10.1.0.0/16 ,::1 ')).toBe('10.0.0.5,10.1.0.0/16,::1');
    for (const bad of ['1', '2', '10.0.0.300', '10.0.0.0/33', 'fd00::/129', 'proxy.local', '10.0.0.1/8/2']) {
      expect(() => trust(bad), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it('names every bad variable and what it expects', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: '99999', DATABASE_URL: 'mysql://x', DEMO_TOTP_SECRET: 'lower', CORS_ORIGINS: 'not a url' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/PORT: .*65535/);
    expect(msg).toMatch(/DATABASE_URL: a postgres:\/\/ or postgresql:\/\/ connection URL/);
    expect(msg).toMatch(/DEMO_TOTP_SECRET: a base32 secret/);
    expect(msg).toMatch(/CORS_ORIGINS/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8080);
  });

  it('asks for the S3 endpoint, bucket and keys when evidence goes to S3, naming each one missing', () => {
    expect(() => loadConfig({ EVIDENCE_STORE: 's3', EVIDENCE_S3_BUCKET: 'evidencias' })).toThrow(
      /EVIDENCE_S3_ENDPOINT: required when EVIDENCE_STORE=s3\n {2}EVIDENCE_S3_ACCESS_KEY_ID: required[^\n]*\n {2}EVIDENCE_S3_SECRET_ACCESS_KEY: required/,
    );
    expect(() => loadConfig({ EVIDENCE_STORE: 's3', EVIDENCE_S3_BUCKET: 'Bad_Bucket' })).toThrow(/EVIDENCE_S3_BUCKET: an S3 bucket name/);
    const ok = loadConfig({ EVIDENCE_STORE: 's3', EVIDENCE_S3_ENDPOINT: 'http://127.0.0.1:9000', EVIDENCE_S3_BUCKET: 'evidencias', EVIDENCE_S3_ACCESS_KEY_ID: 'centinela', EVIDENCE_S3_SECRET_ACCESS_KEY: 'a-long-secret' });
    expect(ok).toMatchObject({ EVIDENCE_STORE: 's3', EVIDENCE_S3_REGION: 'us-east-1', EVIDENCE_S3_PREFIX: '', EVIDENCE_S3_PATH_STYLE: true });
  });
});
