import { SECRET_SET } from "./normalize";
import { checkRange, Report } from "./report";
import { RawConfig } from "./schema";

/** `sshPrivateKey` is set (its value never reaches the spec). */
export function validateSshKey(c: Pick<RawConfig, "sshPrivateKey">, report: Report): void {
  if (c.sshPrivateKey !== SECRET_SET) {
    report(["sshPrivateKey"], "is required: run `pulumi config set --secret kubeadm-ha:sshPrivateKey < ~/.ssh/id_ed25519`");
  }
}

/** `apiPort` and `sshPort` are TCP ports. */
export function validatePorts(c: Pick<RawConfig, "apiPort" | "sshPort">, report: Report): void {
  checkRange(report, ["apiPort"], c.apiPort, 1, 65535);
  checkRange(report, ["sshPort"], c.sshPort, 1, 65535);
}

/** `bastion`, when set, names a host and a TCP port. */
export function validateBastion(c: Pick<RawConfig, "bastion">, report: Report): void {
  if (c.bastion?.port !== undefined) checkRange(report, ["bastion", "port"], c.bastion.port, 1, 65535);
  if (c.bastion && c.bastion.host.trim() === "") report(["bastion", "host"], "is empty; give the jump host's address");
}
