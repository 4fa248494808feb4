#!/usr/bin/env node
// Runs the real Cloudflare D1 engine (workerd, through miniflare 4) behind
// Cloudflare's D1 HTTP query API shape. See README.md.
//
//   node server.mjs [--port N] [--persist DIR] [--no-stdin-watch]
//
// Prints exactly one line to stdout once it serves requests:
//   d1-engine listening on http://127.0.0.1:PORT
// and nothing else on stdout. Logs go to stderr. It stops on SIGTERM, SIGINT,
// or when its stdin reaches end of file (unless --no-stdin-watch).

// No network: miniflare would otherwise fetch a `cf` object from Cloudflare at
// every start.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare, D1_PLUGIN } from "miniflare";

const HERE = dirname(fileURLToPath(import.meta.url));
const SELFCHECK_ID = "__d1_engine_selfcheck__";

function usage(message) {
  process.stderr.write(`d1-engine: ${message}\nusage: node server.mjs [--port N] [--persist DIR] [--no-stdin-watch]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: 0, persist: null, stdinWatch: true };
  const args = argv.flatMap((a) => (/^--(port|persist)=/.test(a) ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      if (i + 1 >= args.length) usage(`${a} needs a value`);
      return args[++i];
    };
    if (a === "--port") {
      const p = Number(value());
      if (!Number.isInteger(p) || p < 0 || p > 65535) usage("--port must be 0..65535");
      opts.port = p;
    } else if (a === "--persist") {
      opts.persist = resolve(value());
    } else if (a === "--no-stdin-watch") {
      opts.stdinWatch = false;
    } else {
      usage(a === "--help" || a === "-h" ? "help" : `unknown argument ${a}`);
    }
  }
  return opts;
}

const log = (msg) => process.stderr.write(`d1-engine: ${msg}\n`);

// Miniflare gives a worker a D1 binding per configured database id, fixed when
// workerd starts. To reach ANY database id without restarting workerd, also bind
// the Durable Object namespace behind all of miniflare's D1 databases (class
// D1DatabaseObject in the "d1:db" service) into our worker. Miniflare has no
// public option for that, so its exported D1 plugin is wrapped here; the version
// is pinned in package.json, and the worker's self-check (/__health?deep=1, run
// before the ready line) fails the start if the routing ever stops matching.
function exposeD1Objects() {
  if (!D1_PLUGIN || typeof D1_PLUGIN.getBindings !== "function") {
    throw new Error("miniflare's D1_PLUGIN.getBindings is missing: unsupported miniflare version");
  }
  const original = D1_PLUGIN.getBindings;
  D1_PLUGIN.getBindings = function (options, ...rest) {
    const bindings = original.call(this, options, ...rest);
    if (options && options.d1Databases !== undefined) {
      bindings.push({
        name: "D1_OBJECTS",
        durableObjectNamespace: { className: "D1DatabaseObject", serviceName: "d1:db" },
      });
    }
    return bindings;
  };
}

// Process ids of our workerd children (miniflare does not expose them).
function workerdChildren() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...; comm may contain spaces, so split after ')'.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) pids.push(Number(entry));
    } catch {
      // the process went away meanwhile
    }
  }
  return pids;
}

// If this node process dies without cleaning up (SIGKILL, e.g. Rust's
// Child::kill), miniflare's workerd child would live on, orphaned. A tiny shell
// watchdog holds a pipe from us; when the pipe closes (we died), it kills them
// and removes the persist directory if it was our own temporary one.
function startWatchdog(pids, ownedDir) {
  if (pids.length === 0 || process.platform !== "linux") return null;
  const script =
    'read _ignored; for p in "$@"; do ' +
    '[ "$(cat /proc/$p/comm 2>/dev/null)" = workerd ] && kill -KILL "$p" 2>/dev/null; ' +
    'done; if [ -n "$D1_ENGINE_OWNED_DIR" ]; then sleep 0.2; rm -rf -- "$D1_ENGINE_OWNED_DIR"; fi; exit 0';
  const child = spawn("/bin/sh", ["-c", script, "d1-engine-watchdog", ...pids.map(String)], {
    stdio: ["pipe", "ignore", "ignore"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", D1_ENGINE_OWNED_DIR: ownedDir ?? "" },
  });
  child.on("error", (e) => log(`watchdog failed: ${e.message}`));
  child.unref();
  child.stdin.unref(); // our end of the pipe must not keep node alive
  return child;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const token = process.env.D1_ENGINE_TOKEN ?? "test-token";
  let persist = opts.persist;
  let ownsPersist = false;
  if (persist === null) {
    persist = mkdtempSync(join(tmpdir(), "d1-engine-"));
    ownsPersist = true;
  } else {
    mkdirSync(persist, { recursive: true });
  }

  exposeD1Objects();
  const started = performance.now();
  const mf = new Miniflare({
    modules: [
      { type: "ESModule", path: join(HERE, "worker.mjs"), contents: readFileSync(join(HERE, "worker.mjs"), "utf8") },
      { type: "ESModule", path: join(HERE, "split.mjs"), contents: readFileSync(join(HERE, "split.mjs"), "utf8") },
    ],
    modulesRoot: HERE,
    compatibilityDate: "2025-01-01",
    d1Databases: { DB: SELFCHECK_ID },
    d1Persist: persist,
    bindings: { D1_ENGINE_TOKEN: token },
    host: "127.0.0.1",
    port: opts.port,
    cf: false,
    // workerd's own output (console.log in the worker, warnings) goes to stderr:
    // stdout carries only the ready line.
    handleRuntimeStdio(stdout, stderr) {
      stdout.pipe(process.stderr, { end: false });
      stderr.pipe(process.stderr, { end: false });
    },
  });

  let stopping = false;
  let watchdog = null;
  const stop = async (why, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    try {
      await mf.dispose();
    } catch (e) {
      log(`dispose failed: ${e.message}`);
      code = code || 1;
    }
    if (watchdog) watchdog.kill("SIGKILL");
    if (ownsPersist) rmSync(persist, { recursive: true, force: true });
    process.exit(code);
  };
  // miniflare's own SIGINT/SIGTERM hook exits at once with 130/143; replace it
  // with a graceful stop (dispose, remove our temp dir, exit 0). Its "exit" hook,
  // which kills workerd synchronously, stays.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }

  let url;
  try {
    url = await mf.ready;
    const health = await mf.dispatchFetch(new URL("/__health?deep=1", url));
    if (health.status !== 200) throw new Error(`self-check failed: ${await health.text()}`);
  } catch (e) {
    log(`failed to start: ${e && e.stack ? e.stack : e}`);
    await stop("start failure", 1);
    return;
  }
  watchdog = startWatchdog(workerdChildren(), ownsPersist ? persist : null);

  if (opts.stdinWatch) {
    process.stdin.on("data", () => {});
    process.stdin.on("end", () => stop("stdin closed"));
    process.stdin.on("error", () => stop("stdin error"));
    process.stdin.resume();
  }

  log(`persisting under ${persist}; started in ${Math.round(performance.now() - started)} ms`);
  process.stdout.write(`d1-engine listening on http://127.0.0.1:${url.port}\n`);
}

main().catch((e) => {
  log(`fatal: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
