#!/usr/bin/env bash
# Sourced by .ci/run: install what the optional suites need from Debian's packages and
# start a throwaway PostgreSQL, exporting BACKCARE_TEST_POSTGRES_URL. Every step is
# best effort: a suite whose service could not be provided skips with its reason.
#   postgresql        - the store suite against a real PostgreSQL
#   chromium          - the end-to-end browser tests (Playwright drives /usr/bin/chromium)
#   poppler-utils     - pdftotext/pdfinfo read the clinician report back in tests
#   libharfbuzz-subset0, libpango*, fonts-dejavu-core - weasyprint renders the PDF report
#   wrk               - the web benchmark's load generator (benchmarks only)

_backcare_packages=()
command -v chromium >/dev/null 2>&1 || _backcare_packages+=(chromium)
command -v pdftotext >/dev/null 2>&1 || _backcare_packages+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || _backcare_packages+=(postgresql)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || _backcare_packages+=(libharfbuzz-subset0)
ldconfig -p 2>/dev/null | grep -q libpangoft2 || _backcare_packages+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -d /usr/share/fonts/truetype/dejavu ] || _backcare_packages+=(fonts-dejavu-core)
command -v wrk >/dev/null 2>&1 || _backcare_packages+=(wrk)

if [ "${#_backcare_packages[@]}" -gt 0 ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "ci-provision: installing ${_backcare_packages[*]}" >&2
  if apt-get update -qq >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${_backcare_packages[@]}" >/dev/null 2>&1 \
      || echo "ci-provision: some packages could not be installed; their tests will skip" >&2
  fi
fi

if _backcare_pg_env="$(scripts/pg-test-server.sh start 2>/dev/null)"; then
  eval "$_backcare_pg_env"
  export BACKCARE_TEST_POSTGRES_URL
  trap 'scripts/pg-test-server.sh stop >/dev/null 2>&1 || true' EXIT
  echo "ci-provision: PostgreSQL at ${BACKCARE_TEST_POSTGRES_URL}" >&2
else
  echo "ci-provision: no PostgreSQL; the PostgreSQL store tests will skip" >&2
fi
unset _backcare_packages _backcare_pg_env
