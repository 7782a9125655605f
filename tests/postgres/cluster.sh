#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests, on 127.0.0.1 and a free
# port, in a temporary directory, run as the postgres user (initdb refuses
# root). fsync is off: these clusters hold nothing worth keeping.
#
#   tests/postgres/cluster.sh start DIR [durable]
#                                         creates and starts it; prints its URI
#                                         (postgresql://hubbub@127.0.0.1:PORT);
#                                         durable: fsync and synchronous commit
#                                         on, for tests that crash the server
#   tests/postgres/cluster.sh stop DIR    stops it and removes DIR
#   tests/postgres/cluster.sh pause DIR   stops the server at once (as a crash
#                                         would), keeping its data
#   tests/postgres/cluster.sh resume DIR  starts it again on the same port
#
# The role "hubbub" is the cluster's superuser, trusted on loopback only.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|pause|resume DIR}
dir=${2:?usage: cluster.sh start|stop|pause|resume DIR}
bin=/usr/lib/postgresql/15/bin

# The server's settings: fast and forgetful, unless the cluster was started
# durable (a crash of the server must then lose nothing acknowledged).
settings() {
  local port=$1
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ -f "$dir/durable" ]; then
    durability="-c fsync=on -c synchronous_commit=on"
  fi
  echo "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=200"
}

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
    if [ "${3:-}" = durable ]; then
      touch "$dir/durable"
    fi
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$dir"
    fi
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U hubbub --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # A port taken between free_port and the start is tried again, a few times.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(settings "$port")" \
          start >/dev/null 2>&1; then
        echo "$port" >"$dir/port"
        echo "postgresql://hubbub@127.0.0.1:$port"
        exit 0
      fi
    done
    echo "cluster.sh: PostgreSQL did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
    ;;
  pause)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  resume)
    port=$(cat "$dir/port")
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(settings "$port")" start >/dev/null
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: cluster.sh start|stop|pause|resume DIR" >&2
    exit 2
    ;;
esac
