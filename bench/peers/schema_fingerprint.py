#!/usr/bin/env python3
"""Print a normalized, comparable fingerprint of a SQLite database's user schema.

Usage: schema_fingerprint.py DB [--rows] [--ignore-prefix _sqlx,__drizzle,...]

Normalizes what peers spell differently (type case, quoting, FK 'NO ACTION' wording) so that
the result of `tool X push schema_T` can be compared with `sqlite3 db < schema_T.sql`.
With --rows, also prints each table's row count (to check that a push kept the data).
"""
import sqlite3
import sys

DEFAULT_IGNORE = ("sqlite_", "_vertz_", "_sqlx_migrations", "__drizzle_migrations", "schema_migrations",
                  "alembic_version", "d1_migrations", "_cf_")


def fingerprint(path, rows=False, ignore=DEFAULT_IGNORE):
    c = sqlite3.connect(path)
    out = []
    tables = [r[0] for r in c.execute(
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for t in tables:
        if t.startswith(tuple(ignore)):
            continue
        # a PRIMARY KEY column is reported NOT NULL whether or not it was spelled out
        cols = [(r[1], (r[2] or "").upper(), 1 if r[5] else r[3], r[4], r[5])
                for r in c.execute('PRAGMA table_info("%s")' % t)]
        idx = []
        for r in sorted(c.execute('PRAGMA index_list("%s")' % t), key=lambda r: r[1]):
            if r[3] == "pk":
                continue
            icols = [x[2] for x in c.execute('PRAGMA index_info("%s")' % r[1])]
            idx.append((r[1], r[2], tuple(icols)))
        fks = sorted((r[2], r[3], r[4], r[5].upper(), r[6].upper())
                     for r in c.execute('PRAGMA foreign_key_list("%s")' % t))
        line = "%s cols=%s idx=%s fks=%s" % (t, cols, idx, fks)
        if rows:
            line += " rows=%d" % c.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0]
        out.append(line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    ign = DEFAULT_IGNORE
    for a in sys.argv[1:]:
        if a.startswith("--ignore-prefix="):
            ign = tuple(a.split("=", 1)[1].split(","))
    sys.stdout.write(fingerprint(args[0], rows="--rows" in sys.argv, ignore=ign))
