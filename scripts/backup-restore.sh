#!/usr/bin/env bash
# Back up a hosted backcare database, or restore a backup and check it.
#
#   scripts/backup-restore.sh backup  DATABASE_URL FILE [pg_dump options...]
#   scripts/backup-restore.sh restore DATABASE_URL FILE [pg_restore options...]
#
# DATABASE_URL is backcare's SQLAlchemy URL (postgresql+psycopg://user@host/db) or a plain
# libpq one. The backup is pg_dump's custom format (compressed; restores table by table).
# Restore into an empty database (or schema): it runs pg_restore, then `backcare audit verify`,
# which fails if the restored audit log's hash chain does not hold. Keep the secret file
# (BACKCARE_SECRET_FILE) with the backup: it is not in the database.
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 backup|restore DATABASE_URL FILE [options...]" >&2
    exit 2
fi
action="$1" url="$2" file="$3"
shift 3
libpq_url="${url/+psycopg/}"

case "$action" in
    backup)
        pg_dump --format=custom --no-owner --file="$file" "$@" "$libpq_url"
        echo "backed up to $file"
        ;;
    restore)
        pg_restore --no-owner --exit-on-error --dbname="$libpq_url" "$@" "$file"
        BACKCARE_DATABASE_URL="$url" "${BACKCARE:-backcare}" audit verify
        ;;
    *)
        echo "unknown action: $action (backup or restore)" >&2
        exit 2
        ;;
esac
