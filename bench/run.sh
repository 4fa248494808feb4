#!/usr/bin/env bash
# The whole-process benchmark suite, in one command: builds vertz (release), installs the peers
# that are missing and cheap to install (hyperfine, drizzle-kit, dbmate; sqlx-cli when
# INSTALL_SQLX=1, about 4 minutes), and runs bench/peers/run_peers.sh with vertz as a row in the
# same run, so every vertz figure has its floor and peers measured beside it.
#
#   bench/run.sh                 # everything
#   ONLY='^push_' bench/run.sh   # a subset (extended regex over benchmark ids)
#
# Results: a median table with ratios to the sqlite3 floors, on standard output. BENCHMARKS.md
# records runs with their date and machine. The peer scripts are copied from shared/bench, with
# `_vertz_` added to the fingerprint's ignored prefixes (vertz's history table).
set -euo pipefail
cd "$(dirname "$0")/.."
export PERF_ROOT=${PERF_ROOT:-${TMPDIR:-/tmp}/vertz-peers}
mkdir -p "$PERF_ROOT"

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -f "$PERF_ROOT/drizzle/node_modules/drizzle-kit/bin.cjs" ] || npm install --silent --prefix "$PERF_ROOT/drizzle" drizzle-kit drizzle-orm @libsql/client
[ -x "$PERF_ROOT/dbmate/node_modules/@dbmate/linux-x64/bin/dbmate" ] || npm install --silent --prefix "$PERF_ROOT/dbmate" dbmate
if [ "${INSTALL_SQLX:-0}" = 1 ] && ! command -v sqlx >/dev/null; then
  CARGO_BUILD_JOBS=2 cargo install sqlx-cli --no-default-features --features sqlite,rustls
fi

cargo build --release -q -p vertz-cli
VERTZ_BIN=$(pwd)/target/release/vertz
export VERTZ=1
# A no-op row reads a JSON snapshot of the schema (`db pull`) to build its database.
export VERTZ_PULL="$VERTZ_BIN db pull"
export VERTZ_PUSH="$VERTZ_BIN db push --force --renames=never --database sqlite:@DB@ --schema"
# Deploy of a migrations folder (the folder is appended).
if "$VERTZ_BIN" db migrate deploy --help >/dev/null 2>&1; then
  export VERTZ_APPLY="$VERTZ_BIN db migrate deploy --database sqlite:@DB@ --migrations"
  if "$VERTZ_BIN" db migrate deploy --help | grep -q -- --tx-mode; then
    export VERTZ_APPLY_ALL="$VERTZ_BIN db migrate deploy --tx-mode all --database sqlite:@DB@ --migrations"
  fi
fi
exec bash bench/peers/run_peers.sh
