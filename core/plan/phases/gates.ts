import { allHosts } from "../../config/types";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { PhaseContext, step } from "./context";

/** Every host, in parallel: wait until it answers SSH, sudo works and cloud-init is done. */
export function waitForSsh({ spec }: PhaseContext): PlanStep[] {
  return allHosts(spec).map((h) =>
    step({
      host: h.name,
      phase: "wait-ssh",
      description: "wait for SSH, sudo and cloud-init",
      run: stepScript("wait-ssh"),
      after: [],
      waitForSsh: true,
    }),
  );
}
