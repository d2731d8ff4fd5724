#!/usr/bin/env bash
# Installs the dependencies, builds herald, and runs the three events of the
# bundled Merlin config (examples/merlin/) against a local receiver on the
# config's own address, 127.0.0.1:8000. Then shows a gate veto with a
# second config whose sync webhook answers 403.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh >/dev/null
echo "== building herald (build/)"
./scripts/build.sh build >/dev/null
herald=build/src/cli/herald
examples=examples/merlin
work=$(mktemp -d)
receiver_pid=""

cleanup() {
  if [[ -n "$receiver_pid" ]]; then
    kill "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Starts `herald receive` on 127.0.0.1:8000 with the given extra arguments
# and waits, for at most 5 s, until it accepts connections.
start_receiver() {
  "$herald" receive --listen 127.0.0.1:8000 "$@" >>"$work/received.log" 2>"$work/receiver.err" &
  receiver_pid=$!
  for _ in $(seq 50); do
    if curl -s -o /dev/null http://127.0.0.1:8000/ 2>/dev/null; then
      : >"$work/received.log"
      return 0
    fi
    if ! kill -0 "$receiver_pid" 2>/dev/null; then
      echo "demo: the receiver could not start:" >&2
      cat "$work/receiver.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "demo: the receiver did not start listening on 127.0.0.1:8000 within 5 s" >&2
  exit 1
}

stop_receiver() {
  kill "$receiver_pid"
  wait "$receiver_pid" 2>/dev/null || true
  receiver_pid=""
}

# Sends one event and prints what was called and what the platform must do.
send_event() {
  local config=$1 event=$2 payload=$3
  : >"$work/received.log"
  local status=0
  "$herald" send --config "$config" --event "$event" --payload "$payload" \
    >"$work/stdout" 2>"$work/stderr" || status=$?
  local called
  called=$(grep -E '^(GET|POST|PUT|PATCH|DELETE) ' "$work/received.log" | paste -sd ',' - || true)
  local decision
  case $status in
    0) decision="proceed" ;;
    1) decision="ABORT" ;;
    *) decision="error (exit $status)" ;;
  esac
  printf '%-32s called: %-24s -> %s (exit %d)\n' "$event" "${called:-nothing}" "$decision" "$status"
  if [[ -s "$work/stdout" ]]; then
    printf '%-32s final response: %s\n' "" "$(head -c 120 "$work/stdout")"
  fi
  if [[ $status -ne 0 ]]; then
    grep '^herald:' "$work/stderr" | sed 's/^/    /' | head -3
  fi
}

echo
echo "== validate $examples/webhooks.yaml"
"$herald" validate "$examples/webhooks.yaml"

echo
echo "== the three Merlin events; the receiver answers 200 {\"code\":\"200\"}"
start_receiver --body '{"code":"200"}'
send_event "$examples/webhooks.yaml" on-model-version-predeployment "$examples/event-predeployment.json" 2>/dev/null
send_event "$examples/webhooks.yaml" on-model-version-deployed "$examples/event-deployed.json"
send_event "$examples/webhooks.yaml" on-model-version-undeployed "$examples/event-undeployed.json"
stop_receiver

echo
echo "== a sync gate webhook that vetoes: the receiver answers 403"
start_receiver --status 403 --body '{"code":"403","message":"GPU quota exceeded"}'
send_event "$examples/gate.yaml" on-model-version-predeployment "$examples/event-predeployment-gpu-unicode.json"
stop_receiver
