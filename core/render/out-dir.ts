import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { RenderedTree } from "./render-plan";

/** The file that marks a folder as the renderer's and lists the files it wrote there. */
export const MARKER_FILE = ".kubeadm-ha-render";

const MARKER_HEADER = [
  "# Written by `npm run render` (kubeadm-ha). The renderer owns the files listed below: the next",
  "# render into this folder deletes them and writes new ones. It refuses to touch anything else.",
];

/** The out folder cannot be written without risking files the renderer does not own. */
export class OutDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutDirError";
  }
}

/** The marker's text for a tree: a header, then every path of the tree, one a line. */
export function markerText(tree: RenderedTree): string {
  return [...MARKER_HEADER, ...tree.keys()].join("\n") + "\n";
}

/**
 * Replaces the renderer's files in `outDir` with `tree`. The folder must be missing, empty, or
 * hold the renderer's marker and nothing but the files the marker lists (and their folders);
 * anything else is left alone and the call throws {@link OutDirError} before changing a thing.
 */
export function replaceTree(outDir: string, tree: RenderedTree): void {
  const root = resolve(outDir);
  for (const path of tree.keys()) checkTreePath(path);
  if (existsSync(root)) {
    if (!lstatSync(root).isDirectory()) throw new OutDirError(`${root} exists and is not a directory`);
    removeOwned(root);
  }
  mkdirSync(root, { recursive: true });
  // The marker first: if writing stops halfway, the next render still knows what it owns.
  writeFileSync(join(root, MARKER_FILE), markerText(tree));
  for (const [path, content] of tree) {
    const file = join(root, ...path.split("/"));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o644 });
  }
}

function checkTreePath(path: string): void {
  const parts = path.split("/");
  if (
    path === MARKER_FILE ||
    posix.isAbsolute(path) ||
    posix.normalize(path) !== path ||
    parts.some((p) => p === ".." || p === "." || p === "")
  ) {
    throw new OutDirError(`refusing to write ${JSON.stringify(path)}: not a clean relative path in the tree`);
  }
}

/** Deletes the files a previous render wrote, after checking there is nothing else. */
function removeOwned(root: string): void {
  const entries = walk(root);
  if (entries.files.length === 0 && entries.others.length === 0) return;
  const markerPath = join(root, MARKER_FILE);
  if (!existsSync(markerPath) || !lstatSync(markerPath).isFile()) {
    throw new OutDirError(
      `refusing to write into ${root}: it is not empty and has no ${MARKER_FILE} marker, so the renderer did not write it; remove it or pick another --out`,
    );
  }
  const owned = new Set(
    readFileSync(markerPath, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#")),
  );
  owned.add(MARKER_FILE);
  const ownedDirs = new Set(
    [...owned].flatMap((f) =>
      f
        .split("/")
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
    ),
  );
  const foreign = [
    ...entries.others,
    ...entries.files.filter((f) => !owned.has(f)),
    ...entries.dirs.filter((d) => !ownedDirs.has(d)),
  ].sort();
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 10).join(", ") + (foreign.length > 10 ? `, and ${foreign.length - 10} more` : "");
    throw new OutDirError(
      `refusing to write into ${root}: it holds files the renderer did not write (${shown}); move them away or pick another --out`,
    );
  }
  for (const f of entries.files) unlinkSync(join(root, ...f.split("/")));
  for (const d of entries.dirs.reverse()) rmdirSync(join(root, ...d.split("/")));
}

/** Files (regular), dirs and anything else (symlinks, sockets) under root, relative, depth-first. */
function walk(root: string, prefix = ""): { files: string[]; dirs: string[]; others: string[] } {
  const result = { files: [] as string[], dirs: [] as string[], others: [] as string[] };
  for (const name of readdirSync(join(root, ...prefix.split("/").filter(Boolean))).sort()) {
    const rel = prefix === "" ? name : `${prefix}/${name}`;
    const stat = lstatSync(join(root, ...rel.split("/")));
    if (stat.isDirectory()) {
      result.dirs.push(rel);
      const inner = walk(root, rel);
      result.files.push(...inner.files);
      result.dirs.push(...inner.dirs);
      result.others.push(...inner.others);
    } else if (stat.isFile()) {
      result.files.push(rel);
    } else {
      result.others.push(rel);
    }
  }
  return result;
}
