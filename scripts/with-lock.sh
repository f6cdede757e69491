#!/usr/bin/env bash
# Runs a command while holding an exclusive lock on a file, waiting for the lock first.
#
#   scripts/with-lock.sh LOCKFILE COMMAND [ARGS...]
#
# For the things several stacks (dev, test, other checkouts sharing the venv or the Tryton
# cache) may build at the same moment: the second one waits, then finds the work done.
# The lock is released when COMMAND exits, however it exits (the kernel drops it with the
# process), so a killed run never leaves a stale lock. COMMAND itself does not inherit the
# lock's file descriptor: a daemon it starts cannot hold the lock forever.
# Uses flock(1) (util-linux) when present, else Python's fcntl.flock.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: scripts/with-lock.sh LOCKFILE COMMAND [ARGS...]" >&2; exit 2; }
lock=$1
shift
mkdir -p "$(dirname "$lock")"
if command -v flock >/dev/null; then
    exec flock --close "$lock" "$@"
fi
exec python3 -c '
import fcntl, os, subprocess, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)  # close-on-exec: the child does not get it
fcntl.flock(fd, fcntl.LOCK_EX)
sys.exit(subprocess.call(sys.argv[2:]))
' "$lock" "$@"
