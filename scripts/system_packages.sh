#!/usr/bin/env bash
# Install the Debian packages the test suite needs (Chromium for the browser tests,
# Mosquitto for the MQTT tests, slapd for the directory tests, gettext for catalogues, Pango for PDF reports, poppler-utils to read them back) when they are missing and we may install them.
set -u
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
# Pango and HarfBuzz for WeasyPrint's PDF reports.
dpkg -s libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null 2>&1 ||
  missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
# pdftoppm renders a PDF report's pages to PNG in the report tests (and for a look at them).
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# OpenLDAP: python-ldap builds against its headers with a C compiler; the directory sign-in
# tests run slapd.
dpkg -s libldap2-dev libsasl2-dev >/dev/null 2>&1 || missing+=(libldap2-dev libsasl2-dev)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
"${PYTHON:-python3.11}" -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null ||
  missing+=(python3.11-dev)
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || missing+=(slapd)
command -v ldapmodify >/dev/null 2>&1 || missing+=(ldap-utils)
# gettext: makemessages/compilemessages for the translation catalogues (locale/).
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]} (install them with apt-get); related tests will skip"
fi
exit 0
