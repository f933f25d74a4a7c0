#!/usr/bin/env bash
# AWS load balancer: installs the AWS CLI and the script keepalived runs to move the VIP, and keeps
# the VIP out of the boot-time network config (only keepalived's MASTER may carry it).
set -euo pipefail
: "${NOTIFY_SCRIPT:?}"
: "${NOTIFY_SCRIPT_PATH:?}"
: "${VIP:?}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v aws >/dev/null 2>&1; then
  # Ubuntu's first boot runs unattended-upgrades, which holds the dpkg lock for a while.
  apt-get -o DPkg::Lock::Timeout=600 update -q
  # Ubuntu 22.04 ships awscli as a deb; newer releases only as a snap.
  apt-get -o DPkg::Lock::Timeout=600 install -y -q awscli || snap install aws-cli --classic
fi
install -d -m 0755 "$(dirname "$NOTIFY_SCRIPT_PATH")"
tmp=$(mktemp "${NOTIFY_SCRIPT_PATH}.XXXXXX")
printf '%s' "$NOTIFY_SCRIPT" >"$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$NOTIFY_SCRIPT_PATH"
echo "VIP mover installed: ${NOTIFY_SCRIPT_PATH}"

# cloud-init writes the ENI's secondary IPs into netplan (Ec2 datasource,
# apply_full_imds_network_config, on by default): an LB that had the VIP at boot keeps it after a
# reboot, even as BACKUP. Stop cloud-init from doing it again, and take the VIP out of its file.
install -d -m 0755 /etc/cloud/cloud.cfg.d
datasource_cfg=$'datasource:\n  Ec2:\n    apply_full_imds_network_config: false\n'
if [ "$(cat /etc/cloud/cloud.cfg.d/99-kubeadm-ha-vip.cfg 2>/dev/null || true)"$'\n' != "$datasource_cfg" ]; then
  printf '%s' "$datasource_cfg" >/etc/cloud/cloud.cfg.d/99-kubeadm-ha-vip.cfg
fi
changed=$(python3 - "$VIP" /etc/netplan <<'PY'
import glob, itertools, os, sys, yaml
vip, folder = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
    with open(path) as f:
        text = f.read()
    doc = yaml.safe_load(text) or {}
    changed = False
    for dev in ((doc.get("network") or {}).get("ethernets") or {}).values():
        kept = [a for a in dev.get("addresses") or [] if str(a).split("/")[0] != vip]
        if kept != (dev.get("addresses") or []):
            changed = True
            if kept:
                dev["addresses"] = kept
            else:
                del dev["addresses"]
    if changed:
        header = "".join(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines(True)))
        mode = os.stat(path).st_mode & 0o777
        tmp = path + ".kubeadm-ha"
        with open(tmp, "w") as f:
            f.write(header + yaml.safe_dump(doc, default_flow_style=False))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        print(path)
PY
)
if [ -n "$changed" ]; then
  # Regenerate the boot-time config only; `netplan apply` would touch the live addresses keepalived owns.
  netplan generate
  echo "removed ${VIP} from the boot-time network config: ${changed//$'\n'/ }"
fi
