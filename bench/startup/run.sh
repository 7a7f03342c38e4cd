#!/usr/bin/env bash
# run.sh — start-to-first-answer and idle RSS of gureum, with nginx and
# moto_server measured in the same run for ratios. See README.md.
#
#   bench/startup/run.sh            (from anywhere; `make bench` builds build/gureum first)
#   RUNS=20 GUREUM=build/gureum PEERS="nginx moto" bench/startup/run.sh
#
# Each run starts the server with a fresh data directory and a free port,
# polls until the first 200, sends a few requests, reads VmRSS, stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-20}
GUREUM=${GUREUM:-build/gureum}
PEERS=${PEERS:-nginx moto}
OUT=${OUT:-bench/out/startup}
CC=${CC:-cc}
mkdir -p "$OUT"
FR="$OUT/firstreply"
$CC -O2 -std=gnu17 -Wall -Wextra -Werror -o "$FR" bench/startup/firstreply.c

WORK=$(mktemp -d /tmp/gureum-bench-startup.XXXXXX)
chmod 755 "$WORK" # nginx workers run as www-data and must reach their root
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

# stats FILE → "median p90 rss_median" over lines "ms=… tree_rss_kib=…".
# p90 is nearest-rank: the ceil(0.9 n)-th smallest.
stats() {
    local ms rss
    ms=$(sed -n 's/.*ms=\([0-9.]*\).*/\1/p' "$1" | sort -g)
    rss=$(sed -n 's/.*tree_rss_kib=\([0-9]*\).*/\1/p' "$1" | sort -n)
    awk -v rss="$(echo "$rss" | tr '\n' ' ')" '
        { a[NR] = $1 }
        END {
            n = NR; if (n == 0) { print "nan nan nan"; exit }
            med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            k = int(0.9 * n); if (k < 0.9 * n) k++
            m = split(rss, r, " ")
            rmed = (m % 2) ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2
            printf "%.1f %.1f %d\n", med, a[k], rmed
        }' <<<"$ms"
}

# measure NAME PATH SETUP — SETUP DIR PORT prints the command for one run.
measure() {
    local name=$1 path=$2 setup=$3 raw="$OUT/$name.txt" fails=0
    : >"$raw"
    for ((i = 1; i <= RUNS; i++)); do
        local dir="$WORK/$name-$i" port cmd
        mkdir -p "$dir"
        port=$("$FR" -f)
        # shellcheck disable=SC2207
        cmd=($($setup "$dir" "$port"))
        if ! "$FR" -P "$port" -u "$path" -l "$dir/server.log" -- "${cmd[@]}" >>"$raw"; then
            fails=$((fails + 1))
            echo "startup: $name run $i failed; log:" >&2
            tail -5 "$dir/server.log" >&2 || true
            [ $fails -ge 3 ] && { echo "startup: giving up on $name" >&2; return 1; }
            continue # keep $dir for a look with KEEP=1
        fi
        rm -rf "$dir"
    done
}

setup_gureum() { echo "$GUREUM serve --host 127.0.0.1 --port $2 --data $1/data"; }

setup_nginx() {
    local dir=$1 port=$2
    mkdir -p "$dir/www/_gureum" "$dir/tmp"
    echo ok >"$dir/www/_gureum/health"
    # The minimal conf of /work/shared/PEERS.md, plus paths that keep it inside $dir.
    cat >"$dir/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    access_log off; sendfile on; keepalive_requests 100000;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fcgi;
    uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
    echo "$NGINX -e $dir/error.log -c $dir/nginx.conf -p $dir/"
}

setup_moto() { echo "$MOTO -H 127.0.0.1 -p $2"; }

declare -A RES
run_one() {
    local name=$1
    echo "startup: $name × $RUNS ..." >&2
    if measure "$@" && [ -s "$OUT/$name.txt" ]; then RES[$name]=$(stats "$OUT/$name.txt"); fi
}

if [ -x "$GUREUM" ]; then
    run_one gureum /_gureum/health setup_gureum
else
    echo "startup: $GUREUM not built (make build/gureum); measuring peers only" >&2
fi
for peer in $PEERS; do
    case $peer in
    nginx)
        NGINX=$(command -v nginx || echo /usr/sbin/nginx)
        if [ -x "$NGINX" ]; then run_one nginx /_gureum/health setup_nginx; else echo "startup: nginx not installed" >&2; fi
        ;;
    moto)
        if command -v moto_server >/dev/null; then
            # Past pyenv's shim (a bash script) to the real entry point, so the shim is not timed.
            MOTO=$(pyenv which moto_server 2>/dev/null || command -v moto_server)
            # moto answers GET / (S3 ListBuckets) with 200.
            run_one moto / setup_moto
        else
            echo "startup: moto_server not on PATH; skipped" >&2
        fi
        ;;
    *) echo "startup: unknown peer $peer" >&2 ;;
    esac
done

# ==== Report ====
printf '\nstart to first 200, %d runs each (%s, %s)\n' "$RUNS" "$(uname -r)" "$(nproc) cpus"
printf '%-8s %10s %10s %14s %16s %14s\n' server median_ms p90_ms idle_rss_kib "median/gureum" "rss/gureum"
g_med="" g_rss=""
[ -n "${RES[gureum]:-}" ] && read -r g_med _ g_rss <<<"${RES[gureum]}"
for name in gureum nginx moto; do
    [ -n "${RES[$name]:-}" ] || continue
    read -r med p90 rss <<<"${RES[$name]}"
    if [ -n "$g_med" ]; then
        rt=$(awk -v a="$med" -v b="$g_med" 'BEGIN { printf (b > 0 ? "%.2fx" : "n/a"), a / b }')
        rr=$(awk -v a="$rss" -v b="$g_rss" 'BEGIN { printf (b > 0 ? "%.2fx" : "n/a"), a / b }')
    else
        rt=n/a rr=n/a
    fi
    printf '%-8s %10s %10s %14s %16s %14s\n' "$name" "$med" "$p90" "$rss" "$rt" "$rr"
done
echo "raw samples: $OUT/<server>.txt (idle RSS = server process plus its children, after 10 requests)"
