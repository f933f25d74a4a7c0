/** Checks of the day-two keys: the etcd snapshot schedule, its retention and the S3 copy. */
import { show } from "./problems";
import { checkRange, Report } from "./report";
import { RawConfig } from "./schema";
import { EtcdSnapshotSpec } from "./types";

/** The day-two keys and the keys they depend on. */
type Day2Keys = Pick<
  RawConfig,
  | "platform"
  | "clusterName"
  | "externalEtcdEndpoints"
  | "etcdSnapshotInterval"
  | "etcdSnapshotRetention"
  | "etcdSnapshotBucket"
  | "upgradeMaxUnavailable"
>;

/** Bounds of `upgradeMaxUnavailable`: workers drained at once during an upgrade. */
export const UPGRADE_MAX_UNAVAILABLE = { min: 1, max: 100 } as const;

/** Bounds of `etcdSnapshotInterval`, in minutes: a quarter of an hour to a week. */
export const SNAPSHOT_INTERVAL_MINUTES = { min: 15, max: 7 * 24 * 60 } as const;

/** Bounds of `etcdSnapshotRetention`. */
export const SNAPSHOT_RETENTION = { min: 1, max: 100 } as const;

// Minutes per unit; m, h and d mean the same to systemd (systemd.time(7)), so the value is used as given.
const UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 24 * 60 };

// S3 bucket names: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit (AWS "Bucket naming rules").
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Object key prefix segments: the characters AWS lists as safe in keys, without `/` at either end.
const PREFIX_SEGMENT = /^[A-Za-z0-9!_.*'()-]+$/;

/** Minutes of an interval such as `6h`, or undefined when it is not a whole number with m, h or d. */
export function intervalMinutes(value: string): number | undefined {
  const m = /^([1-9][0-9]{0,5})([mhd])$/.exec(value);
  return m ? Number(m[1]) * UNIT_MINUTES[m[2]] : undefined;
}

/** Reports every problem of the day-two keys. */
export function validateDay2(c: Day2Keys, report: Report): void {
  const minutes = intervalMinutes(c.etcdSnapshotInterval);
  const { min, max } = SNAPSHOT_INTERVAL_MINUTES;
  if (minutes === undefined) {
    report(
      ["etcdSnapshotInterval"],
      `${show(c.etcdSnapshotInterval)} is not a time span such as "6h", "30m" or "1d" (a whole number with m, h or d)`,
    );
  } else if (minutes < min || minutes > max) {
    report(["etcdSnapshotInterval"], `${show(c.etcdSnapshotInterval)} is out of range; valid: 15m to 7d`);
  }
  checkRange(
    report,
    ["etcdSnapshotRetention"],
    c.etcdSnapshotRetention,
    SNAPSHOT_RETENTION.min,
    SNAPSHOT_RETENTION.max,
  );
  if (c.etcdSnapshotBucket !== undefined) validateBucket(c, c.etcdSnapshotBucket, report);
  const { min: lanesMin, max: lanesMax } = UPGRADE_MAX_UNAVAILABLE;
  checkRange(report, ["upgradeMaxUnavailable"], c.upgradeMaxUnavailable, lanesMin, lanesMax);
}

function validateBucket(c: Day2Keys, value: string, report: Report): void {
  if (c.platform !== "aws") {
    report(
      ["etcdSnapshotBucket"],
      `${show(value)} is set on platform ${show(c.platform)}; snapshots are copied to S3 on platform "aws" only (remove the key, and copy /var/lib/kubeadm-ha/etcd-snapshots off the hosts yourself)`,
    );
    return;
  }
  if (c.externalEtcdEndpoints.length > 0) {
    report(
      ["etcdSnapshotBucket"],
      `${show(value)} is set with externalEtcdEndpoints; snapshots are taken of stacked etcd only (back the external etcd up where it runs, or remove the key)`,
    );
    return;
  }
  const [bucket, ...prefix] = value.split("/");
  const bucketOk = BUCKET.test(bucket) && !bucket.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(bucket);
  const prefixOk = prefix.every((s) => PREFIX_SEGMENT.test(s) && s !== "." && s !== "..");
  if (!bucketOk || !prefixOk) {
    report(
      ["etcdSnapshotBucket"],
      `${show(value)} is not an S3 bucket name with an optional key prefix, such as "acme-backups" or "acme-backups/prod/etcd" ` +
        "(bucket: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit; prefix: segments of A-Z a-z 0-9 ! _ . * ' ( ) - joined by /)",
    );
  }
}

/** The snapshot schedule of a config whose day-two keys passed {@link validateDay2}. */
export function etcdSnapshotSpec(c: Day2Keys): EtcdSnapshotSpec {
  const base = { interval: c.etcdSnapshotInterval, retention: c.etcdSnapshotRetention };
  if (c.etcdSnapshotBucket === undefined) return base;
  const [bucket, ...prefix] = c.etcdSnapshotBucket.split("/");
  // Without a prefix, one bucket can hold the snapshots of several clusters side by side.
  return { ...base, s3: { bucket, prefix: prefix.length > 0 ? prefix.join("/") : `${c.clusterName}/etcd-snapshots` } };
}
