/**
 * A binary min-heap of deadlines for the sans-IO CoAP core (DESIGN.md §2: the shell arms one
 * timer at the core's next deadline). Entries are never removed early: when one falls due the
 * core checks that what it names still exists and is still due (lazy deletion).
 */

export interface Deadline<K extends string = "retransmit" | "request" | "sweep"> {
  atMs: number;
  kind: K;
  key: string;
}

export class DeadlineHeap<K extends string = Deadline["kind"]> {
  #items: Deadline<K>[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(d: Deadline<K>): void {
    const a = this.#items;
    a.push(d);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent].atMs <= a[i].atMs) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  peek(): Deadline<K> | undefined {
    return this.#items[0];
  }

  /** Removes and returns the earliest deadline at or before `nowMs`. */
  popDue(nowMs: number): Deadline<K> | undefined {
    const a = this.#items;
    if (a.length === 0 || a[0].atMs > nowMs) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].atMs < a[m].atMs) m = l;
        if (r < a.length && a[r].atMs < a[m].atMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
