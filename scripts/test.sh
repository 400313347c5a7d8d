#!/usr/bin/env bash
# Runs every test suite against the build in ./build: unit (gtest via ctest), integration (a real
# kefu server over HTTP/WebSocket), the fuzz targets for a bounded time (scripts/fuzz.sh, their own
# clang build in ./build-fuzz; FUZZ_SECONDS sets the total, 0 skips), the OpenAPI lint, and the
# browser end-to-end test.
# Prints one summary line "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
passed=0
failed=0
failures=()

suite() {  # suite NAME COMMAND...
  local name=$1
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

suite "unit (ctest)" ctest --test-dir build --output-on-failure -j 2
suite "integration" python3 -m unittest discover -s tests/integration -t tests/integration -v
if [ "${FUZZ_SECONDS:-80}" != 0 ]; then
  suite "fuzz" scripts/fuzz.sh
fi

if [ -f tools/openapi/package.json ]; then
  openapi_lint() {
    (cd tools/openapi && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent lint)
  }
  suite "openapi lint" openapi_lint
fi

if [ -f web/e2e/run.mjs ] && [ -f web/dist/index.html ]; then
  e2e() {
    local dir port pid rc
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    echo 'orchid-lantern-7412' | build/kefu staff add --db "$dir/kefu.db" --email e2e@kefu.test --role agent --desk L1 \
      --name "客服 小E" --password-stdin >/dev/null || return 1
    build/kefu kb import data/demo/kb.jsonl --db "$dir/kefu.db" >/dev/null || return 1
    echo 'orchid-lantern-7412' | build/kefu staff add --db "$dir/kefu.db" --email kb@kefu.test --role kb_editor \
      --name "知识库 小K" --password-stdin >/dev/null || return 1
    echo 'orchid-lantern-7412' | build/kefu staff add --db "$dir/kefu.db" --email sup@kefu.test --role supervisor \
      --name "主管 小S" --password-stdin >/dev/null || return 1
    echo 'orchid-lantern-7412' | build/kefu staff add --db "$dir/kefu.db" --email audit@kefu.test --role auditor \
      --name "审计 小A" --password-stdin >/dev/null || return 1
    build/kefu serve --db "$dir/kefu.db" --listen "127.0.0.1:$port" --web-root web/dist >"$dir/out.log" 2>"$dir/server.log" &
    pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    KEFU_URL="http://127.0.0.1:$port" KEFU_AGENT_EMAIL=e2e@kefu.test KEFU_AGENT_PASSWORD=orchid-lantern-7412 \
      KEFU_KB_EMAIL=kb@kefu.test KEFU_KB_PASSWORD=orchid-lantern-7412 \
      KEFU_SUP_EMAIL=sup@kefu.test KEFU_SUP_PASSWORD=orchid-lantern-7412 \
      KEFU_AUDITOR_EMAIL=audit@kefu.test KEFU_AUDITOR_PASSWORD=orchid-lantern-7412 \
      node web/e2e/run.mjs
    rc=$?
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ $rc -eq 0 ] || tail -20 "$dir/server.log"
    rm -rf "$dir"
    return $rc
  }
  suite "e2e (chromium)" e2e
fi

echo
[ ${#failures[@]} -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
