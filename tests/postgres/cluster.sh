#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests, on 127.0.0.1 and a free
# port, in a temporary directory, run as the postgres user (initdb refuses
# root). fsync is off: these clusters hold nothing worth keeping.
#
#   tests/postgres/cluster.sh start DIR   creates and starts it; prints its URI
#                                         (postgresql://hubbub@127.0.0.1:PORT)
#   tests/postgres/cluster.sh stop DIR    stops it and removes DIR
#
# The role "hubbub" is the cluster's superuser, trusted on loopback only.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR}
dir=${2:?usage: cluster.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case $cmd in
  start)
    if [ ! -x "$bin/initdb" ]; then
      echo "cluster.sh: PostgreSQL 15 is not installed ($bin/initdb missing)" >&2
      exit 1
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$dir"
    fi
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U hubbub --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # A port taken between free_port and the start is tried again, a few times.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
              -c full_page_writes=off -c max_connections=200" start >/dev/null 2>&1; then
        echo "$port" >"$dir/port"
        echo "postgresql://hubbub@127.0.0.1:$port"
        exit 0
      fi
    done
    echo "cluster.sh: PostgreSQL did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
