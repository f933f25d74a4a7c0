/**
 * The client agent: runs in the client namespace (`ip netns exec kha-lab-client node ... agent.ts`),
 * reads {@link AgentCommand} lines on stdin and answers {@link AgentReply} lines on stdout. It is
 * the only thing that sends requests to the VIP and the stand-ins. Usage:
 * `agent.ts --port 6443 --ca FILE`
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Endpoint, httpsRequest } from "./https-request";
import { IdleConnection } from "./idle";
import { RequestLoop } from "./loop";
import { AgentCommand, AgentReply } from "./protocol";

const { values } = parseArgs({ options: { port: { type: "string" }, ca: { type: "string" } } });
if (!values.port || !values.ca) {
  console.error("usage: agent.ts --port PORT --ca FILE");
  process.exit(2);
}
const ep: Endpoint = { port: Number(values.port), ca: readFileSync(values.ca) };
const loops = new Map<string, RequestLoop>();
const idles = new Map<string, IdleConnection>();

async function handle(cmd: AgentCommand): Promise<unknown> {
  switch (cmd.op) {
    case "request":
      return httpsRequest(ep, cmd);
    case "loop-start": {
      if (loops.has(cmd.loopId)) throw new Error(`loop ${cmd.loopId} exists`);
      const loop = new RequestLoop(ep, cmd);
      loops.set(cmd.loopId, loop);
      loop.start();
      return { started: true };
    }
    case "loop-stop": {
      const loop = loops.get(cmd.loopId);
      if (!loop) throw new Error(`no loop ${cmd.loopId}`);
      loops.delete(cmd.loopId);
      return loop.stop(cmd.drainMs);
    }
    case "idle-open": {
      if (idles.has(cmd.idleId)) throw new Error(`idle connection ${cmd.idleId} exists`);
      const idle = new IdleConnection(cmd.target, ep.port, ep.ca);
      idles.set(cmd.idleId, idle);
      try {
        return await idle.open(cmd.timeoutMs);
      } catch (e) {
        idles.delete(cmd.idleId);
        idle.destroy();
        throw e;
      }
    }
    case "idle-finish": {
      const idle = idles.get(cmd.idleId);
      if (!idle) throw new Error(`no idle connection ${cmd.idleId}`);
      idles.delete(cmd.idleId);
      return idle.finish(cmd.idleMs, cmd.timeoutMs);
    }
  }
}

const reply = (r: AgentReply): void => {
  process.stdout.write(JSON.stringify(r) + "\n");
};

createInterface({ input: process.stdin })
  .on("line", (line) => {
    let parsed: { id: number } & AgentCommand;
    try {
      parsed = JSON.parse(line) as { id: number } & AgentCommand;
    } catch {
      console.error(`agent: bad command line: ${line.slice(0, 200)}`);
      return;
    }
    handle(parsed).then(
      (result) => reply({ id: parsed.id, ok: true, result }),
      (e: unknown) => reply({ id: parsed.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  })
  .on("close", () => process.exit(0));
console.error("agent: ready");
