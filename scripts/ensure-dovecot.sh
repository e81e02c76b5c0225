#!/usr/bin/env bash
# Makes sure Debian's Dovecot IMAP server is installed: the email channel's tests run it
# unprivileged-style on loopback (own config dir, free port, Maildir in the test's temp dir).
# Running nanobot does not need it.
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" /usr/sbin/dovecot dovecot-imapd "for the email tests"
