#!/usr/bin/env bash
# Runs the Python TSC 0.42 conformance script against the release tsc-emulator binary.
#
#   tests/python/run.sh                 # uses /work/main/.venv/bin/python or ./.venv/bin/python
#   TSC_PYTHON=/path/to/venv/bin/python tests/python/run.sh
#   TSC_VENV=/path/to/venv tests/python/run.sh
#
# Builds the emulator (release), starts it on a free port with seeded users and workbooks, runs
# tests/python/tsc_conformance.py, stops the emulator, and exits with the script's status.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

python="${TSC_PYTHON:-}"
if [ -z "$python" ] && [ -n "${TSC_VENV:-}" ]; then python="$TSC_VENV/bin/python"; fi
if [ -z "$python" ]; then
  for candidate in "$root/.venv/bin/python" /work/main/.venv/bin/python; do
    if [ -x "$candidate" ]; then python="$candidate"; break; fi
  done
fi
if [ -z "$python" ] || ! "$python" -c 'import tableauserverclient' 2>/dev/null; then
  echo "run.sh: no Python with tableauserverclient found; set TSC_PYTHON to a venv python with tableauserverclient==0.42" >&2
  exit 2
fi

cargo build --release -q -p tsc-emulator
bin="${CARGO_TARGET_DIR:-$root/target}/release/tsc-emulator"

log="$(mktemp)"
"$bin" --port 0 --seed-users 1200 --seed-workbooks 250 >"$log" 2>&1 &
emulator_pid=$!
cleanup() { kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

url=""
for _ in $(seq 1 100); do
  line="$(head -n 1 "$log" 2>/dev/null || true)"
  case "$line" in
    "listening on "*) url="${line#listening on }"; break ;;
  esac
  if ! kill -0 "$emulator_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "run.sh: the emulator did not start:" >&2
  cat "$log" >&2
  exit 1
fi

start=$(date +%s%N)
status=0
"$python" "$root/tests/python/tsc_conformance.py" "$url" || status=$?
end=$(date +%s%N)
elapsed_ms=$(( (end - start) / 1000000 ))
printf 'conformance run took %d.%03d s against %s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$url"
exit "$status"
