#!/usr/bin/env bash
# The rebuild of a self-referencing table (a tree) holding N rows on the real local D1 engine
# (tests/d1-engine/server.mjs), by `vertz db push`, against the same rebuild written by hand and
# sent as one request to D1's query API, timed in turn by bench/interleave.sh, each run on a
# fresh database filled with the same tree. D1 cannot turn foreign keys off, so the hand-written
# rebuild does what keeps it working there: under `PRAGMA defer_foreign_keys = on`, create the
# new table with its key naming itself, copy, cut the old table's references to itself (else the
# drop's cascade recurses once per tree level and D1 stops it), index the old key (else the drop
# scans for each row's children), drop, rename.
#
# Usage: [ROWS=10000] [N=5] [VERTZ=target/release/vertz] bench/tree_rebuild_d1.sh
#        (needs `npm ci --prefix tests/d1-engine`)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000}
VERTZ=${VERTZ:-$(pwd)/target/release/vertz}
dir=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
node tests/d1-engine/server.mjs --no-stdin-watch > "$dir/server.out" 2> "$dir/server.err" &
SERVER=$!
for _ in $(seq 1 300); do grep -q listening "$dir/server.out" 2>/dev/null && break; sleep 0.1; done
ENGINE=$(sed -n 's/^d1-engine listening on //p' "$dir/server.out")
[ -n "$ENGINE" ] || { cat "$dir/server.err"; exit 1; }
export VERTZ_D1_API_URL=$ENGINE/client/v4 CLOUDFLARE_API_TOKEN=test-token
cat > "$dir/v1.sql" <<'SQL'
CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories (id) ON DELETE CASCADE, name TEXT);
SQL
sed 's/);$/) STRICT;/' "$dir/v1.sql" > "$dir/v2.sql"
python3 - "$dir" "$ROWS" <<'PY'
import json, sys
d, rows = sys.argv[1], int(sys.argv[2])
fill = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
        "INSERT INTO categories SELECT i, CASE WHEN i > 1 THEN i / 2 END, 'c' || i FROM n" % rows)
json.dump({"sql": fill}, open(d + "/fill.json", "w"))
json.dump({"sql": "PRAGMA defer_foreign_keys = on; "
  "CREATE TABLE new_categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES new_categories (id) ON DELETE CASCADE, name TEXT) STRICT; "
  "INSERT INTO new_categories (id, parent_id, name) SELECT id, parent_id, name FROM categories; "
  "UPDATE categories SET parent_id = NULL WHERE parent_id IS NOT NULL; "
  "CREATE INDEX old_parent ON categories (parent_id); "
  "DROP TABLE categories; ALTER TABLE new_categories RENAME TO categories; PRAGMA defer_foreign_keys = off"},
  open(d + "/by_hand.json", "w"))
PY
# Each run gets a fresh database (named in $dir/db) holding the tree.
cat > "$dir/prepare.sh" <<SH
set -e
db=t\$(date +%s%N); echo \$db > $dir/db
"$VERTZ" db push -q --database d1://acc/\$db --schema $dir/v1.sql
curl -sf -X POST -H 'content-type: application/json' -H 'authorization: Bearer test-token' --data @$dir/fill.json $ENGINE/client/v4/accounts/acc/d1/database/\$db/query > /dev/null
SH
PREPARE="bash $dir/prepare.sh" bench/interleave.sh \
  "d1-by-hand=curl -sf -X POST -H 'content-type: application/json' -H 'authorization: Bearer test-token' --data @$dir/by_hand.json $ENGINE/client/v4/accounts/acc/d1/database/\$(cat $dir/db)/query" \
  "vertz=$VERTZ db push -q --force --database d1://acc/\$(cat $dir/db) --schema $dir/v2.sql"
