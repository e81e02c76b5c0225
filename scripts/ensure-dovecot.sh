#!/usr/bin/env bash
# Makes sure Debian's Dovecot IMAP server is installed: the email channel's tests run it
# unprivileged-style on loopback (own config dir, free port, Maildir in the test's temp dir).
# Running nanobot does not need it.
set -euo pipefail
if [ -x /usr/sbin/dovecot ]; then
  exit 0
fi
echo "dovecot is not installed; installing dovecot-imapd from Debian's packages (for the email tests)..."
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd
else
  echo "Cannot install dovecot without root. Run: apt-get install -y dovecot-imapd" >&2
  exit 1
fi
[ -x /usr/sbin/dovecot ] || { echo "dovecot still missing after install" >&2; exit 1; }
