#!/usr/bin/env bash
# Makes sure what the tests need outside Go is there: Node.js and npm (real Sentry SDKs,
# sentry-cli, esbuild), Chromium (UI and browser-SDK tests), Ruby, PHP, systemd-journal-remote and
# Debian's JSON loggers (log-file tests, optional) and PostgreSQL at 127.0.0.1:5432 with trust auth for user postgres (the store suite). `make test`, `make bench` and `.ci/run` all come
# through here (the Makefile's test-env target), so a fresh machine and CI set up the same way.
#
# A service that is installed but stopped is started. What is missing is installed from Debian's
# packages when running as root; otherwise the script prints one line naming what to install and
# fails.
set -euo pipefail

missing=()
apt_updated=
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# need CMD PACKAGE…: installs the packages when CMD is not on the PATH, or records them as missing.
need() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null && return 0
  if can_install; then
    echo "test-env: installing $* (for $cmd)"
    apt_install "$@"
  else
    missing+=("$*")
  fi
}

need node nodejs npm
need npm npm
need chromium chromium

# Ruby and PHP write the Ruby and PHP logs of testbed/e2e/logs_test.go, which skips without them:
# installed when running as root, otherwise named in one line and not required.
for rt in ruby:ruby php:php-cli; do
  cmd=${rt%%:*} pkg=${rt#*:}
  command -v "$cmd" >/dev/null && continue
  if can_install; then
    echo "test-env: installing $pkg (for the log-file tests)"
    apt_install "$pkg"
  else
    echo "test-env: $cmd is not installed: the Ruby/PHP log-file tests will skip (Debian: sudo apt-get install $pkg)"
  fi
done

# systemd-journal-remote writes the journal file that testbed/e2e/journald_test.go's journald
# receiver reads (Debian installs it in /lib/systemd, off the PATH); the test skips without it.
if [ ! -x /usr/lib/systemd/systemd-journal-remote ] && [ ! -x /lib/systemd/systemd-journal-remote ] \
  && ! command -v systemd-journal-remote >/dev/null; then
  if can_install; then
    echo "test-env: installing systemd-journal-remote (for the journald test)"
    apt_install systemd-journal-remote
  else
    echo "test-env: systemd-journal-remote is not installed: the journald log test will skip (Debian: sudo apt-get install systemd-journal-remote)"
  fi
fi

# The JSON loggers of testbed/e2e/jsonlogs_test.go that come from Debian's packages (structlog and
# python-json-logger for /usr/bin/python3; logback, logstash-logback-encoder and their jars): the
# tests skip without them.
for dep in /usr/lib/python3/dist-packages/structlog:python3-structlog \
  /usr/lib/python3/dist-packages/pythonjsonlogger:python3-pythonjsonlogger \
  /usr/share/java/logback-classic.jar:liblogback-java \
  /usr/share/java/logstash-logback-encoder.jar:liblogstash-logback-encoder-java; do
  path=${dep%%:*} pkg=${dep#*:}
  [ -e "$path" ] && continue
  if can_install; then
    echo "test-env: installing $pkg (for the JSON log tests)"
    apt_install "$pkg"
  else
    echo "test-env: $pkg is not installed: its JSON log test will skip (Debian: sudo apt-get install $pkg)"
  fi
done

# PostgreSQL: start the newest installed cluster when nothing answers on 127.0.0.1:5432.
pg_ready() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }
if ! pg_ready; then
  if ! command -v pg_ctlcluster >/dev/null; then
    if can_install; then
      echo "test-env: installing postgresql"
      apt_install postgresql
    else
      missing+=(postgresql)
    fi
  fi
  if command -v pg_ctlcluster >/dev/null; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    # The tests connect over TCP as postgres without a password, as on the development machines.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      if [ -w "$hba" ]; then
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
      else
        echo "test-env: $hba needs the line 'host all all 127.0.0.1/32 trust' (run make test as root once, or add it)" >&2
        exit 1
      fi
    fi
    echo "test-env: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    if ! pg_ready; then
      echo "test-env: PostgreSQL $version did not come up on 127.0.0.1:5432 (see /var/log/postgresql/)" >&2
      exit 1
    fi
  fi
fi

# MariaDB (or MySQL): the store suite's third backend, at 127.0.0.1:3306 as root without a
# password. A server installed but stopped is started and waited for; a machine without one is
# told so in one line, and the store suite then needs FAULTLINE_TEST_MYSQL=off.
mysql_ready() { command -v mariadb-admin >/dev/null && mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }
if ! mysql_ready; then
  if [ -x /usr/sbin/mariadbd ]; then
    echo "test-env: starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 30); do mysql_ready && break; sleep 1; done
    if ! mysql_ready; then
      echo "test-env: MariaDB did not come up on 127.0.0.1:3306 (see /var/log/mysql/)" >&2
      exit 1
    fi
  else
    echo "test-env: no MariaDB at 127.0.0.1:3306 and none installed (Debian: sudo apt-get install mariadb-server); the store suite needs it or FAULTLINE_TEST_MYSQL=off" >&2
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "test-env: missing ${missing[*]}: install them (Debian: sudo apt-get install ${missing[*]}) or run make test as root" >&2
  exit 1
fi
