/**
 * Runs `task` one run at a time, and starts runs at most once per `minIntervalMs`. A kick while a run
 * is under way, or too soon after the last start, becomes one later run; an idle runner runs at once.
 * The relay and the audit sequencer use it: under load they read in windows instead of once per commit.
 */
export class PacedRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastStart = 0;
  private later: { timer: NodeJS.Timeout; done: Promise<void>; fire: () => void } | null = null;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly minIntervalMs: number,
  ) {}

  /** Asks for a run soon; asks while one runs, or within minIntervalMs of the last start, collapse into one. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastStart + this.minIntervalMs - Date.now();
    if (wait > 0) {
      if (!this.later) {
        let fire!: () => void;
        const done = new Promise<void>((resolve) => (fire = resolve));
        const timer = setTimeout(() => {
          this.later = null;
          this.kick();
          fire();
        }, wait);
        timer.unref();
        this.later = { timer, done, fire };
      }
      return;
    }
    this.lastStart = Date.now();
    this.running = this.task().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** From inside the task: more is waiting, so the next run starts as soon as this one ends, not after the interval. */
  runAgainAtOnce(): void {
    this.lastStart = 0;
    this.again = true;
  }

  /** Resolves once the runs asked for so far are done (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.running || this.later) await (this.running ?? this.later?.done);
  }

  /** No more runs: a delayed one is dropped, the current one is waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.later) {
      clearTimeout(this.later.timer);
      this.later.fire();
      this.later = null;
    }
    await this.settle();
  }
}
