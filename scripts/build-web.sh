#!/usr/bin/env bash
# Builds the web UI (web/ → web/dist) with npm, only when its sources changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/../web" 2>/dev/null || exit 0
[ -f package.json ] || exit 0

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "build-web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

stamp=dist/.built
if [ -f "$stamp" ] && [ -z "$(find src index.html console package.json vite.config.* tsconfig*.json -newer "$stamp" 2>/dev/null | head -1)" ]; then
  exit 0
fi
echo "build-web: npm run build"
npm run build --silent
touch "$stamp"
