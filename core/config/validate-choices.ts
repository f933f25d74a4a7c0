import { show } from "./problems";
import { Report } from "./report";
import { RawConfig } from "./schema";

/** `platform` is one this program gets hosts from. */
export function validatePlatform(c: Pick<RawConfig, "platform">, report: Report): void {
  if (c.platform !== "baremetal" && c.platform !== "aws")
    report(["platform"], `${show(c.platform)} is not a platform; valid: "baremetal", "aws"`);
}

/** `cni` is an add-on this program can apply. */
export function validateCni(c: Pick<RawConfig, "cni">, report: Report): void {
  if (c.cni !== "flannel" && c.cni !== "calico" && c.cni !== "none") {
    report(["cni"], `${show(c.cni)} is not a supported CNI; valid: "flannel", "calico", "none"`);
  }
}
