/**
 * Leveled logger of the gateway shell: one line per event on stderr (stdout carries only the
 * `listening ...` line that scripts wait for). The sink is injectable so tests can collect lines.
 */

import { LOG_LEVELS, type LogLevel } from "./config.ts";

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** True when debug lines are written (skip building costly debug text otherwise). */
  readonly debugEnabled: boolean;
}

/** A logger that drops lines below `level` and hands the rest to `sink` (stderr by default). */
export function createLogger(
  level: LogLevel,
  sink: (line: string) => void = (line) => console.error(line),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const at = (l: LogLevel) => (message: string) => {
    if (LOG_LEVELS.indexOf(l) >= min) sink(`${new Date().toISOString()} ${l} ${message}`);
  };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    debugEnabled: min === 0,
  };
}
