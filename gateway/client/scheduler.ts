/**
 * Clock and timers of the client shell (DESIGN.md §2: the clock is injected): `Scheduler` is what
 * clients use (monotonic `nowMs`, wall-clock `wallMs` for the Device object's Current Time, and
 * one-shot timers). `TimerScheduler` runs every timer of a whole fleet from one heap and one
 * `setTimeout`, which keeps a simulated client to a few bytes of timer state; `ManualScheduler`
 * lets tests move time by hand with literal milliseconds.
 */

export interface TimerHandle {
  readonly atMs: number;
  cancelled: boolean;
}

export interface Scheduler {
  /** Monotonic milliseconds. */
  nowMs(): number;
  /** Wall-clock milliseconds since 1970 (Device Current Time, SenML times). */
  wallMs(): number;
  /** Runs `fn` once at `atMs` (monotonic); cancel with `cancel`. */
  at(atMs: number, fn: () => void): TimerHandle;
  cancel(handle: TimerHandle | null | undefined): void;
}

interface Entry extends TimerHandle {
  fn: () => void;
  seq: number;
}

/** A binary heap of timers ordered by (atMs, insertion). */
class TimerHeap {
  readonly items: Entry[] = [];

  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(a[p], a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** Runs due timers in order; a callback that throws is reported, the others still run. */
function runDue(heap: TimerHeap, nowMs: number, onError: (e: unknown) => void): void {
  for (let e = heap.peek(); e && e.atMs <= nowMs; e = heap.peek()) {
    heap.pop();
    if (e.cancelled) continue;
    e.cancelled = true;
    try {
      e.fn();
    } catch (error) {
      onError(error);
    }
  }
}

/** Real time: one `setTimeout` armed at the earliest timer. */
export class TimerScheduler implements Scheduler {
  readonly #heap = new TimerHeap();
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;
  #stopped = false;
  readonly #onError: (e: unknown) => void;

  constructor(onError: (e: unknown) => void = (e) => console.error("client timer failed:", e)) {
    this.#onError = onError;
  }

  nowMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  at(atMs: number, fn: () => void): TimerHandle {
    const e: Entry = { atMs, fn, cancelled: false, seq: this.#seq++ };
    this.#heap.push(e);
    this.#arm();
    return e;
  }

  cancel(handle: TimerHandle | null | undefined): void {
    if (handle) handle.cancelled = true;
  }

  /** Pending timers (cancelled ones are dropped lazily). */
  get size(): number {
    return this.#heap.items.length;
  }

  /** Stops firing (pending timers are dropped). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#heap.items.length = 0;
  }

  #arm(): void {
    if (this.#stopped) return;
    while (this.#heap.peek()?.cancelled) this.#heap.pop();
    const next = this.#heap.peek();
    if (!next) {
      clearTimeout(this.#timer);
      this.#armedAt = Infinity;
      return;
    }
    if (next.atMs >= this.#armedAt) return;
    clearTimeout(this.#timer);
    this.#armedAt = next.atMs;
    const delay = Math.min(Math.max(0, next.atMs - this.nowMs()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#armedAt = Infinity;
      runDue(this.#heap, this.nowMs(), this.#onError);
      this.#arm();
    }, delay);
  }
}

/** Test time: nothing fires until `advance` or `runUntil` moves the clock. */
export class ManualScheduler implements Scheduler {
  readonly #heap = new TimerHeap();
  #seq = 0;
  #now: number;
  readonly wallOffsetMs: number;

  constructor(startMs = 0, wallOffsetMs = 1_700_000_000_000) {
    this.#now = startMs;
    this.wallOffsetMs = wallOffsetMs;
  }

  nowMs(): number {
    return this.#now;
  }

  wallMs(): number {
    return this.wallOffsetMs + this.#now;
  }

  at(atMs: number, fn: () => void): TimerHandle {
    const e: Entry = { atMs, fn, cancelled: false, seq: this.#seq++ };
    this.#heap.push(e);
    return e;
  }

  cancel(handle: TimerHandle | null | undefined): void {
    if (handle) handle.cancelled = true;
  }

  /** The earliest pending timer's time, or null. */
  nextAtMs(): number | null {
    while (this.#heap.peek()?.cancelled) this.#heap.pop();
    return this.#heap.peek()?.atMs ?? null;
  }

  /** Moves the clock to `toMs`, firing due timers in order (each at its own time). */
  runUntil(toMs: number): void {
    for (;;) {
      const next = this.nextAtMs();
      if (next === null || next > toMs) break;
      this.#now = Math.max(this.#now, next);
      runDue(this.#heap, this.#now, (e) => {
        throw e;
      });
    }
    this.#now = Math.max(this.#now, toMs);
  }

  advance(ms: number): void {
    this.runUntil(this.#now + ms);
  }
}
