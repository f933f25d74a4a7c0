import { closeSync, openSync, writeSync } from "node:fs";
import { LabError } from "./errors";
import { nowMs } from "./time";

/** One output line of a daemon, stamped when the lab read it. */
export interface LogLine {
  /** Wall-clock ms when the line arrived. */
  readonly at: number;
  /** Which stream. */
  readonly stream: "stdout" | "stderr";
  /** The text, without newline. */
  readonly text: string;
}

const MAX_LINES = 20_000;

/**
 * The output of one daemon: every line is stamped on arrival (HAProxy's `log stdout format raw`
 * and keepalived's console carry no usable time), written to a file, and kept in memory (bounded)
 * so drills can wait for a line such as `Server kube-apiserver/cp1 is DOWN`.
 */
export class LogBook {
  private readonly lines: LogLine[] = [];
  private readonly waiters = new Set<(line: LogLine) => void>();
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.fd = openSync(file, "a");
  }

  /** Records a line. */
  add(stream: LogLine["stream"], text: string): void {
    const line = { at: nowMs(), stream, text };
    if (this.lines.length >= MAX_LINES) this.lines.shift();
    this.lines.push(line);
    if (this.fd !== undefined)
      writeSync(this.fd, `${new Date(line.at).toISOString()} ${stream === "stderr" ? "E" : "O"} ${text}\n`);
    for (const w of [...this.waiters]) w(line);
  }

  /** Writes a note from the lab itself into the log. */
  note(text: string): void {
    this.add("stderr", `[lab] ${text}`);
  }

  /** First line matching `re` that arrived at or after `since`. */
  find(re: RegExp, since = 0): LogLine | undefined {
    return this.lines.find((l) => l.at >= since && re.test(l.text));
  }

  /** Every line matching `re` since `since`. */
  all(re: RegExp, since = 0): LogLine[] {
    return this.lines.filter((l) => l.at >= since && re.test(l.text));
  }

  /** Waits (bounded) for a line matching `re` that arrives at or after `since`. */
  waitFor(re: RegExp, since: number, timeoutMs: number): Promise<LogLine> {
    const seen = this.find(re, since);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onLine = (l: LogLine): void => {
        if (l.at >= since && re.test(l.text)) {
          clearTimeout(timer);
          this.waiters.delete(onLine);
          resolve(l);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(onLine);
        reject(new LabError(`no log line matching ${re} in ${this.file} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(onLine);
    });
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
