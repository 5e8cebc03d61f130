//! mailscrub: sanitize mail-archive backups.
