/**
 * Rate-limited logging of dropped datagrams (issue 3: every drop is logged with its reason and
 * counted; a flood must not flood the log). Per reason: the first drop of each window is logged
 * with its peer and detail, the rest of the window is summarised as a count when the next line
 * for that reason is written.
 */

import type { Logger } from "./log.ts";

export function createDropLogger(log: Logger, windowMs = 10_000, clock: () => number = Date.now) {
  const windows = new Map<string, { startMs: number; suppressed: number }>();
  return (peer: string, reason: string, detail?: string): void => {
    const now = clock();
    const w = windows.get(reason);
    if (w && now - w.startMs < windowMs) {
      w.suppressed++;
      return;
    }
    const more = w && w.suppressed > 0
      ? ` (+${w.suppressed} more ${reason} drops in the previous window)`
      : "";
    windows.set(reason, { startMs: now, suppressed: 0 });
    log.info(`coap drop from ${peer}: ${reason}${detail ? ` (${detail})` : ""}${more}`);
  };
}
