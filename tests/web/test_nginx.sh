#!/usr/bin/env bash
# test_nginx.sh — examples/nginx.conf, as committed (only its three ports
# changed), in front of two `bitslot serve` sharing one store (web_nginx):
#   - requests through nginx are answered, by both servers;
#   - behind it, clients are told apart by X-Forwarded-For from the trusted
#     proxy: one client (127.0.0.2) throttled after 10 wrong passwords does
#     not throttle another (127.0.0.3), and cannot escape by sending its own
#     X-Forwarded-For; a client talking to serve directly (not the trusted
#     proxy) cannot choose its address with the header either;
#   - one serve killed with SIGKILL: GETs and POSTs are still answered (a
#     request the dead one refused goes to the other), the POST done once.
# Needs BITSLOT_BIN, BITSLOT_EXAMPLES and nginx (NGINX, or on PATH/sbin).
set -u

bin=${BITSLOT_BIN:?}
example=${BITSLOT_EXAMPLES:?}/nginx.conf
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx's workers run as nobody when started by root
pids=()
nginx_pid=""
failures=0

cleanup() {
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    [ -n "$nginx_pid" ] && wait "$nginx_pid" 2>/dev/null
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve N: start a server on the store, its port in port_N.
serve() {
    BITSLOT_NOW=1800000000 "$bin" --store "lmdb:$tmp/store" serve --listen 127.0.0.1:0 \
        --trusted-proxy 127.0.0.1 2> "$tmp/serve$1.log" &
    pids+=($!)
    eval "serve$1_pid=$!"
    for _ in $(seq 1 200); do
        port=$(sed -n 's|^bitslot: serving on http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/serve$1.log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$tmp/serve$1.log" >&2; echo "serve $1 did not start" >&2; exit 1; }
    eval "port$1=$port"
}

# expect STATUS CURL-ARGS...: the request must answer STATUS; its body in
# $tmp/body.
expect() {
    local want=$1 got
    shift
    got=$(curl -sS -o "$tmp/body" -w '%{http_code}' -m 20 "$@")
    [ "$got" = "$want" ] || fail "curl $* answered $got, not $want: $(head -c 300 "$tmp/body")"
}

"$bin" --store "lmdb:$tmp/store" init > /dev/null || exit 1
serve 1
serve 2
proxy=$(free_port)

# The committed example, only its ports changed (each exactly once where it
# is used; the test fails when the example's shape changes).
for pair in "listen 127.0.0.1:8000;/listen 127.0.0.1:$proxy;" \
    "server 127.0.0.1:8081 /server 127.0.0.1:$port1 " "server 127.0.0.1:8082 /server 127.0.0.1:$port2 "; do
    from=${pair%%/*}
    [ "$(grep -c -F "$from" "$example")" = 1 ] || { echo "examples/nginx.conf: no single \"$from\"" >&2; exit 1; }
done
sed -e "s/listen 127.0.0.1:8000;/listen 127.0.0.1:$proxy;/" \
    -e "s/server 127.0.0.1:8081 /server 127.0.0.1:$port1 /" \
    -e "s/server 127.0.0.1:8082 /server 127.0.0.1:$port2 /" "$example" > "$tmp/nginx.conf"
mkdir "$tmp/nginx"
chmod 755 "$tmp/nginx"
"$nginx" -p "$tmp/nginx/" -c "$tmp/nginx.conf" -e stderr -g 'daemon off;' 2> "$tmp/nginx.log" &
nginx_pid=$!
base=http://127.0.0.1:$proxy
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$base/healthz" && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$tmp/nginx.log" >&2; echo "nginx did not start" >&2; exit 1; }
    sleep 0.1
done

# Answered through nginx, by both servers (round robin).
for _ in 1 2 3 4; do
    expect 200 "$base/healthz"
done
expect 201 -H 'Content-Type: application/json' -d '{"name":"alice","password":"password1"}' \
    "$base/api/v1/accounts"
grep -q '"api_key":"' "$tmp/body" || fail "no API key: $(cat "$tmp/body")"
for n in 1 2; do
    grep -q 'GET /healthz' "$tmp/serve$n.log" || fail "serve $n answered no request through nginx"
done

# login_as ADDRESS URL NAME [HEADER]: one wrong password for NAME, from
# source ADDRESS (a loopback address of its own), through URL, with the
# login form's cookie and token; prints the status.
login_as() {
    local jar=$tmp/jar-$1 token
    curl -sS -m 20 --interface "$1" -c "$jar" -b "$jar" -o "$tmp/form" "$2/login"
    token=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$tmp/form" | head -1)
    curl -sS -m 20 --interface "$1" -c "$jar" -b "$jar" -o "$tmp/body" -w '%{http_code}' \
        ${4:+-H "$4"} --data-urlencode "name=$3" --data-urlencode 'password=wrong-password' \
        --data-urlencode "csrf=$token" "$2/login"
}

# Client A: 10 wrong passwords are refused as such, the 11th is throttled —
# also when it names another address in X-Forwarded-For.
for i in $(seq 1 10); do
    got=$(login_as 127.0.0.2 "$base" "nobody$i")
    [ "$got" = 401 ] || fail "A's wrong password $i: $got"
done
got=$(login_as 127.0.0.2 "$base" nobody11)
[ "$got" = 429 ] || fail "A's 11th wrong password: $got, not 429"
grep -q 'too many attempts, try again in' "$tmp/body" || fail "A's 11th: $(head -c 300 "$tmp/body")"
got=$(login_as 127.0.0.2 "$base" nobody12 'X-Forwarded-For: 192.0.2.1')
[ "$got" = 429 ] || fail "A naming another address in X-Forwarded-For: $got, not 429"
# Client B, behind the same proxy: not throttled by A.
got=$(login_as 127.0.0.3 "$base" nobody13)
[ "$got" = 401 ] || fail "B behind the same proxy: $got, not 401 (throttled by A?)"
# Client C, straight to serve 1 (not the trusted proxy): X-Forwarded-For
# changes nothing, a new address each time or not.
for i in $(seq 1 10); do
    got=$(login_as 127.0.0.4 "http://127.0.0.1:$port1" "other$i" "X-Forwarded-For: 198.51.100.$i")
    [ "$got" = 401 ] || fail "C's wrong password $i: $got"
done
got=$(login_as 127.0.0.4 "http://127.0.0.1:$port1" other11 "X-Forwarded-For: 198.51.100.99")
[ "$got" = 429 ] || fail "C spoofing X-Forwarded-For: $got, not 429"

# One serve killed: still answered.
kill -KILL "$serve1_pid"
wait "$serve1_pid" 2>/dev/null
for _ in $(seq 1 6); do
    expect 200 "$base/healthz"
    expect 200 "$base/api/v1/campaigns"
done
expect 201 -H 'Content-Type: application/json' -d '{"name":"bob","password":"password1"}' \
    "$base/api/v1/accounts"
expect 409 -H 'Content-Type: application/json' -d '{"name":"bob","password":"password1"}' \
    "$base/api/v1/accounts"

# The serve left stops cleanly (under a sanitizer: nothing to report).
kill -TERM "$serve2_pid"
wait "$serve2_pid"
code=$?
[ "$code" = 0 ] && grep -q '^bitslot: stopped$' "$tmp/serve2.log" ||
    fail "serve 2 exited $code: $(grep -v ' /' "$tmp/serve2.log" | tail -20)"

if [ "$failures" -ne 0 ]; then
    echo "nginx log:" >&2
    cat "$tmp/nginx.log" "$tmp/nginx/error.log" >&2 2>/dev/null
    exit 1
fi
echo "ok: nginx in front of two serves"
