#!/usr/bin/env bash
# Runs the end-to-end benchmarks of `herald serve` and writes the results
# to docs/benchmarks.md.
#
#   bench/run.sh [--quick] [--no-build] [--output FILE]
#
#   --quick     small counts for a smoke run of a few minutes
#   --no-build  use the binaries already in build-bench/
#   --output    where to write the report (default docs/benchmarks.md)
#
# Three benchmarks, all against herald_bench_sink (bench/sink.cc) on
# 127.0.0.1; no traffic leaves the machine:
#   1. async throughput: events with one async webhook, from the first POST
#      until the sink has counted N deliveries. Beside it, wrk straight at
#      the sink, and curl --parallel sending the same N requests to it.
#   2. sync gate: one sync webhook, 32 concurrent callers, latency added
#      over calling the sink directly;
#   3. outage: N deliveries stored while the sink is down, peak memory of
#      herald, then the drain once the sink is back.
#
# Every process this script starts is stopped by its PID when it exits.
# Each wait has a deadline, and the whole run stops after RUN_LIMIT_SECONDS.
# Ports: SINK_PORT (default 18081) and HERALD_PORT (default 18470).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

quick=0
build=1
output=docs/benchmarks.md
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --output) output=$2; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--no-build] [--output FILE]" >&2; exit 2 ;;
  esac
  shift
done

sink_port=${SINK_PORT:-18081}
herald_port=${HERALD_PORT:-18470}
build_dir=build-bench
if ((quick)); then
  async_count=20000      # deliveries in the async benchmark
  outage_count=100000    # deliveries stored during the outage
  load_seconds=5         # length of each fixed-time wrk run
  run_limit=600
else
  async_count=200000
  outage_count=1000000
  load_seconds=15
  run_limit=${RUN_LIMIT_SECONDS:-1500}
fi
connections=64           # wrk and curl connections in the async benchmark
# Delivery threads of herald serve; 16 is its default.
workers=${HERALD_WORKERS:-16}
sync_connections=32
deployed_event=$repo/examples/merlin/event-deployed.json
predeployment_event=$repo/examples/merlin/event-predeployment.json
undeployed_event=$repo/examples/merlin/event-undeployed.json
started_at=$(date +%s)

log() { echo "bench: $*" >&2; }
fail() { echo "bench: $*" >&2; exit 1; }

# --- Tools and build --------------------------------------------------------

missing=()
for tool in wrk curl cmake ninja g++; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  packages=()
  for tool in "${missing[@]}"; do
    case "$tool" in
      ninja) packages+=(ninja-build) ;;
      *) packages+=("$tool") ;;
    esac
  done
  log "installing ${packages[*]} with apt-get"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${packages[@]}" libbenchmark-dev >/dev/null
fi

if ((build)); then
  log "building Release with benchmarks into $build_dir/"
  ./scripts/build.sh "$build_dir" -DHERALD_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
    -DHERALD_BUILD_BENCHMARKS=ON >/dev/null
fi
herald=$repo/$build_dir/src/cli/herald
sink=$repo/$build_dir/bench/herald_bench_sink
[[ -x $herald && -x $sink ]] || fail "missing $herald or $sink; run without --no-build"

# --- Process bookkeeping ----------------------------------------------------

work=$(mktemp -d "$repo/$build_dir/bench-run.XXXXXX")
declare -a started_pids=()

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$? pid
  for pid in "${started_pids[@]}"; do stop_pid "$pid"; done
  if ((status != 0)) && [[ -f $work/herald.log ]]; then
    echo "bench: failed; last lines of the herald serve log:" >&2
    tail -n 20 "$work/herald.log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check_time() {
  (($(date +%s) - started_at < run_limit)) || fail "run limit of ${run_limit}s reached"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

sink_pid=
start_sink() {  # start_sink THREADS [STATUS]
  "$sink" --port "$sink_port" --threads "$1" --status "${2:-200}" --max-seconds "$run_limit" \
    2>>"$work/sink.log" &
  sink_pid=$!
  started_pids+=("$sink_pid")
  local deadline=$(($(date +%s) + 10))
  until curl -sf "http://127.0.0.1:$sink_port/count" >/dev/null; do
    (($(date +%s) < deadline)) || fail "the sink did not start; see $work/sink.log"
    sleep 0.1
  done
}

