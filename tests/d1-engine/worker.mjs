// The module worker that runs inside workerd (started by server.mjs through
// miniflare). It serves Cloudflare's D1 HTTP query API shape and sends every SQL
// statement through the real D1 binding code and the real D1 database object.
//
// Bindings (set by server.mjs):
//   DB          - an ordinary miniflare D1 binding (database id
//                 "__d1_engine_selfcheck__"); only its class is reused.
//   D1_OBJECTS  - the Durable Object namespace that backs every miniflare D1
//                 database (class D1DatabaseObject in miniflare's "d1:db"
//                 service). server.mjs adds this binding.
//   D1_ENGINE_TOKEN - the bearer token requests must carry.
//
// A database_id in the URL selects the D1DatabaseObject named by that id, exactly
// as miniflare's own D1 binding for a database with that id would (the binding's
// entry worker does `idFromName(id)` and passes `cf.miniflare.name = id`). The
// D1Database class is the one behind env.DB (the `cloudflare-internal:d1-api`
// module of workerd), constructed over a fetcher aimed at that object.

import { splitStatements } from "./split.mjs";

const API_PATH = /^\/client\/v4\/accounts\/([^/]+)\/d1\/database\/([^/]+)\/(query|raw)\/?$/;
const SELFCHECK_ID = "__d1_engine_selfcheck__";

function reply(status, body) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function failure(status, code, message, result = null) {
  return reply(status, { success: false, errors: [{ code, message }], messages: [], result });
}

// A D1Database (the real binding class) for database `id`. When `capture` is
// given, it receives the engine's raw JSON answer (rows as arrays + columns),
// which /raw needs and the class turns into objects for /query.
function databaseFor(env, id, capture) {
  const D1Database = Object.getPrototypeOf(env.DB).constructor;
  const ns = env.D1_OBJECTS;
  const stub = ns.get(ns.idFromName(id));
  return new D1Database({
    async fetch(input, init) {
      const response = await stub.fetch(input, { ...init, cf: { miniflare: { name: id } } });
      if (capture) capture.response = response.clone();
      return response;
    },
  });
}

// Turns the request body into a list of prepared statements (D1PreparedStatement).
function statementsFor(db, body) {
  const bad = (message) => {
    const e = new Error(message);
    e.malformed = true;
    return e;
  };
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw bad("the body must be a JSON object with `sql` or `batch`");
  }
  const hasSql = body.sql !== undefined;
  const hasBatch = body.batch !== undefined;
  if (hasSql === hasBatch) throw bad("give exactly one of `sql` and `batch`");
  const paramsOf = (p, where) => {
    if (p === undefined || p === null) return [];
    if (!Array.isArray(p)) throw bad(`${where}: \`params\` must be an array`);
    return p;
  };
  if (hasSql) {
    if (typeof body.sql !== "string") throw bad("`sql` must be a string");
    const params = paramsOf(body.params, "body");
    // Cut the text into statements (SQLite's own rule) and run them as ONE
    // batch: D1 runs a batch in one transaction, and gives one result each.
    // Parameters go to the last statement, as in D1's own rule for a
    // multi-statement prepare() ("only the last statement can have parameters").
    const texts = splitStatements(body.sql);
    return texts.map((text, i) => {
      const stmt = db.prepare(text);
      return i === texts.length - 1 && params.length > 0 ? stmt.bind(...params) : stmt;
    });
  }
  if (!Array.isArray(body.batch)) throw bad("`batch` must be an array");
  return body.batch.map((item, i) => {
    if (item === null || typeof item !== "object" || typeof item.sql !== "string") {
      throw bad(`batch[${i}] must be an object with a string \`sql\``);
    }
    const params = paramsOf(item.params, `batch[${i}]`);
    const stmt = db.prepare(item.sql);
    return params.length > 0 ? stmt.bind(...params) : stmt;
  });
}

async function runQuery(request, env, databaseId, raw) {
  let body;
  try {
    body = JSON.parse(await request.text());
  } catch (e) {
    return failure(400, 7400, `The request is malformed: body is not JSON (${e.message})`);
  }
  const capture = {};
  const db = databaseFor(env, databaseId, capture);
  let results;
  try {
    const statements = statementsFor(db, body);
    results = await db.batch(statements);
  } catch (e) {
    if (e && e.malformed) return failure(400, 7400, `The request is malformed: ${e.message}`);
    // Whatever the engine threw (D1_ERROR: ..., D1_TYPE_ERROR: ..., a Durable
    // Object reset on a deferred foreign key violation, ...), verbatim.
    const message = e && typeof e.message === "string" ? e.message : String(e);
    return failure(400, 7500, message, []);
  }
  if (!raw) {
    return reply(200, {
      success: true,
      errors: [],
      messages: [],
      result: results.map((r) => ({ results: r.results, success: r.success, meta: r.meta })),
    });
  }
  // /raw: the engine's own rows-and-columns answer for the same single call.
  const engine = await capture.response.json();
  if (!Array.isArray(engine) || engine.length !== results.length) {
    return failure(500, 10001, "d1-engine: unexpected engine answer for /raw");
  }
  return reply(200, {
    success: true,
    errors: [],
    messages: [],
    result: engine.map((r, i) => ({
      results: { columns: r.results.columns, rows: r.results.rows },
      success: r.success,
      meta: results[i].meta,
    })),
  });
}

// Proves that a database id reached through D1_OBJECTS is the very database a
// plain miniflare D1 binding with that id uses.
async function selfCheck(env) {
  await env.DB.prepare("CREATE TABLE IF NOT EXISTS d1_engine_selfcheck(x)").run();
  const viaRouter = databaseFor(env, SELFCHECK_ID);
  const row = await viaRouter
    .prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'd1_engine_selfcheck'")
    .first();
  if (!row || row.n !== 1) throw new Error("database routing does not match the D1 binding");
}

export default {
  async fetch(request, env) {
    try {
      const url = new URL(request.url);
      if (url.pathname === "/__health") {
        if (request.method !== "GET" && request.method !== "HEAD") {
          return failure(405, 10405, "Method not allowed");
        }
        if (url.searchParams.get("deep") === "1") await selfCheck(env);
        return reply(200, { success: true, errors: [], messages: [], result: { status: "ok" } });
      }
      const expected = `Bearer ${env.D1_ENGINE_TOKEN}`;
      if (request.headers.get("authorization") !== expected) {
        return failure(401, 10000, "Authentication error");
      }
      const m = API_PATH.exec(url.pathname);
      if (!m) return failure(404, 7000, "No route for that URI");
      if (request.method !== "POST") return failure(405, 10405, "Method not allowed");
      const databaseId = decodeURIComponent(m[2]);
      return await runQuery(request, env, databaseId, m[3] === "raw");
    } catch (e) {
      return failure(500, 10001, `d1-engine internal error: ${e && e.stack ? e.stack : e}`);
    }
  },
};
