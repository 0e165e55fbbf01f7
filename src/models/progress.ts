/** parley's own download progress: a redrawn bar on a terminal, plain lines otherwise. */
import { formatBytes } from "./describe.js";
import type { PullEvent } from "./download.js";

export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 360_000) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** "12.0 MB / 40.0 MB  30%  5.1 MB/s  00:05 left" */
export function progressText(done: number, total: number, speed: number, secondsLeft: number): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
  const rate = speed > 0 ? `${formatBytes(speed)}/s` : "--/s";
  return `${formatBytes(done)} / ${formatBytes(total)}  ${String(percent).padStart(3)}%  ${rate}  ${duration(secondsLeft)} left`;
}

export function progressBar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/**
 * Returns an event handler that reports a pull on `out`. On a terminal the bar is redrawn at most
 * ten times a second; otherwise a line is written at each further tenth of the file.
 */
export function progressReporter(out: ProgressTarget, now: () => number = Date.now): (event: PullEvent) => void {
  const tty = out.isTTY === true;
  let lastDraw = 0;
  let lastTenth = -1;
  let drawn = false;
  const endBar = (): void => {
    if (drawn) out.write("\n");
    drawn = false;
  };
  return (event) => {
    switch (event.type) {
      case "resolving":
        out.write(`Looking up ${event.ref}\n`);
        return;
      case "waiting":
        out.write(
          `Waiting: another parley${event.pid > 0 ? ` (process ${event.pid})` : ""} is downloading this model\n`,
        );
        return;
      case "start":
        out.write(
          `Downloading ${event.file}${event.size > 0 ? ` (${formatBytes(event.size)})` : ""} from ${event.from}` +
            (event.resumedAt > 0 ? `, resuming at ${formatBytes(event.resumedAt)}` : "") +
            "\n",
        );
        return;
      case "progress": {
        const text = progressText(event.done, event.total, event.speed, event.secondsLeft);
        if (tty) {
          const t = now();
          if (t - lastDraw < 100 && event.done < event.total) return;
          lastDraw = t;
          const width = Math.max(10, Math.min(40, (out.columns ?? 80) - text.length - 4));
          out.write(`\r\u001b[2K${progressBar(event.done, event.total, width)} ${text}`);
          drawn = true;
          return;
        }
        const tenth = event.total > 0 ? Math.floor((event.done / event.total) * 10) : 0;
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        out.write(`${text}\n`);
        return;
      }
      case "checking":
        endBar();
        out.write("Checking the file\n");
        return;
      case "done":
        endBar();
        out.write(`Saved ${event.path} (${formatBytes(event.size)})\n`);
        return;
      case "stopped":
        endBar();
        return;
    }
  };
}
