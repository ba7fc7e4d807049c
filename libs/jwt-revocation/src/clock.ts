/** The one source of time for the library (ms since the epoch). Override the `Clock` provider to move time in tests. */
export abstract class Clock {
  abstract now(): number;
}

/** `Date.now()`. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/**
 * A clock that only moves when told to, for tests: replace the `Clock` provider with it
 * (`.overrideProvider(Clock).useValue(new ManualClock())`) and move time past expiries and timeouts.
 */
export class ManualClock extends Clock {
  constructor(private current = Date.now()) {
    super();
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the time (ms since the epoch). */
  set(ms: number): void {
    this.current = ms;
  }
}