sink_count() { curl -sf "http://127.0.0.1:$sink_port/count"; }

herald_pid=
start_herald() {  # start_herald DATA_DIR
  sed "s/SINK_PORT/$sink_port/g" bench/bench.yaml >"$work/bench.yaml"
  "$herald" --log-level warn serve -c "$work/bench.yaml" -l "127.0.0.1:$herald_port" \
    -d "$1" --workers "$workers" 2>>"$work/herald.log" &
  herald_pid=$!
  started_pids+=("$herald_pid")
  local deadline=$(($(date +%s) + 20))
  until curl -sf "http://127.0.0.1:$herald_port/healthz" >/dev/null; do
    (($(date +%s) < deadline)) || fail "herald serve did not start; see $work/herald.log"
    sleep 0.1
  done
}

metric() {  # metric NAME: sums every sample of a herald metric family
  curl -sf "http://127.0.0.1:$herald_port/metrics" |
    awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $2 } END { printf "%.0f", sum }'
}

wait_until() {  # wait_until TIMEOUT_SECONDS COMMAND...: polls until COMMAND succeeds
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    check_time
    sleep "${poll_seconds:-0.05}"
  done
}

count_reached() { (($(sink_count) >= $1)); }

# Converts a wrk latency such as 812.00us, 1.20ms or 2.01s to microseconds.
to_us() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.0f", v }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.0f", v * 1000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.0f", v * 1000000 }
  }'
}
wrk_percentile() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }
wrk_rate() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }

vm_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# --- Machine ----------------------------------------------------------------

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
kernel=$(uname -r)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo " with uncommitted changes" || true)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# One 4 KiB write plus fdatasync, 200 times, on the disk of the store.
probe_start=$(now)
dd if=/dev/zero of="$work/fsync-probe" bs=4k count=200 oflag=dsync status=none
fsync_us=$(awk -v s="$(elapsed "$probe_start" "$(now)")" 'BEGIN { printf "%.0f", s / 200 * 1e6 }')
rm -f "$work/fsync-probe"
log "fsync probe: ${fsync_us} us per 4 KiB write"

# --- 1. Async throughput ----------------------------------------------------

log "raw sink: wrk -c$connections for ${load_seconds}s"
start_sink 2
wrk -t2 -c"$connections" -d"${load_seconds}s" -s bench/post_event.lua \
  "http://127.0.0.1:$sink_port/raw" -- "$deployed_event" 0 >"$work/wrk-raw.txt"
raw_rate=$(wrk_rate "$work/wrk-raw.txt")

log "curl --parallel: $async_count POSTs to the sink"
before=$(sink_count)
curl_start=$(now)
timeout "$run_limit" curl -s --parallel --parallel-max "$connections" \
  -H 'Content-Type: application/json' -H 'Expect:' --data-binary "@$deployed_event" \
  -o /dev/null "http://127.0.0.1:$sink_port/curl/[1-$async_count]" >/dev/null 2>"$work/curl.log"
curl_seconds=$(elapsed "$curl_start" "$(now)")
curl_sent=$(($(sink_count) - before))
curl_rate=$(rate "$curl_sent" "$curl_seconds")
stop_pid "$sink_pid"

log "herald async: $async_count events, one async delivery each"
start_sink 1
start_herald "$work/data-async"
before=$(sink_count)
async_start=$(now)
wrk -t1 -c"$connections" -d"${run_limit}s" -s bench/post_event.lua \
  "http://127.0.0.1:$herald_port/v1/events" -- "$deployed_event" "$async_count" \
  >"$work/wrk-async.txt" &
wrk_pid=$!
started_pids+=("$wrk_pid")
wait_until "$run_limit" count_reached $((before + async_count)) ||
  fail "the sink did not count $async_count deliveries"
async_seconds=$(elapsed "$async_start" "$(now)")
kill -INT "$wrk_pid"
wait "$wrk_pid" || true
async_rate=$(rate "$async_count" "$async_seconds")
async_accepted=$(awk '/^responses/ { print $2 }' "$work/wrk-async.txt")
async_non_200=$(awk '/^responses/ { print $4 }' "$work/wrk-async.txt")
pending_done() { (($(metric herald_outbox_pending) == 0)); }
poll_seconds=0.5 wait_until 120 pending_done || fail "async deliveries still pending after 120s"
async_hwm_kb=$(vm_field "$herald_pid" VmHWM)

