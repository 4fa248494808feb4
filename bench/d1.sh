#!/usr/bin/env bash
# D1: deploy 100 migration files to the real local D1 engine (tests/d1-engine/server.mjs:
# workerd through miniflare), timed by hyperfine (each run into a fresh database), and the
# HTTP requests of one deploy counted by a pass-through proxy.
#
#   bench/d1.sh [FILES]        # FILES defaults to 100; needs `npm ci --prefix tests/d1-engine`
#   WRANGLER=1 bench/d1.sh     # also time `wrangler d1 migrations apply --local` (npx, temp dir)
#
# The workload is gen_workload.py's migrations_FILES folder (under $PERF_ROOT/wl, made by
# bench/run.sh or here). Prints medians and the request count.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-100}
PERF_ROOT=${PERF_ROOT:-${TMPDIR:-/tmp}/vertz-peers}
WL=$PERF_ROOT/wl
WORK=$(mktemp -d)
trap 'kill $SERVER $PROXY 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -d "$WL/migrations_$FILES" ] || python3 bench/peers/gen_workload.py "$WL" --migrations "$FILES" --tables 10
# VERTZ_BIN: an already built binary (skips the release build)
if [ -z "${VERTZ_BIN:-}" ]; then cargo build --release -q -p vertz-cli; VERTZ_BIN=$(pwd)/target/release/vertz; fi
VERTZ=$VERTZ_BIN

node tests/d1-engine/server.mjs --no-stdin-watch > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER=$!
for _ in $(seq 1 300); do grep -q listening "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
ENGINE=$(sed -n 's/^d1-engine listening on //p' "$WORK/server.out")
[ -n "$ENGINE" ] || { cat "$WORK/server.err"; exit 1; }

# A pass-through proxy that counts requests (one line per request in $WORK/requests).
python3 - "$ENGINE" "$WORK/requests" > "$WORK/proxy.out" <<'PY' &
import http.client, http.server, sys, urllib.parse
up = urllib.parse.urlparse(sys.argv[1]); log = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        c = http.client.HTTPConnection(up.hostname, up.port)
        c.request(self.command, self.path, body, {k: v for k, v in self.headers.items() if k.lower() != "host"})
        r = c.getresponse(); data = r.read()
        with open(log, "a") as f: f.write(f"{self.command} {self.path}\n")
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"): self.send_header(k, v)
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    do_GET = do_POST = forward
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True); s.serve_forever()
PY
PROXY=$!
for _ in $(seq 1 50); do [ -s "$WORK/proxy.out" ] && break; sleep 0.1; done
PROXY_URL=http://127.0.0.1:$(head -1 "$WORK/proxy.out")

export CLOUDFLARE_API_TOKEN=test-token
echo "== requests of one deploy of $FILES files (through the counting proxy)"
for mode in file all; do
  : > "$WORK/requests"
  VERTZ_D1_API_URL=$PROXY_URL/client/v4 "$VERTZ" db migrate deploy --tx-mode $mode \
    --database "d1://acc/count-$mode" --migrations "$WL/migrations_$FILES" > /dev/null
  echo "vertz --tx-mode $mode: $(wc -l < "$WORK/requests") requests"
  : > "$WORK/requests"
  VERTZ_D1_API_URL=$PROXY_URL/client/v4 "$VERTZ" db migrate deploy --tx-mode $mode \
    --database "d1://acc/count-$mode" --migrations "$WL/migrations_$FILES" > /dev/null
  echo "vertz no-op re-run: $(wc -l < "$WORK/requests") requests"
done

echo "== wall time (hyperfine, each run into a fresh database on the engine)"
export VERTZ_D1_API_URL=$ENGINE/client/v4
hyperfine --style basic --warmup 1 --min-runs ${MINRUNS:-5} --max-runs ${MAXRUNS:-10} \
  -n "vertz-d1-$FILES-files" "$VERTZ db migrate deploy --database d1://acc/t\$(date +%s%N) --migrations $WL/migrations_$FILES" \
  -n "vertz-d1-$FILES-files-tx-all" "$VERTZ db migrate deploy --tx-mode all --database d1://acc/a\$(date +%s%N) --migrations $WL/migrations_$FILES" \
  --export-json "$WORK/hf.json" | grep -E "Time|±|^Benchmark" || true

if [ "${WRANGLER:-0}" = 1 ]; then
  echo "== wrangler d1 migrations apply --local ($FILES files)"
  W=$PERF_ROOT/wrangler
  [ -x "$W/node_modules/.bin/wrangler" ] || npm install --silent --prefix "$W" wrangler
  mkdir -p "$W/proj/migrations"
  cp "$WL/migrations_$FILES"/*.sql "$W/proj/migrations/"
  cat > "$W/proj/wrangler.toml" <<'TOML'
name = "bench"
compatibility_date = "2025-01-01"
[[d1_databases]]
binding = "DB"
database_name = "bench"
database_id = "00000000-0000-0000-0000-000000000000"
migrations_dir = "migrations"
TOML
  (cd "$W/proj" && hyperfine --style basic --warmup 0 --runs ${WRANGLER_RUNS:-3} \
    --prepare "rm -rf $W/proj/.wrangler" -n "wrangler-d1-$FILES-files" \
    "CI=1 $W/node_modules/.bin/wrangler d1 migrations apply bench --local" | grep -E "Time|±|^Benchmark" || true)
fi
