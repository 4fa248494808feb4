#!/usr/bin/env bash
# Deploy of 1,000 files compared in one hyperfine run per table: one transaction per file
# (sqlite3 floor, dbmate, sqlx-cli, a reference vertz build, this vertz), `--tx-mode all` (sqlite3
# one transaction floor, both vertz builds), and the no-op re-run (sqlite3 open + read schema on a
# rollback-journal file made by the reference build and on a WAL file made by this build).
#
#   BEFORE=/path/to/older/vertz bench/deploy_compare.sh     # M=5 runs per row by default
#
# Needs the workload and peer files of bench/peers/run_peers.sh under PERF_ROOT (default
# /tmp/vertz-peers: wl/migrations_1000, work/floor_pertx_1000.sql, work/floor_tx_1000.sql,
# work/dbmate_1000, work/sqlx_1000), dbmate and sqlx-cli. Prints mean, median, user and system
# CPU and the ratio to the first row of each table.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NEW=${NEW:-$ROOT/target/release/vertz}
BEFORE=${BEFORE:?set BEFORE to a reference vertz binary}
PERF_ROOT=${PERF_ROOT:-/tmp/vertz-peers}
W=$PERF_ROOT/work; WL=$PERF_ROOT/wl
DBM=${DBMATE:-$PERF_ROOT/dbmate/node_modules/@dbmate/linux-x64/bin/dbmate}; SQLX=${SQLX:-$HOME/.cargo/bin/sqlx}
M=${M:-5}
OUT=$(mktemp -d); cd "$OUT"
RM="rm -f q.db q.db-journal q.db-wal q.db-shm"
hyperfine -N -w 1 -m "$M" -M "$M" --export-json per_file.json \
  --prepare "$RM" --prepare "$RM" --prepare "bash -c '$RM; $SQLX database create --database-url sqlite:q.db'" --prepare "$RM" --prepare "$RM" \
  "sqlite3 q.db -init /dev/null '.read $W/floor_pertx_1000.sql'" \
  "$DBM --url sqlite:q.db --migrations-dir $W/dbmate_1000 --no-dump-schema up" \
  "$SQLX migrate run --source $W/sqlx_1000 --database-url sqlite:q.db" \
  "$BEFORE db migrate deploy --database sqlite:q.db --migrations $WL/migrations_1000" \
  "$NEW db migrate deploy --database sqlite:q.db --migrations $WL/migrations_1000"
hyperfine -N -w 1 -m "$M" -M "$M" --export-json all.json --prepare "$RM" \
  "sqlite3 q.db -init /dev/null '.read $W/floor_tx_1000.sql'" \
  "$BEFORE db migrate deploy --tx-mode all --database sqlite:q.db --migrations $WL/migrations_1000" \
  "$NEW db migrate deploy --tx-mode all --database sqlite:q.db --migrations $WL/migrations_1000"
"$BEFORE" db migrate deploy --database sqlite:m0.db --migrations "$WL/migrations_1000" >/dev/null
"$NEW" db migrate deploy --database sqlite:m1.db --migrations "$WL/migrations_1000" >/dev/null
hyperfine -N -w 3 -m $((M * 4)) -M $((M * 4)) --export-json noop.json \
  "sqlite3 m0.db 'SELECT count(*) FROM sqlite_master'" \
  "$BEFORE db migrate deploy --database sqlite:m0.db --migrations $WL/migrations_1000" \
  "$NEW db migrate deploy --database sqlite:m0.db --migrations $WL/migrations_1000" \
  "sqlite3 m1.db 'SELECT count(*) FROM sqlite_master'" \
  "$NEW db migrate deploy --database sqlite:m1.db --migrations $WL/migrations_1000"
python3 - <<'PY'
import json
for f in ["per_file.json", "all.json", "noop.json"]:
    r = json.load(open(f))["results"]
    base = r[0]["mean"]
    for x in r:
        print(f"{f:14} {x['mean']*1000:9.1f} ms  median {x['median']*1000:9.1f}  user {x['user']*1000:7.1f}  sys {x['system']*1000:7.1f}  x{x['mean']/base:5.2f}  {x['command'][:100]}")
PY
rm -rf "$OUT"
