"""Backups of an instance: the SQLite database (a consistent copy taken while the site serves, by
SQLite's online backup API) and the instance's keys, in a tar encrypted with a passphrase.

File format (version 1), so that a backup can be read without ldptrain if ever needed:

    MAGIC (8 bytes) | log2(scrypt n) (1 byte) | salt (16) | nonce prefix (8)
    then chunks: length (4 bytes, big-endian) | AES-256-GCM ciphertext of up to 1 MiB of tar

The key is scrypt(passphrase, salt, n, r=8, p=1). Chunk i uses nonce = prefix + i (4 bytes) and
authenticates the header, i and whether it is the last chunk, so a reordered, truncated or
altered file is refused (the tar is only opened once every chunk has been checked).

Inside the tar: ``manifest.json`` (format, date, schema revision, rows per table, what is
included), ``ldptrain.sqlite3`` (unless keys only) and ``keys/...`` (unless without keys).
PostgreSQL databases are backed up with pg_dump (docs/operations.md); for them only
``keys_only`` backups are made here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import struct
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..certificates.issuer import ISSUER_FILENAME, PUBLISHED_DIRNAME
from ..certificates.signing import KEY_FILENAME
from .errors import ServiceError

MAGIC = b"LDPBAK1\n"
SCRYPT_LOG2_N = 15  # 32 MiB of memory, about 0.1 s: slows passphrase guessing
CHUNK = 1 << 20
DB_MEMBER = "ldptrain.sqlite3"
#: The instance's secrets: sessions/CSRF/reset links, the Open Badges signing key, the PDF
#: issuer (key + certificate). The published issuer certificates are public but needed to
#: verify PDFs signed before a rotation, so they travel with the keys.
SECRET_FILES = ("secret_key", KEY_FILENAME, ISSUER_FILENAME)


class BackupError(ServiceError):
    """A backup or restore refused, with a message for the operator."""


@dataclass
class Manifest:
    created: str
    revision: str | None
    tables: dict[str, int]
    database: bool
    keys: list[str] = field(default_factory=list)
    format: int = 1

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=1, sort_keys=True).encode()


# --- encryption -----------------------------------------------------------------------------
def _key(passphrase: str, salt: bytes, log2_n: int) -> bytes:
    if not passphrase:
        raise BackupError("an empty passphrase is not accepted")
    return Scrypt(salt=salt, length=32, n=1 << log2_n, r=8, p=1).derive(passphrase.encode())


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">I?", index, last)


def encrypt_file(plain: Path, out: Path, passphrase: str) -> None:
    """Write `plain` encrypted to `out`, atomically (a failed run leaves no partial file)."""
    salt, prefix = os.urandom(16), os.urandom(8)
    header = MAGIC + bytes([SCRYPT_LOG2_N]) + salt + prefix
    aes = AESGCM(_key(passphrase, salt, SCRYPT_LOG2_N))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as sink, plain.open("rb") as source:
            sink.write(header)
            chunk, index = source.read(CHUNK), 0
            while True:
                following = source.read(CHUNK)
                last = not following
                nonce = prefix + struct.pack(">I", index)
                sealed = aes.encrypt(nonce, chunk, _aad(header, index, last))
                sink.write(struct.pack(">I", len(sealed)) + sealed)
                if last:
                    break
                chunk, index = following, index + 1
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp_name, out)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def decrypt_file(source: Path, plain: Path, passphrase: str) -> None:
    """Check and decrypt every chunk of `source` into `plain`; BackupError if anything is off."""
    with source.open("rb") as handle:
        header = handle.read(len(MAGIC) + 1 + 16 + 8)
        if len(header) < len(MAGIC) + 25 or not header.startswith(MAGIC):
            raise BackupError(f"{source}: not an ldptrain backup")
        log2_n = header[len(MAGIC)]
        salt = header[len(MAGIC) + 1:len(MAGIC) + 17]
        prefix = header[len(MAGIC) + 17:]
        aes = AESGCM(_key(passphrase, salt, log2_n))
        index, finished = 0, False
        with plain.open("wb") as sink:
            while not finished:
                size = handle.read(4)
                if len(size) < 4:
                    raise BackupError(f"{source}: the file is cut short (incomplete copy?)")
                sealed = handle.read(struct.unpack(">I", size)[0])
                nonce = prefix + struct.pack(">I", index)
                for last in (False, True):
                    try:
                        sink.write(aes.decrypt(nonce, sealed, _aad(header, index, last)))
                        finished = last
                        break
                    except InvalidTag:
                        continue
                else:
                    raise BackupError(f"{source}: wrong passphrase, or the file was altered"
                                      if index == 0 else f"{source}: the file was altered")
                index += 1
            if handle.read(1):
                raise BackupError(f"{source}: unexpected data after the end of the backup")


# --- making a backup ------------------------------------------------------------------------
def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for another database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path.split("?", 1)[0])


def _table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for name in names}


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def key_files(instance: Path) -> Iterator[tuple[Path, str]]:
    """(file, name in the tar) for each of the instance's key files that exists."""
    for name in SECRET_FILES:
        if (instance / name).is_file():
            yield instance / name, f"keys/{name}"
    published = instance / PUBLISHED_DIRNAME
    if published.is_dir():
        for path in sorted(published.glob("*.pem")):
            yield path, f"keys/{PUBLISHED_DIRNAME}/{path.name}"


