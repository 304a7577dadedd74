#!/usr/bin/env bash
# Checks a running Detour end to end: liveness, readiness, then every deployment's health.
# Exit: 0 all good; 5 Detour unreachable; 1 not ready (no usable config); otherwise the exit code
# of `detour health --check` (2 usage / no admin key, 4 admin key refused, 6 a deployment unhealthy).
# Environment: DETOUR_URL (default http://127.0.0.1:4000), DETOUR_ADMIN_KEY (server.adminKey),
# DETOUR_CLI (how to run detour; default `detour` if on PATH, else `node dist/cli/main.js`).
set -u
url="${DETOUR_URL:-http://127.0.0.1:4000}"
url="${url%/}"
if [ -n "${DETOUR_CLI:-}" ]; then
  read -r -a cli <<<"$DETOUR_CLI"
elif command -v detour >/dev/null 2>&1; then
  cli=(detour)
else
  cli=(node dist/cli/main.js)
fi

if ! curl -fsS --max-time 5 "$url/healthz" >/dev/null 2>&1; then
  echo "check-detour: cannot reach $url/healthz: is Detour running (detour start), and is DETOUR_URL right?" >&2
  exit 5
fi
echo "ok: $url/healthz (alive)"

ready="$(curl -sS --max-time 5 -w '\n%{http_code}' "$url/readyz" 2>&1)"
code="${ready##*$'\n'}"
body="${ready%$'\n'*}"
if [ "$code" != "200" ]; then
  echo "check-detour: $url/readyz answered $code: $body (fix the config: detour config check FILE)" >&2
  exit 1
fi
case "$body" in
  *degraded*) echo "warn: $url/readyz says degraded (shared state in Redis unreachable; serving on local view)" ;;
  *) echo "ok: $url/readyz (ready)" ;;
esac

if [ -z "${DETOUR_ADMIN_KEY:-}" ]; then
  echo "check-detour: set DETOUR_ADMIN_KEY (the config's server.adminKey) to check deployment health" >&2
  exit 2
fi
"${cli[@]}" health --check --url "$url"
status=$?
case "$status" in
  0) echo "ok: every deployment is healthy" ;;
  6) echo "check-detour: a deployment is not healthy: run detour incidents, then detour explain --model MODEL --since 1h" >&2 ;;
  4) echo "check-detour: the admin key was refused: DETOUR_ADMIN_KEY must equal server.adminKey" >&2 ;;
  *) echo "check-detour: detour health --check exited $status" >&2 ;;
esac
exit "$status"
