import { Lab, WRITE_PREFIX } from "../lab";

/** What reading back every write acknowledged during the run found. */
export interface LedgerCheck {
  /** Why the writes could not be listed; undefined when they were. */
  readonly unlisted?: string;
  /** Keys acknowledged during the run that are missing or hold another value. */
  readonly lost: readonly string[];
}

/** Every write a client saw acknowledged during the run, read back through the VIP (one linearizable list). */
export async function checkLedger(lab: Lab): Promise<LedgerCheck> {
  const list = await lab.request(
    lab.vip,
    "GET",
    `/kv/${WRITE_PREFIX}/${lab.runId}/?prefix=1`,
    undefined,
    10_000,
    50_000_000,
  );
  if (!list.ok || !list.body) return { unlisted: String(list.error ?? list.status), lost: [] };
  const stored = new Map(
    (JSON.parse(list.body) as { items: { key: string; value: string }[] }).items.map((i) => [i.key, i.value]),
  );
  return { lost: [...lab.ledger].filter(([k, v]) => stored.get(k) !== v).map(([k]) => k) };
}
