import { stepOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { PhaseContext, step } from "./context";

/** Checks 5 s apart for the etcd quorum and the api-server (5 minutes). */
const ENDPOINT_ATTEMPTS = 60;

/**
 * etcdHosts only, each control plane after its join, one at a time: its api-server's
 * `--etcd-servers` and the kubeadm-config ConfigMap follow the configured etcd hosts. kubeadm
 * writes both once, at init, so without this step an etcd host added or removed later never
 * reaches the api-servers. A no-op when they already agree (every bring-up).
 */
export function etcdEndpointsPhase(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  if (spec.etcdHosts.length === 0 || spec.etcd.mode !== "external") return [];
  const endpoints = spec.etcd.endpoints.join(",");
  const steps: PlanStep[] = [];
  for (const cp of spec.controlPlanes) {
    const previous = steps.length > 0 ? [steps[steps.length - 1].id] : [];
    steps.push(
      step({
        host: cp.name,
        phase: "etcd-endpoints",
        description: `the api-server's --etcd-servers and the kubeadm-config ConfigMap name the etcd hosts (${endpoints}); changed only once a quorum of them answers`,
        run: stepScript("etcd-endpoints", {
          ENDPOINTS: endpoints,
          API_PORT: spec.apiPort,
          ATTEMPTS: ENDPOINT_ATTEMPTS,
        }),
        after: [stepOf(ctx.before, "kubeadm-join", cp.name).id, ...previous],
      }),
    );
  }
  return steps;
}
