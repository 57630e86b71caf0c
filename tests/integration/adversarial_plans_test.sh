#!/usr/bin/env bash
# Adversarial plans against the built rig-coordinator under a memory limit
# (ulimit -v 1 GiB), as a user or an attacker would hand them over: each must
# end with exit 2 and one line naming the problem, never a signal, within a
# few seconds (issue 11).
#
#   tests/integration/adversarial_plans_test.sh RIG_COORDINATOR
#
# Exit: 0 passed, 1 failed, 77 skipped (a sanitizer build: ASan reserves
# terabytes of address space, so ulimit -v cannot apply).
set -uo pipefail

coordinator="$1"
if ldd "$coordinator" 2>/dev/null | grep -E 'libasan|libtsan' >/dev/null; then
  echo "skipped: $coordinator is a sanitizer build (ulimit -v cannot apply)"
  exit 77
fi
work="$(mktemp -d /tmp/adversarial_plans.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0

# check NAME EXPECTED_TEXT -- ARGS...: runs rig-coordinator ARGS under the
# limit and holds it to exit 2, one line on stderr containing EXPECTED_TEXT.
check() {
  local name="$1" expected="$2"
  shift 3
  local start end status lines
  start="$(date +%s%N)"
  (ulimit -v 1048576 && exec timeout 30 "$coordinator" "$@") \
    >"$work/out" 2>"$work/err"
  status=$?
  end="$(date +%s%N)"
  lines="$(wc -l <"$work/err")"
  local ms=$(((end - start) / 1000000))
  if ((status != 2)) || ((lines != 1)) || ! grep -qF -- "$expected" "$work/err"; then
    echo "FAIL $name: exit $status (want 2), $lines stderr lines (want 1), ${ms} ms:"
    sed 's/^/    /' "$work/err" | head -5
    failures=$((failures + 1))
  else
    echo "ok   $name (${ms} ms): $(cat "$work/err")"
  fi
}

# The 436-byte alias bomb of the issue: 9^5 nodes once expanded.
cat >"$work/bomb.yaml" <<'YAML'
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
workload: {kind: oltp_point_select, options: {x: [*e,*e,*e,*e,*e,*e,*e,*e,*e]}}
YAML
check "alias bomb" "aliases count each time" -- plan validate "$work/bomb.yaml"
check "/dev/zero" "larger than 1 MiB" -- plan validate /dev/zero
head -c $((10 << 20)) /dev/zero | tr '\0' 'a' >"$work/big.yaml"
check "a 10 MiB file" "larger than 1 MiB" -- plan validate "$work/big.yaml"
printf 'workload: {kind: oltp_point_select}\nname: a\0b\n' >"$work/nul.yaml"
check "a NUL byte" "NUL byte" -- plan validate "$work/nul.yaml"
python3 -c "print('workload: {kind: oltp_point_select}\nname: ' + '[' * 200 + ']' * 200)" \
  >"$work/deep.yaml"
check "deep nesting" "deep" -- plan validate "$work/deep.yaml"
printf 'workload: {kind: oltp_point_select}\nload:\n  connections: 4\n  connections: 8\n' \
  >"$work/dup.yaml"
check "duplicate keys" "given twice" -- plan validate "$work/dup.yaml"
printf 'workload: {kind: oltp_point_select}\nname: x\n' >"$work/ok.yaml"
check "--set through a scalar" "is a value, not a section" -- \
  plan validate --set name.x=1 "$work/ok.yaml"
check "--set target.password" "visible to every user of the machine" -- \
  plan validate --set target.password=secret "$work/ok.yaml"

if ((failures > 0)); then
  echo "$failures adversarial plan(s) not refused cleanly"
  exit 1
fi
echo "every adversarial plan refused with exit 2 and one line"
