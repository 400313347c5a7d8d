#!/usr/bin/env bash
# `make bench`: every benchmark, results in bench/results/*.json (see bench/README.md).
# Needs build/kefu (make bench builds it first), g++, node/npm (peers' deps are installed by npm ci).
# Exit status: non-zero when a budget fails or a benchmark could not run; every benchmark runs anyway.
set -u
cd "$(dirname "$0")/.."
status=0
python3 bench/chat/run.py "$@" || status=1
python3 bench/startup/run.py || status=1
python3 bench/history/run.py || status=1
build/bench/bot/kefu_bot_bench || status=1
python3 bench/tickets/run.py || status=1
exit $status
