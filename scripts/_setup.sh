# Shared by scripts/test and scripts/serve: install what ldptrain needs, idempotently.
#   source scripts/_setup.sh serve   # what serving needs (Debian packages, the app, PostgreSQL
#                                    # and Redis drivers)
#   source scripts/_setup.sh test    # that, plus what the tests need (browser, poppler, pytest)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LDPTRAIN_SETUP="${1:-test}"
case "$LDPTRAIN_SETUP" in
  serve) lists=(.ci/apt-packages.txt); extras="postgres,redis" ;;
  test) lists=(.ci/apt-packages.txt .ci/apt-packages-test.txt); extras="test,postgres,redis" ;;
  *) echo "scripts/_setup.sh: say serve or test, not '$LDPTRAIN_SETUP'" >&2; exit 2 ;;
esac

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < <(cat "${lists[@]}")
if (( ${#missing[@]} )); then
  echo "installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
# One stamp per kind: serving's install does not stand for the tests' larger one.
stamp=".venv/.ldptrain-installed-$LDPTRAIN_SETUP"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" || constraints.txt -nt "$stamp" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[$extras]"
  touch "$stamp"
fi
