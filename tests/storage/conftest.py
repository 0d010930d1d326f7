"""A real S3-compatible server for the object-storage tests: moto's server
mode (``moto_server``, from PyPI), started once per test session as a
subprocess on a free loopback port and spoken to over HTTP, as django-storages
speaks to a provider in production. Not moto's in-process mock: nothing in
boto3 is patched.

``s3`` (per test) points the three private storages at the bucket under a
prefix of the test's own, through the same environment variables an operator
sets (fundmgr.storage_settings), and moves the local folders somewhere the
test can prove were never used."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from fundmgr.storage_settings import private_storages

BUCKET = "fundmgr-test"
REGION = "us-east-1"
#: moto takes any credentials; these only have to be given.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "fundmgr-test", "AWS_SECRET_ACCESS_KEY": "fundmgr-test"}
STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _moto_server() -> str:
    found = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("moto_server is not installed beside this Python (pip: moto[server])")
    return found


def _wait_until_it_answers(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - our own loopback server
                return
        except urllib.error.HTTPError:
            return  # it answered, if only to refuse
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer at {url} in {STARTUP_SECONDS} s")


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def environ(self, prefix: str = "") -> dict[str, str]:
        """The variables an operator sets (docs/deploy.md, "Object storage")."""
        return {
            "FUNDMGR_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_LOCATION": prefix,
            **CREDENTIALS,
        }


@pytest.fixture(scope="session")
def s3_server():
    """moto_server on a free loopback port, with an empty bucket; stopped at the end."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = S3Server(endpoint=f"http://127.0.0.1:{port}", bucket=BUCKET)
        _wait_until_it_answers(server.endpoint, process)
        server.client().create_bucket(Bucket=BUCKET)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class S3:
    """The bucket as one test sees it: its own key prefix."""

    server: S3Server
    prefix: str

    def keys(self, alias: str) -> list[str]:
        """The keys under ``alias``'s prefix, read with boto3 directly (not
        through the storage under test), relative to that prefix."""
        start = f"{self.prefix}/{alias}/"
        listed = self.server.client().list_objects_v2(Bucket=self.server.bucket, Prefix=start)
        return sorted(entry["Key"][len(start) :] for entry in listed.get("Contents", ()))

    def key(self, alias: str, name: str) -> str:
        return f"{self.prefix}/{alias}/{name}"

    def read(self, alias: str, name: str) -> bytes:
        stored = self.server.client().get_object(
            Bucket=self.server.bucket, Key=self.key(alias, name)
        )
        return stored["Body"].read()


@pytest.fixture
def s3(s3_server, settings, tmp_path):
    """The private storages in the bucket (a prefix of this test's own); the
    local folders moved under ``tmp_path / "local"``, which must stay absent."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, **private_storages(s3_server.environ(prefix))}
    local = tmp_path / "local"
    settings.DOCUMENTS_ROOT = local / "documents"
    settings.IMPORTS_ROOT = local / "imports"
    settings.EXPORTS_ROOT = local / "exports"
    settings.FUNDMGR_SCRATCH_DIR = tmp_path / "web-scratch"
    return S3(server=s3_server, prefix=prefix)
