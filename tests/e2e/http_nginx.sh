#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# http-download against a real nginx on 127.0.0.1, started here as a
# foreground process with its own prefix and stopped at the end.  nginx
# serves copies of the built-in server's bodies, so both must give the
# same answer; the urls-file form must too.
source "$(dirname "$0")/common.bash"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || skip "nginx is not installed (.ci/install-deps installs nginx-light)"
for tool in curl xxhsum; do
    command -v $tool >/dev/null || skip "$tool is not installed (.ci/install-deps installs it)"
done

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# The built-in server, by hand, for the files nginx will serve.
"$PARBENCH" serve --port 0 > serve.out 2> serve.err &
serve=$!
pids+=("$serve")
for _ in $(seq 100); do grep -q listening serve.out && break; sleep 0.1; done
sport=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' serve.out)
[[ $sport =~ ^[0-9]+$ ]] || { cat serve.out serve.err; fail "parbench serve did not start"; }
mkdir -p www tmp
chmod 755 "$WORK" www # nginx workers may run as another user
for i in 0 1 2 3 4 5; do
    curl -sf -D "h$i" -o "www/f$i.bin" "http://127.0.0.1:$sport/bytes/20000?seed=$i" ||
        fail "curl from parbench serve"
    # The announced checksum is the XXH64 that xxhsum computes.
    want=$(xxhsum -H1 "www/f$i.bin" | cut -d' ' -f1)
    grep -qi "^X-Parbench-Checksum: xxh64:$want" "h$i" || { cat "h$i"; fail "checksum header of f$i"; }
done
chmod 644 www/*
kill -TERM "$serve"
rc=0
wait "$serve" || rc=$?
[[ $rc == 0 ]] || fail "parbench serve exited $rc on SIGTERM"
pids=()
pass "parbench serve: bodies match the announced XXH64; clean exit on SIGTERM"

# nginx on a free-looking port; another try on another port if it is taken.
nginx_up=""
for try in 1 2 3 4 5; do
    port=$((20000 + (RANDOM * 7 + $$ + try * 977) % 40000))
    cat > nginx.conf <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $WORK/www;
    }
}
CONF
    rm -f nginx.pid
    "$NGINX" -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/error.log" -g 'daemon off;' 2>> nginx.err &
    ng=$!
    # nginx writes its pid file after it has bound its sockets.
    for _ in $(seq 100); do
        [[ -s nginx.pid ]] && break
        kill -0 "$ng" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -s nginx.pid ]] && kill -0 "$ng" 2>/dev/null; then
        pids+=("$ng")
        nginx_up=$port
        break
    fi
    wait "$ng" 2>/dev/null || true
done
[[ -n $nginx_up ]] || { cat nginx.err error.log 2>/dev/null; fail "nginx did not start"; }
curl -sf -o /dev/null "http://127.0.0.1:$port/f0.bin" || fail "nginx does not serve f0.bin"
pass "nginx on 127.0.0.1:$port"

for i in 0 1 2 3 4 5; do echo "http://127.0.0.1:$port/f$i.bin"; done > urls.txt
mapfile -t EXECUTORS < <("$PARBENCH" list | awk '$1 == "executor" && $2 != "mpi" { print $2 }')
{
    cat <<INI
[run]
workers = 1, 2
repetitions = 2
warmup = 0
timeout = 30s
output = n.csv
[workload.nginx]
plugin = http-download
url = http://127.0.0.1:$port/f{task}.bin
files = 6
[workload.nginx-list]
plugin = http-download
urls = urls.txt
[workload.builtin]
plugin = http-download
url = \${server}/bytes/20000?seed={task}
files = 6
INI
    for e in "${EXECUTORS[@]}"; do echo "[executor.$e]"; done
} > n.ini
run_pb 0 run n.ini -q
[[ $(csv_col n.csv status | sort -u) == ok ]] || { cat n.csv; fail "rows not ok"; }
[[ $(csv_col n.csv items | sort -u) == 120000 ]] || fail "items: $(csv_col n.csv items | sort -u)"
sums=$(paste -d' ' <(csv_col n.csv workload) <(csv_col n.csv checksum) | sort -u)
[[ $(cut -d' ' -f2 <<< "$sums" | sort -u | wc -l) == 1 ]] ||
    fail "nginx, the urls file and the built-in server disagree: $sums"
for w in nginx nginx-list builtin; do
    csv_col n.csv workload | grep -qx "$w" || fail "no rows for $w"
done
pass "nginx (template and urls file) and the built-in server agree under ${EXECUTORS[*]}"

# A file nginx does not have: a failed row with the status, the run goes on.
run_pb 1 run n.ini -q -o missing.csv --set "workload.nginx.url=http://127.0.0.1:$port/none{task}" --only executor=serial
assert_contains missing.csv "HTTP status 404"
[[ $(paste -d' ' <(csv_col missing.csv workload) <(csv_col missing.csv status) | sort -u | tr '\n' ' ') == "builtin ok nginx failed nginx-list ok " ]] ||
    fail "statuses: $(paste -d' ' <(csv_col missing.csv workload) <(csv_col missing.csv status) | sort -u)"
pass "nginx 404: failed row, other workloads ok"
