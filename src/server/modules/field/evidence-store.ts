import fs from 'node:fs/promises';
import path from 'node:path';
import { AwsClient } from 'aws4fetch';

/** Where evidence bytes live: written once under a fresh key, read back, removed only if never recorded. */
export interface EvidenceStore {
  readonly kind: 'filesystem' | 's3';
  put(key: string, bytes: Buffer, sha256Hex: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Only for bytes whose database row never committed (a failed upload): evidence is never deleted. */
  discard(key: string): Promise<void>;
}

/** The store could not be reached or refused the request; the upload is answered 503 and retried by the device. */
export class EvidenceStoreError extends Error {}

const KEY = /^[0-9a-f]{2}\/[0-9a-f-]{36}$/;
const checkKey = (key: string) => {
  if (!KEY.test(key)) throw new Error(`bad evidence key ${key}`);
  return key;
};

/** Files under a directory (DATA_DIR/evidence by default), written once and never overwritten. */
export class FilesystemEvidenceStore implements EvidenceStore {
  readonly kind = 'filesystem';
  constructor(private readonly root: string) {}

  private file(key: string) {
    return path.join(this.root, checkKey(key));
  }

  async put(key: string, bytes: Buffer) {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a crash never leaves half a file under the final name.
    const tmp = `${file}.partial`;
    await fs.writeFile(tmp, bytes, { flag: 'wx', mode: 0o440 });
    await fs.rename(tmp, file);
  }

  async get(key: string) {
    return fs.readFile(this.file(key));
  }

  async discard(key: string) {
    await fs.rm(this.file(key), { force: true });
  }
}

export type S3Options = { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; prefix: string; pathStyle: boolean };

/**
 * Any S3-compatible object store (AWS S3, MinIO, Ceph RGW…), requests signed with SigV4.
 * Writes are conditional (If-None-Match: *) and carry the SHA-256, so the store refuses an overwrite or a corrupted body.
 */
export class S3EvidenceStore implements EvidenceStore {
  readonly kind = 's3';
  private readonly client: AwsClient;
  private readonly base: string;

  constructor(private readonly o: S3Options) {
    this.client = new AwsClient({ accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, service: 's3', region: o.region, retries: 2 });
    const u = new URL(o.endpoint);
    if (o.pathStyle) u.pathname = `${u.pathname.replace(/\/$/, '')}/${o.bucket}`;
    else u.hostname = `${o.bucket}.${u.hostname}`;
    this.base = u.toString().replace(/\/$/, '');
  }

  private url(key: string) {
    return `${this.base}/${this.o.prefix}${checkKey(key)}`;
  }

  private async send(method: string, key: string, init: { body?: Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {}) {
    try {
      return await this.client.fetch(this.url(key), { method, ...init, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new EvidenceStoreError(`S3 ${method} ${key}: ${(e as Error).message}`);
    }
  }

  private static async fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? res.statusText;
    throw new EvidenceStoreError(`S3 ${what}: ${res.status} ${code}`);
  }

  async put(key: string, bytes: Buffer, sha256Hex: string) {
    const res = await this.send('PUT', key, {
      body: new Uint8Array(bytes),
      headers: {
        'content-type': 'application/octet-stream',
        'if-none-match': '*',
        'x-amz-content-sha256': sha256Hex,
        'x-amz-checksum-sha256': Buffer.from(sha256Hex, 'hex').toString('base64'),
      },
    });
    // 412 on a fresh key: an earlier attempt of this same PUT (the client retries) already stored it whole.
    if (!res.ok && res.status !== 412) await S3EvidenceStore.fail(res, `PUT ${key}`);
    await res.arrayBuffer();
  }

  async get(key: string) {
    const res = await this.send('GET', key);
    if (!res.ok) await S3EvidenceStore.fail(res, `GET ${key}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async discard(key: string) {
    const res = await this.send('DELETE', key);
    if (!res.ok && res.status !== 404) await S3EvidenceStore.fail(res, `DELETE ${key}`);
    await res.arrayBuffer();
  }
}

type StoreConfig = {
  dataDir: string;
  EVIDENCE_STORE: 'filesystem' | 's3';
  EVIDENCE_DIR?: string | undefined;
  EVIDENCE_S3_ENDPOINT?: string | undefined;
  EVIDENCE_S3_BUCKET?: string | undefined;
  EVIDENCE_S3_REGION: string;
  EVIDENCE_S3_ACCESS_KEY_ID?: string | undefined;
  EVIDENCE_S3_SECRET_ACCESS_KEY?: string | undefined;
  EVIDENCE_S3_PREFIX: string;
  EVIDENCE_S3_PATH_STYLE: boolean;
};

/** The store the configuration names (the config schema already required the S3 settings). */
export function evidenceStoreFrom(c: StoreConfig): EvidenceStore {
  if (c.EVIDENCE_STORE === 'filesystem') return new FilesystemEvidenceStore(c.EVIDENCE_DIR ?? path.join(c.dataDir, 'evidence'));
  return new S3EvidenceStore({
    endpoint: c.EVIDENCE_S3_ENDPOINT!,
    bucket: c.EVIDENCE_S3_BUCKET!,
    region: c.EVIDENCE_S3_REGION,
    accessKeyId: c.EVIDENCE_S3_ACCESS_KEY_ID!,
    secretAccessKey: c.EVIDENCE_S3_SECRET_ACCESS_KEY!,
    prefix: c.EVIDENCE_S3_PREFIX,
    pathStyle: c.EVIDENCE_S3_PATH_STYLE,
  });
}
