#!/usr/bin/env bash
# Constant-time check of SRP's compiled group arithmetic (SECURITY.md, issue 26): builds
# src/user_pool/srp/group.rs in release (scripts/ct_check/) and runs select, mont_mul,
# reduce_once, add, sub and the exponentiation loops under valgrind's memcheck with every secret
# marked undefined. memcheck reports any conditional branch or memory address derived from
# them; the check passes only if there is none, and only if a deliberate secret branch (the
# control) *is* reported, so a check that can no longer see anything fails too.
set -euo pipefail
cd "$(dirname "$0")/ct_check"

if ! command -v valgrind >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq valgrind >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq valgrind >/dev/null; }
fi

# Beside the workspace's own builds (ignored by git), never mixed with them.
target="${CARGO_TARGET_DIR:-$PWD/../../target}/ct_check"
cargo build --release --quiet --target-dir "$target"
bin="$target/release/cognito-sigv4-ct-check"

memcheck=(valgrind --tool=memcheck --error-exitcode=99 --track-origins=yes --quiet)

echo "ct_check: the control (a branch on a secret) must be reported"
if "${memcheck[@]}" "$bin" control >/tmp/ct_check_control.log 2>&1; then
    cat /tmp/ct_check_control.log
    echo "ct_check: FAILED: memcheck did not see a branch on a secret; the check proves nothing"
    exit 1
fi
grep -q "depends on uninitialised value" /tmp/ct_check_control.log

echo "ct_check: the group arithmetic must show no secret-dependent branch or address"
if ! "${memcheck[@]}" "$bin" check; then
    echo "ct_check: FAILED: the compiled arithmetic branches or indexes on a secret (above)"
    exit 1
fi
echo "ct_check passed"
