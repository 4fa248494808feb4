#!/usr/bin/env node
// Smoke test for the d1-engine harness: starts server.mjs, talks to it over HTTP
// like a client of api.cloudflare.com would, prints PASS/FAIL per check and
// exits non-zero if any check failed. No dependencies beyond node.
//
//   node tests/d1-engine/smoke.mjs

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync, readdirSync } from "node:fs";
import { splitStatements } from "./split.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const TOKEN = "smoke-token";
let passed = 0;
let failed = 0;
const notes = [];

function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}

function note(text) {
  notes.push(text);
  console.log(`NOTE ${text}`);
}

// ---- start the server -------------------------------------------------------
function startServer(args = []) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(HERE, "server.mjs"), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, D1_ENGINE_TOKEN: TOKEN },
  });
  const handle = { child, stdout: "", stderr: "", startupMs: 0 };
  child.stderr.on("data", (d) => (handle.stderr += d));
  handle.exited = new Promise((res) => child.on("exit", (code, signal) => res({ code, signal })));
  handle.ready = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no ready line in 30 s; stderr:\n${handle.stderr}`)), 30000);
    child.stdout.on("data", (d) => {
      handle.stdout += d;
      const m = /^d1-engine listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(handle.stdout);
      if (m) {
        clearTimeout(timer);
        handle.startupMs = performance.now() - t0;
        res(m[1]);
      }
    });
    child.on("exit", () => rej(new Error(`server exited early; stderr:\n${handle.stderr}`)));
  });
  return handle;
}

// workerd processes whose parent is `pid`, with their state letter.
function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const [state, ppid] = stat.slice(close + 2).split(" ");
      if (Number(ppid) === pid && comm.startsWith("workerd")) out.push({ pid: Number(entry), state });
    } catch {
      // gone
    }
  }
  return out;
}
const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z"; // a zombie is dead
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const main = startServer(["--port", "0"]);
const server = main.child;
const base = await main.ready;
check("ready line on stdout", /^d1-engine listening on http:\/\/127\.0\.0\.1:\d+\n$/.test(main.stdout), JSON.stringify(main.stdout));
note(`startup (spawn to ready line): ${Math.round(main.startupMs)} ms`);

// ---- helpers ----------------------------------------------------------------
let dbCounter = 0;
const freshDb = (tag) => `smoke-${tag}-${process.pid}-${++dbCounter}`;
const endpoint = (db, raw = false) =>
  `${base}/client/v4/accounts/smoke-account/d1/database/${encodeURIComponent(db)}/${raw ? "raw" : "query"}`;

async function call(db, body, { raw = false, token = TOKEN } = {}) {
  const headers = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(endpoint(db, raw), { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { unparsable: text };
  }
  return { status: res.status, body: json };
}
const sql = (db, text, params) => call(db, params ? { sql: text, params } : { sql: text });
const firstError = (r) => (r.body.errors && r.body.errors[0]) || {};
const tableExists = async (db, name) => {
  const r = await sql(db, "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = ?", [name]);
  return r.body.result[0].results[0].n === 1;
};

try {
  // ---- health + auth --------------------------------------------------------
  {
    const r = await fetch(`${base}/__health`);
    check("GET /__health is 200", r.status === 200, `status ${r.status}`);
    const db = freshDb("auth");
    const missing = await call(db, { sql: "SELECT 1" }, { token: null });
    check(
      "missing token: 401, code 10000",
      missing.status === 401 && firstError(missing).code === 10000 && missing.body.success === false,
      JSON.stringify(missing.body),
    );
    const wrong = await call(db, { sql: "SELECT 1" }, { token: "wrong" });
    check("wrong token: 401, code 10000", wrong.status === 401 && firstError(wrong).code === 10000);
  }

  // ---- CREATE TABLE + INSERT in one request, then SELECT --------------------
  const db = freshDb("main");
  {
    const r = await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO t (name) VALUES ('a;b')");
    check(
      "CREATE TABLE + INSERT in one sql request: 200, two results",
      r.status === 200 && r.body.success === true && r.body.result.length === 2 &&
        r.body.result.every((x) => x.success === true && Array.isArray(x.results)),
      JSON.stringify(r.body).slice(0, 300),
    );
    check("INSERT meta.changes is 1", r.body.result?.[1]?.meta?.changes === 1, JSON.stringify(r.body.result?.[1]?.meta));
    const s = await sql(db, "SELECT id, name FROM t WHERE id = ?", [1]);
    check(
      "SELECT returns the row as an object",
      s.status === 200 && JSON.stringify(s.body.result[0].results) === JSON.stringify([{ id: 1, name: "a;b" }]),
      JSON.stringify(s.body.result?.[0]?.results),
    );
    const raw = await call(db, { sql: "SELECT id, name, id FROM t" }, { raw: true });
    const rr = raw.body.result?.[0]?.results;
    check(
      "/raw returns columns and rows as arrays",
      raw.status === 200 && JSON.stringify(rr) === JSON.stringify({ columns: ["id", "name", "id"], rows: [[1, "a;b", 1]] }),
      JSON.stringify(rr),
    );
  }

  // ---- batch with a failing statement in the middle --------------------------
  {
    const r = await call(db, {
      batch: [
        { sql: "INSERT INTO t (name) VALUES (?)", params: ["batch-1"] },
        { sql: "CREATE TABLE from_batch (x)" },
        { sql: "INSERT INTO no_such_table VALUES (1)" },
        { sql: "INSERT INTO t (name) VALUES (?)", params: ["batch-3"] },
      ],
    });
    check(
      "batch with failing middle statement: 400, code 7500",
      r.status === 400 && r.body.success === false && firstError(r).code === 7500 && Array.isArray(r.body.result),
      JSON.stringify(r.body),
    );
    note(`batch failure message: ${firstError(r).message}`);
    const count = await sql(db, "SELECT count(*) AS n FROM t");
    check("batch: nothing applied (row count still 1)", count.body.result?.[0]?.results?.[0]?.n === 1, JSON.stringify(count.body.result?.[0]?.results));
    check("batch: nothing applied (table from_batch absent)", !(await tableExists(db, "from_batch")));
    const ok = await call(db, { batch: [{ sql: "SELECT 1 AS one" }, { sql: "SELECT ? AS two", params: [2] }] });
    check(
      "successful batch: one result per statement",
      ok.status === 200 && ok.body.result.length === 2 && ok.body.result[1].results[0].two === 2,
      JSON.stringify(ok.body.result?.map((x) => x.results)),
    );
  }

  // ---- BEGIN is refused by D1 -------------------------------------------------
  {
    const r = await sql(db, "BEGIN");
    const msg = firstError(r).message || "";
    check(
      "BEGIN: 400, code 7500, D1's refusal message",
      r.status === 400 && firstError(r).code === 7500 &&
        msg.startsWith("D1_ERROR: To execute a transaction, please use the state.storage.transaction()"),
      msg,
    );
  }

  // ---- PRAGMA foreign_keys = OFF ----------------------------------------------
  {
    const off = await sql(db, "PRAGMA foreign_keys = OFF");
    check("PRAGMA foreign_keys = OFF accepted", off.status === 200, JSON.stringify(off.body));
    const read = await sql(db, "PRAGMA foreign_keys");
    const value = read.body.result?.[0]?.results?.[0]?.foreign_keys;
    note(`PRAGMA foreign_keys read after OFF (separate request): ${JSON.stringify(read.body.result?.[0]?.results)}`);
    check("PRAGMA foreign_keys still 1 after OFF (D1 ignores OFF)", value === 1, `value ${value}`);
    const same = await sql(db, "PRAGMA foreign_keys = OFF; PRAGMA foreign_keys");
    note(`PRAGMA foreign_keys read after OFF (same request): ${JSON.stringify(same.body.result?.[1]?.results)}`);
  }

  // ---- multi-statement sql, 2nd of 3 fails --------------------------------------
  {
    const r = await sql(
      db,
      "INSERT INTO t (name) VALUES ('multi-1'); INSERT INTO t (no_such_column) VALUES (1); CREATE TABLE from_multi (x);",
    );
    check("multi-statement sql with failing 2nd: 400, code 7500", r.status === 400 && firstError(r).code === 7500, JSON.stringify(r.body));
    note(`multi-statement failure message: ${firstError(r).message}`);
    const count = await sql(db, "SELECT count(*) AS n FROM t WHERE name = 'multi-1'");
    check("multi-statement: 1st statement rolled back", count.body.result?.[0]?.results?.[0]?.n === 0);
    check("multi-statement: 3rd statement not applied", !(await tableExists(db, "from_multi")));
  }

  // ---- statement splitting follows SQLite (triggers, strings, comments) --------
  {
    const text = `
      -- a comment; with a semicolon
      CREATE TABLE audit (msg TEXT);
      CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
        INSERT INTO audit VALUES ('inserted; ' || NEW.name);
        INSERT INTO audit VALUES (CASE WHEN NEW.id > 0 THEN 'pos' ELSE 'neg' END);
      END;
      /* block; comment */ INSERT INTO t (name) VALUES ('x"y;z');
      SELECT msg FROM audit ORDER BY rowid`;
    const r = await sql(db, text);
    check("trigger body / strings / comments do not split: 4 results", r.status === 200 && r.body.result?.length === 4, JSON.stringify(r.body).slice(0, 400));
    check(
      "trigger fired inside the same request",
      JSON.stringify(r.body.result?.[3]?.results) === JSON.stringify([{ msg: "inserted; x\"y;z" }, { msg: "pos" }]),
      JSON.stringify(r.body.result?.[3]?.results),
    );
    const pieces = splitStatements("SELECT 1; SELECT ';'; SELECT \"a;b\"; SELECT [c;d]; SELECT `e;f` -- ;\n");
    check("splitStatements unit cases", pieces.length === 5, JSON.stringify(pieces));
    const tail = await sql(db, "SELECT 1; -- trailing comment");
    note(`sql ending with a comment after the last ';': HTTP ${tail.status} ${firstError(tail).message ?? "ok"}`);
    const doubled = await sql(db, "SELECT 1;; SELECT 2");
    note(`sql with an empty statement ';;': HTTP ${doubled.status} ${firstError(doubled).message ?? "ok"}`);
    const empty = await sql(db, "   ");
    check("blank sql: engine's message", firstError(empty).message === "D1_ERROR: No SQL statements detected.", firstError(empty).message);
  }

  // ---- params with several statements bind to the last -------------------------
  {
    const r = await sql(db, "SELECT 1 AS a; SELECT ? AS b", [7]);
    check("params bind to the last statement", r.status === 200 && r.body.result?.[1]?.results?.[0]?.b === 7, JSON.stringify(r.body.result));
  }

  // ---- isolation between database ids, in parallel -------------------------------
  {
    const ids = Array.from({ length: 20 }, () => freshDb("iso"));
    await Promise.all(ids.map((id, i) => sql(id, `CREATE TABLE only_${i} (x); INSERT INTO only_${i} VALUES (${i})`)));
    const seen = await Promise.all(
      ids.map((id) => sql(id, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'only\\_%' ESCAPE '\\'")),
    );
    const ok = seen.every((r, i) => JSON.stringify(r.body.result?.[0]?.results) === JSON.stringify([{ name: `only_${i}` }]));
    check("20 database ids in parallel are isolated", ok);
    check("a fresh database id starts empty", !(await tableExists(freshDb("empty"), "t")));
  }

  // ---- timing: 100 small batch requests, sequential ------------------------------
  {
    const bdb = freshDb("bench");
    await sql(bdb, "CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT)");
    const t = performance.now();
    let allOk = true;
    for (let i = 0; i < 100; i++) {
      const r = await call(bdb, {
        batch: [
          { sql: "INSERT INTO b (v) VALUES (?)", params: [`v${i}`] },
          { sql: "SELECT count(*) AS n FROM b" },
        ],
      });
      allOk &&= r.status === 200;
    }
    const ms = performance.now() - t;
    check("100 small batch requests succeed", allOk);
    note(`100 small batch requests (2 statements each, sequential): ${Math.round(ms)} ms`);
  }
} catch (e) {
  check("no unexpected exception", false, e && e.stack ? e.stack : String(e));
}

// ---- shutdown by closing stdin --------------------------------------------------
server.stdin.end();
const stopTimer = setTimeout(() => server.kill("SIGKILL"), 10000);
const { code, signal } = await main.exited;
clearTimeout(stopTimer);
check("server stops when its stdin closes", code === 0 && signal === null, `code ${code} signal ${signal}`);
check("nothing but the ready line on stdout", main.stdout.split("\n").filter(Boolean).length === 1, JSON.stringify(main.stdout));

// ---- SIGTERM: graceful stop -------------------------------------------------------
{
  const s2 = startServer();
  await s2.ready;
  s2.child.kill("SIGTERM");
  const r = await s2.exited;
  check("server stops on SIGTERM with exit code 0", r.code === 0, `code ${r.code} signal ${r.signal}`);
}

// ---- SIGKILL of the server leaves no workerd behind -------------------------------
{
  const s3 = startServer();
  await s3.ready;
  const workerds = childrenOf(s3.child.pid);
  s3.child.kill("SIGKILL");
  await s3.exited;
  let left = workerds.filter((w) => alive(w.pid));
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await sleep(100);
    left = workerds.filter((w) => alive(w.pid));
  }
  check(
    "SIGKILL of the server: its workerd is gone too (watchdog)",
    workerds.length > 0 && left.length === 0,
    `workerd pids ${JSON.stringify(workerds.map((w) => w.pid))}, still alive ${JSON.stringify(left.map((w) => w.pid))}`,
  );
}

if (failed > 0) console.log(`--- server stderr ---\n${main.stderr}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
