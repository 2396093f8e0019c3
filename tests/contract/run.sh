#!/usr/bin/env bash
# The API contract: Schemathesis (PyPI) against a real jasmine-server on loopback, with
# the demo key set and two reports waiting, every check on, the stateful links of
# docs/openapi.yaml followed, and moderator requests signed (hooks.py). It fails on a
# 5xx, a response that breaks the schema, an undocumented status, or a panic in the
# server's log. Run from the repository root after `cargo build --workspace --bins`.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${CONTRACT_SECONDS:-90}
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The demo bundle names the server's check key, so that the check's endpoints answer.
./target/debug/jasmine-keys demo --dir "$work/demo" \
  --check-key "$(./target/debug/jasmine-server --data-dir "$work/data" --print-check-key)" >/dev/null
./target/debug/jasmine-server --listen 127.0.0.1:0 --data-dir "$work/data" \
  --root-key-file "$work/demo/root.pub" --bundle-file "$work/demo/bundle.json" \
  >"$work/server.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/.*listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { cat "$work/server.log"; echo "jasmine-server did not start" >&2; exit 1; }

# Reports waiting for the moderator, sent as a reporter's CLI sends them: the stateful
# links (list → fetch, list → acknowledge) use them up as they go.
for _ in $(seq 1 "${CONTRACT_REPORTS:-30}"); do
  ./target/debug/jasmine report --server "$url" --root-key-file "$work/demo/root.pub" \
    --file docs/examples/report.json >/dev/null
done

export JASMINE_API_KEY_FILE
JASMINE_API_KEY_FILE=$(ls "$work"/demo/*.api.key | head -1)
# positive_data_acceptance is left out: a body the schema allows (any bytes as a
# report, any JSON as a signed alert) is rarely a valid ciphertext or signature, and
# the server must refuse it.
status=0
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=tests/contract python3 -m schemathesis.cli --no-color --config-file tests/contract/schemathesis.toml run docs/openapi.yaml \
  --url "$url" --checks all --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing,stateful --max-time "$seconds" --workers 2 \
  --request-timeout 30 --generation-database none || status=$?
if grep -n "panicked" "$work/server.log"; then
  echo "the server panicked during the contract run" >&2
  status=1
fi
exit "$status"
