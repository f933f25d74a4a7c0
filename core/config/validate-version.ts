import { show } from "./problems";
import { Report } from "./report";
import { RawConfig } from "./schema";

/** Oldest and newest Kubernetes minor this program knows how to configure. */
export const SUPPORTED_MINORS = { min: 28, max: 35 } as const;

/**
 * `kubernetesVersion` is X.Y.Z within {@link SUPPORTED_MINORS}. Returns the minor (Y) when the
 * version has that form, even out of range (then a problem is reported), else undefined.
 */
export function validateVersion(c: Pick<RawConfig, "kubernetesVersion">, report: Report): number | undefined {
  const version = /^(\d+)\.(\d+)\.(\d+)$/.exec(c.kubernetesVersion);
  if (!version) {
    report(
      ["kubernetesVersion"],
      `${show(c.kubernetesVersion)} is not a version X.Y.Z (e.g. "1.32.3", no leading "v")`,
    );
    return undefined;
  }
  const minor = Number(version[2]);
  if (version[1] !== "1" || minor < SUPPORTED_MINORS.min || minor > SUPPORTED_MINORS.max) {
    report(
      ["kubernetesVersion"],
      `${show(c.kubernetesVersion)} is outside the supported range 1.${SUPPORTED_MINORS.min}.0 to 1.${SUPPORTED_MINORS.max}.x (kubeadm config v1beta3 below 1.31, v1beta4 from 1.31)`,
    );
  }
  return minor;
}
