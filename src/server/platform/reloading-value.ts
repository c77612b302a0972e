/**
 * A value read from the database and kept for `ttlMs`: one load at a time, dropped by `invalidate()`
 * when a change commits. A load that overlapped a change is not kept (it may predate the change).
 * With `staleMs`, an expired copy still answers for that long while one reload runs behind it.
 */
export class ReloadingValue<T> {
  private value: { at: number; v: T } | null = null;
  private loading: Promise<T> | null = null;
  private generation = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly staleMs = 0,
  ) {}

  async get(): Promise<T> {
    const c = this.value;
    const age = c ? Date.now() - c.at : Infinity;
    if (c && age < this.ttlMs) return c.v;
    const loading = this.reload();
    if (c && age < this.ttlMs + this.staleMs) {
      loading.catch(() => undefined);
      return c.v;
    }
    return loading;
  }

  invalidate(): void {
    this.generation++;
    this.value = null;
    this.loading = null;
  }

  private reload(): Promise<T> {
    if (this.loading) return this.loading;
    const generation = this.generation;
    const at = Date.now();
    const loading: Promise<T> = this.load()
      .then((v) => {
        if (generation === this.generation) this.value = { at, v };
        return v;
      })
      .finally(() => {
        if (this.loading === loading) this.loading = null;
      });
    this.loading = loading;
    return loading;
  }
}
