import { Daemon, startDaemon } from "../lib/daemon";
import { LabError } from "../lib/errors";
import { withTimeout } from "../lib/time";
import { AgentCommand, AgentReply, ResultOf } from "./protocol";

/** The lab's side of the client agent: sends commands, awaits replies (each with a deadline). */
export class AgentHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: AgentReply) => void>();
  private readonly daemon: Daemon;

  constructor(opts: {
    ns: string;
    node: string;
    script: string;
    cwd: string;
    port: number;
    caFile: string;
    logFile: string;
  }) {
    this.daemon = startDaemon({
      name: "client-agent",
      ns: opts.ns,
      argv: [opts.node, "--import", "tsx", opts.script, "--port", String(opts.port), "--ca", opts.caFile],
      logFile: opts.logFile,
      stdin: true,
      cwd: opts.cwd,
      onStdout: (line) => {
        try {
          const r = JSON.parse(line) as AgentReply;
          this.waiting.get(r.id)?.(r);
        } catch {
          // a stray line; it is in the log
        }
      },
    });
  }

  /** Waits until the agent process is up (its "ready" line). */
  async ready(timeoutMs: number): Promise<void> {
    await this.daemon.log.waitFor(/^agent: ready$/, 0, timeoutMs);
  }

  /** Sends a command; rejects when the agent reports an error or misses `deadlineMs`. */
  async call<C extends AgentCommand>(cmd: C, deadlineMs: number): Promise<ResultOf[C["op"]]> {
    if (!this.daemon.running()) throw new LabError("client agent is not running");
    const id = this.nextId++;
    const answer = new Promise<AgentReply>((resolve) => this.waiting.set(id, resolve));
    this.daemon.stdin?.write(JSON.stringify({ id, ...cmd }) + "\n");
    try {
      const r = await withTimeout(`client agent answer to ${cmd.op}`, answer, deadlineMs);
      if (!r.ok) throw new LabError(`client agent: ${r.error}`);
      return r.result as ResultOf[C["op"]];
    } finally {
      this.waiting.delete(id);
    }
  }

  /** Ends the agent. */
  async stop(): Promise<void> {
    this.daemon.stdin?.end();
    await this.daemon.stop(2_000);
  }
}
