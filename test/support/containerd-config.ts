/**
 * `containerd config default` as the fake containerd prints it, in the three shapes that matter:
 * 1.x (config version 2, CRI under io.containerd.grpc.v1.cri, `SystemdCgroup = false` present),
 * 2.0 (version 3, split CRI plugins, no SystemdCgroup line: containerd v2.0 config_unix.go) and
 * 2.1+ (version 3 with `SystemdCgroup = false`). Trimmed to the tables the scripts touch plus
 * neighbours, in containerd's own layout and quoting.
 */
export const CONTAINERD_DEFAULTS = {
  "1.x": `disabled_plugins = []
imports = []
oom_score = 0
root = "/var/lib/containerd"
state = "/run/containerd"
version = 2

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    enable_selinux = false
    sandbox_image = "registry.k8s.io/pause:3.8"
    systemd_cgroup = false

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            BinaryName = ""
            Root = ""
            ShimCgroup = ""
            SystemdCgroup = false
`,
  "2.0": `version = 3
root = '/var/lib/containerd'
state = '/run/containerd'

[grpc]
  address = '/run/containerd/containerd.sock'

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'

    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = 'registry.k8s.io/pause:3.10'

  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'

          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = ''
            CriuImagePath = ''
            ShimCgroup = ''

  [plugins.'io.containerd.grpc.v1.cri']
    disable_tcp_service = true
`,
} as const;

/** The 2.1+ default: 2.0's plus the SystemdCgroup line containerd 2.1 prints again. */
export const CONTAINERD_DEFAULT_2_1 = CONTAINERD_DEFAULTS["2.0"].replace(
  "            ShimCgroup = ''\n",
  "            ShimCgroup = ''\n            SystemdCgroup = false\n",
);

/** A TOML document's tables (names with quotes normalised to `'`) and their `key = value` lines. */
export type TomlTables = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * Reads the subset of TOML containerd prints: `[table]` headers and `key = value` lines. Throws on
 * a repeated table or key, which a real TOML parser refuses too, so an edit that duplicates
 * something fails the test.
 */
export function tomlTables(text: string): TomlTables {
  const tables = new Map<string, Map<string, string>>([["", new Map()]]);
  let current = tables.get("") as Map<string, string>;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1].replace(/\s/g, "").replace(/"/g, "'");
      if (tables.has(name)) throw new Error(`table [${name}] defined twice`);
      current = new Map();
      tables.set(name, current);
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`not a TOML line: ${line}`);
    if (current.has(kv[1])) throw new Error(`key ${kv[1]} set twice in one table`);
    current.set(kv[1], kv[2]);
  }
  return tables;
}
