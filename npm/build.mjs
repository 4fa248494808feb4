#!/usr/bin/env node
// Writes the npm packages of vertz into OUT: the launcher `vertz` (from npm/vertz) and one
// `@vertz/cli-PLATFORM` package per platform with its `os`/`cpu` fields. Only this machine's
// platform package gets a binary (the one passed with --binary, usually a release build); the
// others are written without one, for the release job of their own platform to fill.
//
//   node npm/build.mjs --binary target/release/vertz --out target/npm
//
// The version of every package is the binary's own (`vertz --version`), so a launcher and its
// platform packages always agree. Then `npm pack` (or `npm publish`) in each folder.

import { execFileSync } from "node:child_process";
import { copyFileSync, chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// `${process.platform}-${process.arch}` -> [os, cpu] as npm's package.json fields name them.
// The launcher (npm/vertz/bin/vertz) maps the same keys to the same package names.
const PLATFORMS = {
  "darwin-arm64": ["darwin", "arm64"],
  "darwin-x64": ["darwin", "x64"],
  "linux-arm64": ["linux", "arm64"],
  "linux-x64": ["linux", "x64"],
  "win32-x64": ["win32", "x64"],
};

function usage(message) {
  process.stderr.write(`npm/build.mjs: ${message}\nusage: node npm/build.mjs --binary PATH --out DIR\n`);
  process.exit(2);
}

function arg(name) {
  const i = process.argv.indexOf(name);
  const value = i < 0 ? undefined : process.argv[i + 1];
  if (value === undefined) usage(`${name} is missing`);
  return value;
}

const here = dirname(fileURLToPath(import.meta.url));
const binary = arg("--binary");
const out = arg("--out");
const current = `${process.platform}-${process.arch}`;
if (!PLATFORMS[current]) usage(`this machine (${current}) is not one of ${Object.keys(PLATFORMS).join(", ")}`);

// "vertz 0.1.0" -> "0.1.0": the version of the binary being shipped.
const versionLine = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
const version = versionLine.split(/\s+/)[1];
if (!/^\d+\.\d+\.\d+/.test(version ?? "")) usage(`${binary} --version printed ${JSON.stringify(versionLine)}`);

rmSync(out, { recursive: true, force: true });

// The launcher: its template with every version set to the binary's.
const launcher = JSON.parse(readFileSync(join(here, "vertz", "package.json"), "utf8"));
launcher.version = version;
launcher.optionalDependencies = Object.fromEntries(
  Object.keys(PLATFORMS).map((p) => [`@vertz/cli-${p}`, version]),
);
const launcherDir = join(out, "vertz");
cpSync(join(here, "vertz"), launcherDir, { recursive: true });
writeFileSync(join(launcherDir, "package.json"), `${JSON.stringify(launcher, null, 2)}\n`);
chmodSync(join(launcherDir, "bin", "vertz"), 0o755);

for (const [platform, [os, cpu]] of Object.entries(PLATFORMS)) {
  const name = `@vertz/cli-${platform}`;
  const exe = os === "win32" ? "vertz.exe" : "vertz";
  const dir = join(out, `cli-${platform}`);
  mkdirSync(join(dir, "bin"), { recursive: true });
  const manifest = {
    name,
    version,
    description: `The ${platform} binary of vertz (installed by the vertz package)`,
    license: launcher.license,
    repository: launcher.repository,
    os: [os],
    cpu: [cpu],
    files: [`bin/${exe}`],
    preferUnplugged: true,
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, "README.md"), `# ${name}\n\nThe ${platform} binary of [vertz](https://github.com/vertz-dev/vertz). Install \`vertz\` instead: it picks this package on ${platform}.\n`);
  if (platform === current) {
    copyFileSync(binary, join(dir, "bin", exe));
    chmodSync(join(dir, "bin", exe), 0o755);
  }
  process.stdout.write(`${dir}: ${name}@${version}${platform === current ? ` with ${binary}` : " (no binary)"}\n`);
}
process.stdout.write(`${launcherDir}: vertz@${version}\n`);
