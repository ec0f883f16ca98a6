"""A local S3 stand-in: moto's server mode (pip moto[server]) in a process of its own."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.processes import VENV_BIN, free_port, port_accepts, stop, tail, wait_for


@dataclass(frozen=True)
class S3:
    endpoint: str

    def env(self, bucket: str) -> dict[str, str]:
        """The settings an instance needs for media in `bucket` (README "More than one host")."""
        return {"AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": self.endpoint,
                "AWS_S3_REGION_NAME": "eu-west-1", "AWS_S3_ADDRESSING_STYLE": "path",
                "AWS_ACCESS_KEY_ID": "buddynet-test", "AWS_SECRET_ACCESS_KEY": "buddynet-test-secret"}

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="eu-west-1",
                            aws_access_key_id="buddynet-test", aws_secret_access_key="buddynet-test-secret")

    def create_bucket(self, bucket: str) -> None:
        self.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3]:
    port = free_port()
    log = tmp_path / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, process_group=0)
    try:
        assert wait_for(lambda: port_accepts(port) or server.poll() is not None, 60), tail(log)
        assert server.poll() is None, tail(log)
        yield S3(endpoint=f"http://127.0.0.1:{port}")
    finally:
        stop(server)
