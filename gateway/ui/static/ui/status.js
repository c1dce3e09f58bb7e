/**
 * A device's live status as the dashboard shows it (LwM2M Core §6.2 registration, §6.5 queue
 * mode): registered; for queue-mode clients sleeping or awake; deregistered or expired once an
 * event says so. Shared by the device list, the device page and the fleet grid.
 */

import { h } from "./dom.js";

/** @param {any} reg a Registration (docs/api.md) */
export function statusOf(reg) {
  if (reg.queueMode) return reg.sleeping ? "sleeping" : "awake";
  return "registered";
}

/** A coloured badge for a status. @param {string} status */
export function statusBadge(status) {
  return h("span", { class: `badge ${status}` }, status);
}
