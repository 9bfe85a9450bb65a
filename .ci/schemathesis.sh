#!/usr/bin/env bash
# The API guard: schemathesis (pinned, from PyPI) fuzzes every operation of
# /api/openapi.json against `linli serve --demo` on SQLite, as a resident and as the
# platform admin, with a fixed budget and seed. Any 5xx, any answer outside the document
# (status, content type or body schema) fails, naming the operation. The two operations
# that end sessions (DELETE /api/v1/sessions and /api/v1/sessions/current) are left out:
# fuzzing them revokes the run's own token, and every later case would be refused with
# 401 and check nothing; a run with an operation answered only 401 fails.
# Usage: .ci/schemathesis.sh path/to/linli
set -euo pipefail
bin=${1:?the linli binary}
version=4.32.5
if ! schemathesis --version 2>/dev/null | grep -q "$version"; then
  python3 -m pip install -q --disable-pip-version-check "schemathesis==$version" >/dev/null 2>&1
fi
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
LINLI_LOG=warn "$bin" --data "$data" serve --demo --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 60); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
for phone in 13800000007 13800000000; do
  token=$(curl -fsS -X POST -H 'content-type: application/json' \
    -d "{\"phone\":\"$phone\",\"password\":\"linli2026\"}" "$base/api/v1/sessions" |
    python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
  echo "ci: schemathesis as $phone"
  schemathesis run "$base/api/openapi.json" --url "$base" -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
    --exclude-operation-id logout --exclude-operation-id logout_everywhere \
    --phases examples,coverage,fuzzing -n 20 --seed 2026 --no-color 2>&1 |
    tee "$data/report.txt" | grep -E "generated|passed|failed|FAILED|^[0-9]+\. |Error" | head -40
  grep -qE "[0-9]+ generated, [0-9]+ passed$" "$data/report.txt" || { cat "$data/report.txt" | tail -80; exit 1; }
  # schemathesis lists operations answered only with 401 or 403; a 403 is a resident
  # being refused what they may not do (a check that ran), a 401 is the token lost.
  if grep -q "^401 Unauthorized" "$data/report.txt"; then
    echo "ci: schemathesis ran logged out for some operations (its token was refused)" >&2
    grep -A12 "^401 Unauthorized" "$data/report.txt" >&2
    exit 1
  fi
done
kill -0 $server 2>/dev/null || { echo "ci: the server died during the run" >&2; tail -40 "$data/serve.log"; exit 1; }
