#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for the leadprivacy tests.
#
# Starts a private server as an unprivileged user in a fresh temp dir,
# listening only on a unix socket in that dir (listen_addresses=''), with
# fsync off (test data only), creates a database and exports
#   LEADPRIVACY_TEST_POSTGRES_DSN="host=<socket dir> user=postgres dbname=leadprivacy_test sslmode=disable"
# Works as root on a fresh machine: installs postgresql-15 (or postgresql)
# with apt-get when the binaries are missing, and creates a system user
# when none fits (postgres refuses to run as root). LP_PG_FSYNC=on starts
# it durable (fsync, synchronous_commit, full_page_writes on), for
# benchmarks whose figures must include the cost of durability.
#
# Usage:
#   source .ci/postgres.sh          # start; DSN exported; stopped when the shell exits
#                                   # (lp_pg_stop stops it earlier)
#   .ci/postgres.sh run CMD ARGS... # start, run CMD with the DSN, stop; exit status of CMD
#   .ci/postgres.sh start           # start and print shell exports (eval "$(...)");
#   .ci/postgres.sh stop DIR        # stop a server started with "start" (LP_PG_DIR)

lp_pg_log() { echo "postgres.sh: $*" >&2; }

# lp_pg_bindir prints the directory of initdb/pg_ctl, installing them if needed.
lp_pg_bindir() {
	local d
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
	done
	if [ "$(id -u)" -ne 0 ]; then
		lp_pg_log "PostgreSQL binaries not found under /usr/lib/postgresql and not root to install them"
		return 1
	fi
	lp_pg_log "installing PostgreSQL with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || return 1
	apt-get install -y -qq postgresql-15 >&2 || apt-get install -y -qq postgresql >&2 || return 1
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
	done
	lp_pg_log "PostgreSQL installed but initdb not found"
	return 1
}

# lp_pg_as runs a command as the server's unprivileged user.
lp_pg_as() {
	if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
	if command -v runuser >/dev/null 2>&1; then
		runuser -u "$LP_PG_USER" -- "$@"
	else
		su -s /bin/sh "$LP_PG_USER" -c "$(printf '%q ' "$@")"
	fi
}

lp_pg_start() {
	local bin dir
	bin=$(lp_pg_bindir) || return 1
	if [ "$(id -u)" -eq 0 ]; then
		LP_PG_USER=${LP_PG_USER:-postgres}
		if ! id "$LP_PG_USER" >/dev/null 2>&1; then
			lp_pg_log "creating system user $LP_PG_USER"
			useradd --system --no-create-home --shell /usr/sbin/nologin "$LP_PG_USER" || return 1
		fi
	else
		LP_PG_USER=$(id -un)
	fi
	dir=$(mktemp -d /tmp/lp-pg.XXXXXX) || return 1
	chmod 755 "$dir"
	mkdir -m 700 "$dir/data"
	[ "$(id -u)" -eq 0 ] && chown -R "$LP_PG_USER" "$dir"
	if ! lp_pg_as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
		lp_pg_log "initdb failed:"; cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1
	fi
	local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	[ "${LP_PG_FSYNC:-off}" = on ] && durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	if ! lp_pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' $durability -c max_connections=200 -c shared_buffers=256MB" \
		start >/dev/null; then
		lp_pg_log "server failed to start:"; cat "$dir/server.log" >&2; rm -rf "$dir"; return 1
	fi
	local i
	for i in $(seq 1 100); do
		"$bin/pg_isready" -q -h "$dir" -U postgres && break
		sleep 0.1
	done
	if ! lp_pg_as "$bin/createdb" -h "$dir" -U postgres leadprivacy_test; then
		lp_pg_log "createdb failed"; lp_pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null; rm -rf "$dir"; return 1
	fi
	export LP_PG_DIR="$dir" LP_PG_BIN="$bin" LP_PG_USER
	export LEADPRIVACY_TEST_POSTGRES_DSN="host=$dir user=postgres dbname=leadprivacy_test sslmode=disable"
	lp_pg_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') running on $dir"
}

# lp_pg_stop stops the server and removes its directory (default: $LP_PG_DIR).
lp_pg_stop() {
	local dir=${1:-$LP_PG_DIR} bin=${LP_PG_BIN:-}
	[ -n "$dir" ] && [ -d "$dir/data" ] || return 0
	[ -n "$bin" ] || bin=$(lp_pg_bindir) || return 1
	LP_PG_USER=${LP_PG_USER:-$(stat -c %U "$dir/data")}
	lp_pg_as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
	rm -rf "$dir"
	[ "$dir" = "${LP_PG_DIR:-}" ] && unset LP_PG_DIR LEADPRIVACY_TEST_POSTGRES_DSN
	return 0
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	# Sourced: start now, stop when the sourcing shell exits.
	if lp_pg_start; then
		trap lp_pg_stop EXIT
	else
		return 1
	fi
else
	set -u
	case "${1:-}" in
	run)
		shift
		[ $# -gt 0 ] || { lp_pg_log "usage: $0 run CMD ARGS..."; exit 2; }
		lp_pg_start || exit 1
		trap lp_pg_stop EXIT INT TERM
		"$@"
		;;
	start)
		lp_pg_start || exit 1
		printf 'export LP_PG_DIR=%q LEADPRIVACY_TEST_POSTGRES_DSN=%q\n' "$LP_PG_DIR" "$LEADPRIVACY_TEST_POSTGRES_DSN"
		;;
	stop)
		lp_pg_stop "${2:-}"
		;;
	*)
		lp_pg_log "usage: source $0 | $0 run CMD ARGS... | $0 start | $0 stop DIR"
		exit 2
		;;
	esac
fi
