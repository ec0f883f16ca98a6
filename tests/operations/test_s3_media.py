"""Media on S3-compatible storage (django-storages), against moto's server: the receipts of an
instance configured with AWS_STORAGE_BUCKET_NAME land in the bucket, none on the local disk, and a
backup of that instance restores into another bucket byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operations.conftest import S3
from tests.operations.test_backup import KEY, _env, _run, _snapshot

pytestmark = pytest.mark.slow


def test_media_live_in_the_bucket_and_a_backup_restores_them_into_another(s3: S3, tmp_path: Path) -> None:
    s3.create_bucket("buddynet-a")
    s3.create_bucket("buddynet-b")
    source = {**_env(tmp_path / "a", f"sqlite:///{tmp_path / 'a.sqlite3'}", KEY), **s3.env("buddynet-a")}
    _run(source, "manage.py", "migrate", "--noinput", "-v0")
    _run(source, "manage.py", "demo")
    _run(source, "-m", "tests.operations.seed_media")

    before = _snapshot(source)
    assert len(before["media"]) == 3
    assert s3.keys("buddynet-a") == sorted(before["media"])
    assert not (tmp_path / "a" / "media").exists(), "nothing on the local disk"

    archive = _run(source, "manage.py", "backup", "--output", str(tmp_path / "backups")).stdout.splitlines()[-1]
    target = {**_env(tmp_path / "b", f"sqlite:///{tmp_path / 'b.sqlite3'}", KEY), **s3.env("buddynet-b")}
    _run(target, "manage.py", "restore", archive)

    after = _snapshot(target)
    assert after == before
    assert s3.keys("buddynet-b") == sorted(before["media"])
    for key in before["media"]:
        assert (s3.client().get_object(Bucket="buddynet-a", Key=key)["Body"].read()
                == s3.client().get_object(Bucket="buddynet-b", Key=key)["Body"].read())
