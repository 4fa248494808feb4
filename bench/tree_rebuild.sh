#!/usr/bin/env bash
# The rebuild of a self-referencing table (a tree: categories with their parent) holding N rows,
# by `vertz db push` against the same rebuild written by hand and run by the sqlite3 CLI (SQLite's
# 12-step recipe, foreign keys off as the CLI has them), timed in turn by bench/interleave.sh.
#
# Usage: [ROWS=100000] [N=5] [VERTZ=target/release/vertz] bench/tree_rebuild.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
VERTZ=${VERTZ:-target/release/vertz}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/v1.sql" <<'SQL'
CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories (id) ON DELETE CASCADE, name TEXT);
SQL
sed 's/);$/) STRICT;/' "$dir/v1.sql" > "$dir/v2.sql"
"$VERTZ" db push -q --database "sqlite:$dir/base.db" --schema "$dir/v1.sql"
sqlite3 "$dir/base.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS) INSERT INTO categories SELECT i, CASE WHEN i > 1 THEN i / 2 END, 'c' || i FROM n;"
cat > "$dir/by_hand.sql" <<'SQL'
BEGIN;
CREATE TABLE new_categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories (id) ON DELETE CASCADE, name TEXT) STRICT;
INSERT INTO new_categories (id, parent_id, name) SELECT id, parent_id, name FROM categories;
DROP TABLE categories;
ALTER TABLE new_categories RENAME TO categories;
COMMIT;
SQL
PREPARE="rm -f $dir/w.db*; cp $dir/base.db $dir/w.db" bench/interleave.sh \
  "sqlite3-by-hand=sqlite3 $dir/w.db < $dir/by_hand.sql" \
  "vertz=$VERTZ db push -q --force --database sqlite:$dir/w.db --schema $dir/v2.sql"
