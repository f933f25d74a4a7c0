import { randomInt } from "node:crypto";
import { haproxyConfig, serialiseHaproxy } from "../core/plan/haproxy";
import { CHECK_SCRIPT_PATH, keepalivedConfig, serialiseKeepalived } from "../core/plan/keepalived";
import { fillTemplate } from "../core/plan/template";
import { LabTopology } from "./net/topology";

/** The load-balancer files exactly as the program renders them for a deployment. */
export interface LabLbFiles {
  /** haproxy.cfg, same for both LBs. */
  readonly haproxyCfg: string;
  /** keepalived.conf per LB name, with the real auth_pass in place. */
  readonly keepalivedConf: ReadonlyMap<string, string>;
  /** The tracked check script and where it goes. */
  readonly checkScript: { readonly path: string; readonly content: string };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random 8-character alphanumeric VRRP password (keepalived truncates auth_pass to 8). */
export function randomAuthPass(): string {
  return Array.from({ length: 8 }, () => ALNUM[randomInt(ALNUM.length)]).join("");
}

/** Renders haproxy.cfg, both keepalived.conf and the check script with core/plan's renderers. */
export function renderLbFiles(t: LabTopology, authPass: string = randomAuthPass()): LabLbFiles {
  const { spec } = t;
  const [a, b] = spec.loadBalancers;
  const keepalivedConf = new Map(spec.loadBalancers.map((self, index) => [
    self.name,
    serialiseKeepalived(keepalivedConfig(spec, { self, peer: index === 0 ? b : a, index, authPass })),
  ]));
  return {
    haproxyCfg: serialiseHaproxy(haproxyConfig(spec)),
    keepalivedConf,
    checkScript: { path: CHECK_SCRIPT_PATH, content: fillTemplate("check-apiserver-frontend", { API_PORT: spec.apiPort }) },
  };
}