# --- 2. Sync gate -----------------------------------------------------------

log "sync gate: wrk -c$sync_connections for ${load_seconds}s, direct and through herald"
wrk -t1 -c"$sync_connections" -d"${load_seconds}s" --latency -s bench/post_event.lua \
  "http://127.0.0.1:$sink_port/gate" -- "$predeployment_event" 0 >"$work/wrk-direct.txt"
wrk -t1 -c"$sync_connections" -d"${load_seconds}s" --latency -s bench/post_event.lua \
  "http://127.0.0.1:$herald_port/v1/events" -- "$predeployment_event" 0 >"$work/wrk-sync.txt"
direct_p50=$(to_us "$(wrk_percentile "$work/wrk-direct.txt" 50%)")
direct_p99=$(to_us "$(wrk_percentile "$work/wrk-direct.txt" 99%)")
sync_p50=$(to_us "$(wrk_percentile "$work/wrk-sync.txt" 50%)")
sync_p99=$(to_us "$(wrk_percentile "$work/wrk-sync.txt" 99%)")
direct_rate=$(wrk_rate "$work/wrk-direct.txt")
sync_rate=$(wrk_rate "$work/wrk-sync.txt")
sync_non_200=$(awk '/^responses/ { print $4 }' "$work/wrk-sync.txt")

# One caller: no queueing behind other callers, so the difference is
# herald's own work per event.
log "sync gate: wrk -c1 for ${load_seconds}s, direct and through herald"
wrk -t1 -c1 -d"${load_seconds}s" --latency -s bench/post_event.lua \
  "http://127.0.0.1:$sink_port/gate" -- "$predeployment_event" 0 >"$work/wrk-direct1.txt"
wrk -t1 -c1 -d"${load_seconds}s" --latency -s bench/post_event.lua \
  "http://127.0.0.1:$herald_port/v1/events" -- "$predeployment_event" 0 >"$work/wrk-sync1.txt"
direct1_p50=$(to_us "$(wrk_percentile "$work/wrk-direct1.txt" 50%)")
direct1_p99=$(to_us "$(wrk_percentile "$work/wrk-direct1.txt" 99%)")
sync1_p50=$(to_us "$(wrk_percentile "$work/wrk-sync1.txt" 50%)")
sync1_p99=$(to_us "$(wrk_percentile "$work/wrk-sync1.txt" 99%)")
direct1_rate=$(wrk_rate "$work/wrk-direct1.txt")
sync1_rate=$(wrk_rate "$work/wrk-sync1.txt")
dropped=$(metric herald_delivery_log_dropped_total)
stop_pid "$herald_pid"
stop_pid "$sink_pid"

# --- 3. Outage --------------------------------------------------------------

outage_events=$((outage_count / 10))
log "outage: $outage_count deliveries ($outage_events events x 10 webhooks), sink down"
start_herald "$work/data-outage"
fill_start=$(now)
wrk -t1 -c"$connections" -d"${run_limit}s" -s bench/post_event.lua \
  "http://127.0.0.1:$herald_port/v1/events" -- "$undeployed_event" "$outage_events" \
  >"$work/wrk-fill.txt" &
wrk_pid=$!
started_pids+=("$wrk_pid")
# Each wrk thread stops sending at its limit, but wrk itself exits only on
# SIGINT or at -d, so the script watches herald's event counter instead.
events_accepted() { (($(metric herald_events_total) >= outage_events)); }
poll_seconds=1 wait_until "$run_limit" events_accepted || fail "herald did not accept $outage_events events"
fill_seconds=$(elapsed "$fill_start" "$(now)")
kill -INT "$wrk_pid"
wait "$wrk_pid" || true
fill_non_200=$(awk '/^responses/ { print $4 }' "$work/wrk-fill.txt")
pending_at_peak=$(metric herald_outbox_pending)
attempts_during_outage=$(metric herald_retries_total)
outage_hwm_kb=$(vm_field "$herald_pid" VmHWM)

log "outage: sink back, draining $pending_at_peak deliveries"
start_sink 1
drain_start=$(now)
poll_seconds=0.2 wait_until "$run_limit" count_reached "$pending_at_peak" ||
  fail "the sink counted only $(sink_count) of $pending_at_peak deliveries"
