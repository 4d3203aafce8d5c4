#!/usr/bin/env bash
# Lesson-page throughput against a bare Flask route rendering a 5 KB Jinja template,
# both under the same gunicorn settings, measured side by side in one run (DESIGN §8).
# Usage: bench/throughput.sh [seconds per run, default 10]   Needs wrk (apt-get install wrk).
# Exits non-zero when the ratio is under 0.5.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

export PORTAL_DATABASE_URL="sqlite:///$tmp/bench.db" PORTAL_SECRET_KEY=bench
export PORTAL_SIGNING_KEY="$(.venv/bin/python -c 'from bench.setup import _key; print(_key(None))')"
lesson=$(PRINT_LESSON=1 .venv/bin/python -m bench.setup)
opts=(--workers 2 --bind)
.venv/bin/gunicorn "${opts[@]}" 127.0.0.1:8101 wsgi:app >"$tmp/portal.log" 2>&1 &
.venv/bin/gunicorn "${opts[@]}" 127.0.0.1:8102 bench.bare_app:app >"$tmp/bare.log" 2>&1 &
for port in 8101 8102; do
    for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null \
        || curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done
rate() { wrk -t2 -c16 -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
rate "http://127.0.0.1:8101$lesson" >/dev/null   # warm up both
rate "http://127.0.0.1:8102/" >/dev/null
lesson_rps=$(rate "http://127.0.0.1:8101$lesson")
bare_rps=$(rate "http://127.0.0.1:8102/")
ratio=$(awk -v a="$lesson_rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')
echo "lesson page $lesson: $lesson_rps req/s"
echo "bare Flask 5 KB template: $bare_rps req/s"
echo "ratio: $ratio (target >= 0.5)"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.5)}'