def make_backup(out: Path, passphrase: str, *, instance: Path, database_url: str,
                with_keys: bool = True, keys_only: bool = False) -> Manifest:
    """Write an encrypted backup to `out` and return what it holds."""
    db_file = None if keys_only else sqlite_path(database_url)
    if not keys_only and db_file is None:
        raise BackupError("this instance's database is not SQLite: back it up with pg_dump "
                          "(docs/operations.md, 'Backups'), and its keys with "
                          "`ldptrain backup --keys-only FILE`")
    if keys_only and not with_keys:
        raise BackupError("--keys-only and --without-keys exclude each other")
    if db_file is not None and not db_file.is_file():
        raise BackupError(f"no database at {db_file}")
    with tempfile.TemporaryDirectory(prefix="ldptrain-backup-") as tmp:
        work = Path(tmp)
        manifest = Manifest(created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                            revision=None, tables={}, database=db_file is not None)
        archive = work / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            if db_file is not None:
                copy = work / DB_MEMBER
                # The online backup API: a consistent snapshot while workers keep writing.
                with sqlite3.connect(db_file) as live, sqlite3.connect(copy) as target:
                    live.backup(target)
                    manifest.tables = _table_counts(target)
                    manifest.revision = _revision(target)
                live.close()
                target.close()
                tar.add(copy, arcname=DB_MEMBER)
            if with_keys:
                for path, name in key_files(instance):
                    tar.add(path, arcname=name)
                    manifest.keys.append(name)
            info = tarfile.TarInfo("manifest.json")
            data = manifest.to_json()
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
        encrypt_file(archive, out, passphrase)
    return manifest


# --- restoring ------------------------------------------------------------------------------
def instance_in_use(instance: Path, database_url: str) -> list[str]:
    """What a restore would overwrite: ldptrain tables with rows, certificate keys."""
    found = [name for name in SECRET_FILES[1:] if (instance / name).exists()]
    db_file = sqlite_path(database_url)
    if db_file is not None and db_file.is_file():
        with sqlite3.connect(db_file) as conn:
            rows = {k: v for k, v in _table_counts(conn).items()
                    if k.startswith("ldp_") and v}
        conn.close()
        if rows:
            found.append(f"{db_file} ({sum(rows.values())} rows in {len(rows)} tables)")
    return found


def read_backup(source: Path, passphrase: str, work: Path) -> tuple[Manifest, Path]:
    """Decrypt and unpack into `work`; the manifest and the unpacked folder."""
    archive = work / "backup.tar"
    decrypt_file(source, archive, passphrase)
    unpacked = work / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")  # no absolute paths, links or devices
    manifest = Manifest(**json.loads((unpacked / "manifest.json").read_text()))
    if manifest.format != 1:
        raise BackupError(f"backup format {manifest.format} is newer than this ldptrain")
    return manifest, unpacked


def restore_backup(source: Path, passphrase: str, *, instance: Path, database_url: str,
                   force: bool = False) -> Manifest:
    """Put the backup's database and keys in place. The caller stops the site first."""
    with tempfile.TemporaryDirectory(prefix="ldptrain-restore-") as tmp:
        manifest, unpacked = read_backup(source, passphrase, Path(tmp))
        db_file = sqlite_path(database_url)
        if manifest.database and db_file is None:
            raise BackupError("this backup holds a SQLite database but the instance uses "
                              "another database: restore PostgreSQL with pg_restore "
                              "(docs/operations.md); a --keys-only backup restores the keys")
        in_use = instance_in_use(instance, database_url)
        if in_use and not force:
            raise BackupError("the instance is not empty (" + "; ".join(in_use) + "): "
                              "restore into a fresh instance, or add --force to overwrite it")
        if manifest.database and db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
            # The backup API again: the target is replaced page by page under SQLite's locks,
            # never left half-copied, and no stale -wal file survives beside it.
            with sqlite3.connect(unpacked / DB_MEMBER) as saved, \
                    sqlite3.connect(db_file) as target:
                saved.backup(target)
            saved.close()
            target.close()
        for name in manifest.keys:
            _place_private(unpacked / name, instance / name.removeprefix("keys/"))
    return manifest


def _place_private(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as sink, source.open("rb") as data:
            shutil.copyfileobj(data, sink)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
