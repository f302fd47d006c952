#!/usr/bin/env bash
# tmux-reprobe.sh OUTDIR -- COMMAND [ARGS...]
#
# A tmux session started in kitty (so COMMAND detects kitty graphics), detached when term-shot
# ends its client after the capture, then re-attached from xterm as a VT340 (sixel): the
# lighttable must ask the terminal again and switch to sixel and xterm's cell size.
# Writes OUTDIR/1-kitty.png and OUTDIR/2-xterm.png; look at both. Needs ../shared/tools.
#   bench/tmux-reprobe.sh /tmp/reprobe -- node bin/termtable.js --no-import
set -euo pipefail
(($# >= 3)) && [[ $2 == -- ]] || { echo "usage: tmux-reprobe.sh OUTDIR -- COMMAND [ARGS...]" >&2; exit 2; }
out=$1; shift 2
tools=$(cd "$(dirname "$0")/../../shared/tools" && pwd)
mkdir -p "$out"
sock=$out/tmux.sock
printf '%s\n' 'set -g allow-passthrough on' 'set -g status off' 'set -g focus-events on' \
  'set -g default-terminal tmux-256color' >"$out/tmux.conf"
trap 'tmux -S "$sock" kill-server 2>/dev/null || true' EXIT
"$tools/term-shot" --term kitty --cols 120 --rows 36 --wait 25 --allow-blank --ignore-status -o "$out/1-kitty.png" -- \
  tmux -S "$sock" -f "$out/tmux.conf" new-session -s tt "$(printf '%q ' "$@"); sleep 600"
sleep 3
"$tools/term-shot" --term xterm-sixel --cols 120 --rows 36 --wait 25 --allow-blank --ignore-status -o "$out/2-xterm.png" -- \
  tmux -S "$sock" attach -t tt
