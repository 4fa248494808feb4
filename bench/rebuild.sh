#!/usr/bin/env bash
# Rebuild of a 1,000,000-row table: `vertz db push` against the same rebuild written by hand and
# run by the sqlite3 command line, on copies of the same database file. Prints hyperfine's table
# and the ratio of the medians. Usage, from the repository root:
#
#   cargo build --release -p vertz-cli && bench/rebuild.sh [ROWS] [RUNS]
#
# The change: `note TEXT` becomes `note TEXT NOT NULL DEFAULT ''` (SQLite cannot ALTER that: a
# rebuild with a COALESCE in the copy), on a table with an index. Both sides run it in one
# transaction on a file in the same journal mode (sqlx's default, WAL, which the file keeps).
set -euo pipefail

ROWS=${1:-1000000}
RUNS=${2:-10}
VERTZ=${VERTZ:-$PWD/target/release/vertz}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cat > "$WORK/before.sql" <<'SQL'
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER, note TEXT);
CREATE INDEX items_score_idx ON items (score);
SQL
sed 's/note TEXT)/note TEXT NOT NULL DEFAULT '"''"')/' "$WORK/before.sql" > "$WORK/after.sql"

# The hand-written rebuild: what a careful person writes for this change.
cat > "$WORK/hand.sql" <<'SQL'
BEGIN IMMEDIATE;
CREATE TABLE "__new_items" ("id" INTEGER PRIMARY KEY NOT NULL, "name" TEXT NOT NULL, "score" INTEGER, "note" TEXT NOT NULL DEFAULT '');
INSERT INTO "__new_items" ("id", "name", "score", "note") SELECT "id", "name", "score", coalesce("note", '') FROM "items";
DROP TABLE "items";
ALTER TABLE "__new_items" RENAME TO "items";
CREATE INDEX "items_score_idx" ON "items" ("score");
COMMIT;
SQL

# The base file: created by vertz (so it carries vertz's history table and journal mode), then
# filled by sqlite3.
"$VERTZ" db push --database "sqlite:$WORK/base.db" --schema "$WORK/before.sql" > /dev/null
sqlite3 "$WORK/base.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
  INSERT INTO items (id, name, score, note)
  SELECT i, 'item ' || i, i % 1000, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END FROM n;"

# Both sides must end with the same rows.
cp "$WORK/base.db" "$WORK/a.db"; cp "$WORK/base.db" "$WORK/b.db"
"$VERTZ" db push --database "sqlite:$WORK/a.db" --schema "$WORK/after.sql" --force > /dev/null
sqlite3 "$WORK/b.db" < "$WORK/hand.sql"
for db in a b; do
  sqlite3 "$WORK/$db.db" "SELECT count(*), sum(length(note)), sum(note = '') FROM items" > "$WORK/$db.sum"
done
cmp "$WORK/a.sum" "$WORK/b.sum" || { echo "the two rebuilds disagree" >&2; exit 1; }

hyperfine --runs "$RUNS" --warmup 1 \
  --prepare "cp $WORK/base.db $WORK/run.db" \
  --export-json "$WORK/result.json" \
  -n sqlite3-hand-written "sqlite3 $WORK/run.db < $WORK/hand.sql" \
  -n vertz-db-push "$VERTZ db push --database sqlite:$WORK/run.db --schema $WORK/after.sql --force"

python3 - "$WORK/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
hand, vertz = r["sqlite3-hand-written"]["median"], r["vertz-db-push"]["median"]
print(f"median sqlite3 hand-written: {hand:.3f} s, vertz db push: {vertz:.3f} s, ratio vertz/hand: {vertz / hand:.2f}x")
PY
