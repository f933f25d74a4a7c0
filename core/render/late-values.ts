import { LATE, LateName } from "../plan/placeholders";

/** What each late value is, for PLAN.md: values known only once cloud resources exist. */
export const LATE_VALUES: Readonly<Record<LateName, string>> = {
  controlPlaneHost: "DNS name of the Network Load Balancer, the host part of the control-plane endpoint",
  publicApiAddress: "Elastic IP of the VIP, added to the api-server certificate",
};

/** Late values whose placeholder appears in `texts`, in {@link LATE} order. */
export function lateValuesIn(texts: Iterable<string>): { name: LateName; placeholder: string; meaning: string }[] {
  const all = [...texts].join("\n");
  return (Object.keys(LATE) as LateName[])
    .filter((name) => all.includes(LATE[name]))
    .map((name) => ({ name, placeholder: LATE[name], meaning: LATE_VALUES[name] }));
}
