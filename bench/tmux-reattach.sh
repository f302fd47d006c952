#!/usr/bin/env bash
# tmux-reattach.sh DETACH_AT GAP -- COMMAND [ARGS...]
#
# Runs COMMAND in a private tmux server (passthrough on, like term-shot --tmux), detaches the
# client DETACH_AT seconds later, and re-attaches a new client GAP seconds after that, in the
# same terminal: the usual SSH workflow, for screenshots of what a terminal shows after a
# re-attach. term-shot --tmux cannot do this (its tmux client is the last thing it runs), so run
# this under plain term-shot:
#   term-shot --term kitty --cols 160 --rows 48 --wait 30 -o after.png -- \
#     bench/tmux-reattach.sh 12 3 -- node bin/termtable.js --no-import --protocol kitty
# The tmux server is killed when the second client ends (or this script is terminated).
set -euo pipefail
(($# >= 4)) && [[ $3 == -- ]] || { echo "usage: tmux-reattach.sh DETACH_AT GAP -- COMMAND [ARGS...]" >&2; exit 2; }
detach_at=$1 gap=$2; shift 3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tmux-reattach.XXXXXX")
sock=$tmp/tmux.sock
printf '%s\n' 'set -g allow-passthrough on' 'set -g status off' \
  'set -g default-terminal tmux-256color' 'set -ga terminal-overrides ",*:RGB"' >"$tmp/tmux.conf"
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
(sleep "$detach_at"; tmux -S "$sock" detach-client -s bench) &
tmux -S "$sock" -f "$tmp/tmux.conf" new-session -s bench "$(printf '%q ' "$@"); sleep 100000"
echo "detached at $(date +%T); re-attaching in ${gap}s"
sleep "$gap"
tmux -S "$sock" attach-session -t bench
