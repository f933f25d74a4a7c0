/**
 * `npm run render -- --stack NAME [--out DIR] [--dir PROJECT_DIR]`: writes what `pulumi up` would
 * run on each host, offline. The logic lives in core/render; this is the process shell.
 */
import { renderCli } from "../core/render/cli";

process.exitCode = renderCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
