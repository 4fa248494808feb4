#!/usr/bin/env bash
# Times commands in turn, round after round, and prints each one's median and its ratio to the
# first (the reference). For a noisy machine: hyperfine runs all runs of one command before the
# next, so a drift of the machine over a minute (this project's virtual machine swings by 1.5x)
# lands on one command only; here every round measures all of them within seconds.
#
# Usage: [N=15] [PREPARE='shell command run before each timed run'] bench/interleave.sh \
#          'name=command' 'name=command' ...
# Each command runs through `bash -c` (redirections allowed), output discarded. Example, the push
# of 1,000 tables into a missing file against sqlite3 running the same schema in one transaction:
#   PREPARE='rm -f /tmp/e.db*' bench/interleave.sh \
#     "sqlite3-1tx=sqlite3 /tmp/e.db < floor_schema_tx_1000.sql" \
#     "vertz=target/release/vertz db push --database sqlite:/tmp/e.db --schema schema_1000.sql"
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,13p' "$0"; exit 2; }
N=${N:-15}
PREPARE=${PREPARE:-true}
names=()
cmds=()
for arg in "$@"; do
  names+=("${arg%%=*}")
  cmds+=("${arg#*=}")
done
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$N"); do
  for i in "${!cmds[@]}"; do
    bash -c "$PREPARE" >/dev/null 2>&1
    start=$(date +%s%N)
    if ! bash -c "${cmds[$i]}" >/dev/null 2>&1; then
      echo "interleave: ${names[$i]} failed in round $round: ${cmds[$i]}" >&2
      exit 1
    fi
    end=$(date +%s%N)
    echo "$i $(( (end - start) / 1000 ))" >> "$results"
  done
  printf '.' >&2
done
echo >&2
python3 - "$results" "$N" "${names[@]}" <<'EOF'
import statistics, sys
path, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {i: [] for i in range(len(names))}
for line in open(path):
    i, us = line.split()
    times[int(i)].append(int(us) / 1000)
ref = statistics.median(times[0])
print(f"{rounds} rounds, interleaved; median ms, and the ratio to {names[0]}")
for i, name in enumerate(names):
    m = statistics.median(times[i])
    print(f"{name:32} {m:10.1f} ms {m / ref:6.2f}x  (min {min(times[i]):.1f}, max {max(times[i]):.1f})")
EOF
