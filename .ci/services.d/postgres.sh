# shellcheck shell=bash
# Sourced by .ci/run: a throwaway PostgreSQL cluster for the outcome store's tests.
# Debian's postgresql package provides the binaries; the cluster lives in a temp dir owned
# by the postgres user (initdb refuses root), listens on 127.0.0.1 and on a unix socket in
# that dir, on a free port. Exports RXMATCH_TEST_POSTGRES_URL and appends a stop command
# to the bash array `cleanups`. Without the binaries it does nothing (the tests skip).
_rx_pg_start() {
  local bindir port dir runas url
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "postgres.sh: no PostgreSQL server binaries; the PostgreSQL tests will skip" >&2
    return 0
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  dir=$(mktemp -d /tmp/rxmatch-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    runas=(runuser -u postgres --)
  else
    runas=()
  fi
  chmod 700 "$dir"
  "${runas[@]}" "$bindir/initdb" -D "$dir/data" -U rxmatch --auth=trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
    || { echo "postgres.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; return 1; }
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=50" start >/dev/null \
    || { echo "postgres.sh: the server did not start:" >&2; cat "$dir/server.log" >&2; return 1; }
  "${runas[@]}" "$bindir/createdb" -h "$dir" -p "$port" -U rxmatch rxmatch_test
  url="postgresql://rxmatch@127.0.0.1:$port/rxmatch_test"
  export RXMATCH_TEST_POSTGRES_URL="$url"
  cleanups+=("${runas[*]} $bindir/pg_ctl -D $dir/data -m immediate -w stop >/dev/null 2>&1; rm -rf $dir")
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (RXMATCH_TEST_POSTGRES_URL)" >&2
}
_rx_pg_start
unset -f _rx_pg_start
