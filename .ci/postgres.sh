#!/usr/bin/env bash
# A private PostgreSQL cluster on 127.0.0.1 for the warehouse tests.
#   .ci/postgres.sh start DIR PORT   initdb DIR (if new) and start; prints the postmaster PID
#   .ci/postgres.sh stop DIR         stop the postmaster whose PID DIR/postmaster.pid holds
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` system user
# that Debian's postgresql package creates.
set -euo pipefail
action=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 2
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    port=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir" -U healthscore --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null
    head -n 1 "$dir/postmaster.pid"
    ;;
  stop)
    if [ -f "$dir/postmaster.pid" ]; then
      pid=$(head -n 1 "$dir/postmaster.pid")
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
