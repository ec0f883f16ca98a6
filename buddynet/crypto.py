"""Encryption at rest of free-text and special-category fields (buddynet/privacy.py ENCRYPTED).

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256, from the `cryptography` package) in a text
column: the database, its backups and its dumps hold no readable note. The application reads
and writes plain strings as before; forms, serializers and the admin see no difference.

Keys (settings, from the environment):
- FIELD_ENCRYPTION_KEYS: Fernet keys, newest first, comma-separated. The first encrypts; all
  decrypt. Rotation: put a new key in front, run `manage.py rotate_field_encryption` (re-encrypts
  every value with the new key), then drop the old key.
- Unset: one key derived (HKDF-SHA256) from SECRET_KEY, plus one from each of
  SECRET_KEY_FALLBACKS for reading, so SECRET_KEY can be rotated the Django way. Production should
  set FIELD_ENCRYPTION_KEYS, so the data key is kept, and rotated, apart from the session secret;
  the derived keys then stay readable (never used to write) until the rotation command has run.

Why not django-fernet-encrypted-fields: it derives its keys from SECRET_KEY with PBKDF2 per field,
and shows the ciphertext when no key fits; here a missing key is an error that says what to fix.
Encrypted values cannot be searched or filtered in SQL: only fields nobody queries are encrypted.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Every Fernet token starts with its version byte 0x80 and a timestamp: "gAAAAA" in base64.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


class DecryptionError(ImproperlyConfigured):
    """A stored value was encrypted with a key that is not configured."""


@lru_cache(maxsize=8)
def _derived_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"buddynet field encryption v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def configured_keys() -> tuple[str, ...]:
    """The keys, the one that encrypts first. The keys derived from SECRET_KEY (and its fallbacks)
    always come last, for reading only once FIELD_ENCRYPTION_KEYS is set: so an instance that
    started without explicit keys moves to them with one rotate_field_encryption run."""
    explicit = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return explicit + tuple(_derived_key(secret).decode() for secret in secrets)


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The MultiFernet of the keys configured now (cached per key list, so tests may override)."""
    return _fernet_for(configured_keys())


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "An encrypted field holds a value that none of FIELD_ENCRYPTION_KEYS (or the keys derived "
            "from SECRET_KEY and SECRET_KEY_FALLBACKS) can decrypt: add the key it was written with."
        ) from None


def rotate(token: str) -> str:
    """The same value encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored value cannot be decrypted with any configured key: nothing rotated.") from None


def is_token(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


class EncryptedMixin:
    """Encrypts on the way into the database, decrypts on the way out.

    The empty string stays empty (the columns are NOT NULL with blank ""), so "no note" needs no
    key and stays cheap to test for. A value that is not a token is returned as it is: that is
    a row written before the field was encrypted, until the data migration has run.
    """

    def get_internal_type(self) -> str:
        # A token is ~1.4 × the text plus ~60 characters: always a text column, even for a
        # CharField whose max_length (kept for validation of the plain text) would not fit it.
        return "TextField"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if is_token(value) else value

    def to_python(self, value: Any) -> Any:
        if is_token(value):
            value = decrypt(value)
        return super().to_python(value)  # type: ignore[misc]


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    pass


def encrypt_existing_rows(model_fields: dict[str, list[str]]) -> tuple[Any, Any]:
    """(forward, backward) functions for migrations.RunPython that encrypt, or decrypt, the values
    already in the given columns, e.g. {"people.Participant": ["notes"]}.

    It reads and writes the raw column (a value read through the model would come back decrypted,
    so plain and encrypted rows could not be told apart), and skips values already in the wanted
    form, so running it twice, or over a half-done table, is safe. Used by migrations: keep it
    backward compatible.
    """

    def _convert(apps: Any, schema_editor: Any, *, to_token: bool) -> None:
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        for label, names in model_fields.items():
            model = apps.get_model(label)
            table = quote(model._meta.db_table)
            pk = quote(model._meta.pk.column)
            for name in names:
                column = quote(model._meta.get_field(name).column)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                    rows = cursor.fetchall()
                    for row_id, value in rows:
                        if value is None or is_token(value) == to_token:
                            continue
                        new = encrypt(value) if to_token else decrypt(value)
                        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [new, row_id])  # noqa: S608

    def forward(apps: Any, schema_editor: Any) -> None:
        _convert(apps, schema_editor, to_token=True)

    def backward(apps: Any, schema_editor: Any) -> None:
        _convert(apps, schema_editor, to_token=False)

    return forward, backward
