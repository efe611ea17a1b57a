#!/usr/bin/env bash
# Makes sure the command-line tools the tests call are installed: Debian's
# `prometheus` package, for promtool (the SLO rules tests) and the Prometheus
# server (the dashboard test). As root it installs what is missing; otherwise it
# prints how to, and exits 0: those tests skip (and fail under CI=true).
set -u

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing prometheus and promtool (Debian package prometheus)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null \
      || echo "installing prometheus failed: the promtool tests will skip"
  else
    echo "prometheus/promtool are not installed: the SLO rules and dashboard tests will skip" \
      "(sudo apt-get install prometheus, or put promtool from prometheus.io on PATH)"
  fi
fi
exit 0
