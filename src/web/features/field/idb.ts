/** A minimal promise wrapper over IndexedDB: the device's outbox and its credentials survive reloads and restarts. */
const DB_NAME = 'centinela-field';
const VERSION = 1;

export type StoreName = 'queue' | 'kv' | 'done';

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
      db.createObjectStore('kv');
      db.createObjectStore('done', { keyPath: 'seq' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
  });
  return opening;
}

const done = <T>(req: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });

export async function idb<T>(store: StoreName, mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  return done(run(db.transaction(store, mode).objectStore(store)));
}

export const kvGet = <T>(key: string) => idb<T | undefined>('kv', 'readonly', (s) => s.get(key) as IDBRequest<T | undefined>);
export const kvSet = (key: string, value: unknown) => idb('kv', 'readwrite', (s) => s.put(value, key));
export const kvDelete = (key: string) => idb('kv', 'readwrite', (s) => s.delete(key));