drain_seconds=$(elapsed "$drain_start" "$(now)")
delivered=$(sink_count)
poll_seconds=0.5 wait_until 120 pending_done || fail "deliveries still pending after the drain"
pending_after=$(metric herald_outbox_pending)
drain_rate=$(rate "$pending_at_peak" "$drain_seconds")
drain_hwm_kb=$(vm_field "$herald_pid" VmHWM)
stop_pid "$herald_pid"
stop_pid "$sink_pid"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
total_seconds=$(($(date +%s) - started_at))
log "done in ${total_seconds}s"

# --- Report -----------------------------------------------------------------

mode=full
((quick)) && mode="quick (--quick)"
report=$(cat <<EOF
## Latest run

Written by \`bench/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ), commit $commit$dirty,
$mode mode, in ${total_seconds}s.

| | |
|---|---|
| CPU | $cores × $cpu_model |
| kernel | $kernel |
| load average before, after | $load_before; $load_after |
| 4 KiB write + fdatasync on the store's disk | ${fsync_us} µs |

### 1. Async throughput

$async_count events of \`examples/merlin/event-deployed.json\`, one async
webhook each, wrk with $connections connections. Time from the first POST
until the sink counted $async_count deliveries.

| sender | requests/s |
|---|---|
| wrk straight at the sink (2 wrk threads, 2 sink threads) | $raw_rate |
| curl --parallel --parallel-max $connections straight at the sink, $curl_sent requests in ${curl_seconds}s | $curl_rate |
| herald serve --workers $workers: accepted, stored (synchronous=FULL), delivered, logged | **$async_rate deliveries/s** (${async_seconds}s) |

wrk received $async_accepted answers, $async_non_200 of them not 200.
Peak memory of herald serve (VmHWM): $((async_hwm_kb / 1024)) MiB.

### 2. Sync gate

\`examples/merlin/event-predeployment.json\`, one sync webhook with
finalResponse, wrk -c$sync_connections for ${load_seconds}s.

| | requests/s | median | p99 |
|---|---|---|---|
| wrk straight at the sink | $direct_rate | ${direct_p50} µs | ${direct_p99} µs |
| POST /v1/events to herald serve | $sync_rate | ${sync_p50} µs | ${sync_p99} µs |
| added by herald | | **$((sync_p50 - direct_p50)) µs** | **$((sync_p99 - direct_p99)) µs** |

The same with one caller (wrk -c1), where no request waits behind
another:

| | requests/s | median | p99 |
|---|---|---|---|
| wrk straight at the sink | $direct1_rate | ${direct1_p50} µs | ${direct1_p99} µs |
| POST /v1/events to herald serve | $sync1_rate | ${sync1_p50} µs | ${sync1_p99} µs |
| added by herald | | **$((sync1_p50 - direct1_p50)) µs** | **$((sync1_p99 - direct1_p99)) µs** |

Answers other than 200: $sync_non_200. Sync delivery records dropped
because the delivery log queue was full: $dropped.

### 3. Outage

The sink was not running (connections refused) while $outage_events events
of \`examples/merlin/event-undeployed.json\` were posted, each with ten
async webhooks to the sink's URL.

| | |
|---|---|
| filling: events accepted, time | $outage_events in ${fill_seconds}s, $fill_non_200 answers not 200 |
| pending deliveries at the peak | $pending_at_peak |
| retries scheduled during the outage | $attempts_during_outage |
| peak memory of herald serve (VmHWM) after filling | $((outage_hwm_kb / 1024)) MiB |
| drain once the sink listened again | $pending_at_peak in ${drain_seconds}s, **$drain_rate deliveries/s** |
| counted by the sink; pending afterwards | $delivered; $pending_after |
| peak memory of herald serve (VmHWM) after the drain | $((drain_hwm_kb / 1024)) MiB |
EOF
)

if [[ -f $output ]] && grep -q '^## Latest run' "$output"; then
  # Keep the hand-written part above the generated section.
  sed -n '/^## Latest run/q;p' "$output" >"$work/head.md"
  { cat "$work/head.md"; echo "$report"; } >"$output"
else
  { echo "# Benchmarks"; echo; echo "$report"; } >"$output"
fi
log "wrote $output"
echo "$report"
