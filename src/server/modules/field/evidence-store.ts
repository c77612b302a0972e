import fs from 'node:fs/promises';
import path from 'node:path';

/** Where evidence bytes live; an S3-compatible store would implement the same two calls. */
export interface EvidenceStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
}

/** Files under a directory (DATA_DIR/evidence by default), written once and never overwritten. */
export class FilesystemEvidenceStore implements EvidenceStore {
  constructor(private readonly root: string) {}

  private file(key: string) {
    if (!/^[0-9a-f]{2}\/[0-9a-f-]{36}$/.test(key)) throw new Error(`bad evidence key ${key}`);
    return path.join(this.root, key);
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
}
