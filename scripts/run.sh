#!/usr/bin/env bash
# `make run`: make sure Redis is there, create the default team and key, serve Kindly.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${PORT:-8000}
REDIS_PORT=${KINDLY_REDIS_PORT:-6390}
pids=()

cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Kindly stopped."
}
trap cleanup INT TERM EXIT

if [ -z "${REDIS_URL:-}" ]; then
  bash scripts/system_deps.sh redis-server || exit 1
  mkdir -p var/redis
  export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
  if ! "$VENV/bin/python" -c "import redis,sys; redis.Redis.from_url('$REDIS_URL', socket_timeout=0.5).ping()" 2>/dev/null; then
    # Supervise a local redis-server: restart it if it ever exits.
    (
      while true; do
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$PWD/var/redis" \
          --appendonly yes --appenddirname appendonly --save 60 1000 --loglevel warning \
          --logfile "$PWD/var/redis/redis.log" &
        child=$!
        trap 'kill $child 2>/dev/null; exit 0' TERM INT
        wait $child || true
        sleep 1
      done
    ) &
    pids+=($!)
    for _ in $(seq 50); do
      "$VENV/bin/python" -c "import redis; redis.Redis.from_url('$REDIS_URL', socket_timeout=0.5).ping()" 2>/dev/null && break
      sleep 0.1
    done
    echo "Started redis-server on 127.0.0.1:${REDIS_PORT} (data in ./var/redis)."
  else
    echo "Using the redis-server already answering on 127.0.0.1:${REDIS_PORT}."
  fi
fi

KEY=$("$VENV/bin/kindly" bootstrap | tail -n 1)
ENGINE=$("$VENV/bin/python" -c "from api.config import settings; from api.engines.registry import primary_engine_name; print(primary_engine_name(settings()))")
cat <<MSG

  Kindly is starting on http://127.0.0.1:${PORT}  (engine: ${ENGINE}, Redis: ${REDIS_URL%%@*})

  Your admin API key (also saved in var/api-key):
    ${KEY}

  Soften a reply:
    curl -s http://127.0.0.1:${PORT}/v1/rewrite \\
      -H "Authorization: Bearer ${KEY}" -H "Content-Type: application/json" \\
      -d '{"draft": "As I said, you failed to send the order number. Pls DM us ASAP.", "customer_name": "Maria", "customer_message": "This is so frustrating, where is my order?", "agent_name": "Sam"}'

  Health: http://127.0.0.1:${PORT}/healthz   API docs: http://127.0.0.1:${PORT}/openapi.json
  Press Ctrl+C to stop.

MSG
"$VENV/bin/kindly" serve --port "$PORT" &
pids+=($!)
wait "${pids[-1]}"
