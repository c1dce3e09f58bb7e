/**
 * What a firmware job hears from its device between polls (gateway/server/firmware.ts): the
 * notifications carrying /5/0/3 State or /5/0/5 Update Result, and new registrations (a device
 * re-registers after it rebooted into the new image, LwM2M Core §6.2). `wait` resolves at the
 * next such event or after a bounded time.
 */

import type { EventBus, GatewayEvent } from "./events.ts";

export type Wake = "notification" | "registration" | "timeout";

const WATCHED = ["/5/0/3", "/5/0/5"];

export class DeviceWatch {
  readonly #unsubscribe: () => void;
  #pending: Wake | null = null;
  #wake: ((w: Wake) => void) | null = null;

  constructor(
    events: EventBus,
    endpoint: string,
    onValues: (values: Record<string, unknown>) => void,
  ) {
    this.#unsubscribe = events.subscribe((e: GatewayEvent) => {
      if (e.type === "notification") {
        const values = e.values as Record<string, unknown> | undefined;
        if (!values || !WATCHED.some((p) => p in values)) return;
        onValues(values);
        this.#signal("notification");
      } else this.#signal("registration");
    }, {
      endpoints: new Set([endpoint]),
      types: new Set(["notification", "registered", "updated"]),
    });
  }

  #signal(w: Wake): void {
    // A registration asks for a Read, which outranks a notification already pending.
    if (this.#pending !== "registration") this.#pending = w;
    const wake = this.#wake;
    if (wake) {
      this.#wake = null;
      const pending = this.#pending;
      this.#pending = null;
      wake(pending);
    }
  }

  /** The next event since the previous wait, or "timeout" after `ms`. */
  wait(ms: number): Promise<Wake> {
    if (this.#pending) {
      const w = this.#pending;
      this.#pending = null;
      return Promise.resolve(w);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve("timeout");
      }, ms);
      this.#wake = (w) => {
        clearTimeout(timer);
        resolve(w);
      };
    });
  }

  close(): void {
    this.#unsubscribe();
    this.#wake?.("timeout");
    this.#wake = null;
  }
}
