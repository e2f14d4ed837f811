#!/bin/sh
# openclaw-scope-watchdog launcher for WSL without systemd; written by `scope-watchdog service install --wsl`.
# Started at Windows logon by the task "openclaw-scope-watchdog" (wsl.exe ... --exec this file), or by a
# [boot] command in /etc/wsl.conf. Runs the watchdog in the foreground; its JSON log is appended to service.log (one previous
# file of up to 10 MiB is kept as service.log.1).
set -eu
umask 077
log_dir=/home/alice/.local/state/openclaw-scope-watchdog
log="$log_dir/service.log"
mkdir -p "$log_dir"
if [ -f "$log" ] && [ "$(wc -c < "$log")" -gt 10485760 ]; then mv -f "$log" "$log.1"; fi
PATH=/usr/bin:/usr/local/bin:/bin
export PATH
exec >>"$log" 2>&1
exec /usr/bin/node /usr/lib/node_modules/openclaw-scope-watchdog/dist/cli/bin.js run
