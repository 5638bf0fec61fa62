"""Fixtures: a local cloud started from the `engine` binary, and boto3 clients pointed at it.

The binary is `$ENGINE_BIN`, else `target/debug/engine` of this repository (built with
`cargo build -p engine-cli` when missing).
"""

import json
import os
import pathlib
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

REPO = pathlib.Path(__file__).resolve().parents[4]


def engine_binary():
    explicit = os.environ.get("ENGINE_BIN")
    if explicit:
        return explicit
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    binary = target / "debug" / "engine"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "engine-cli"], cwd=REPO, check=True)
    return str(binary)


class LocalCloud:
    def __init__(self, data_dir, *flags):
        self.data_dir = str(data_dir)
        self.process = subprocess.Popen(
            [engine_binary(), "local-cloud", "--listen", "127.0.0.1:0", "--data", self.data_dir, *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"local cloud did not start: {line!r} {self.process.stderr.read()}")
        self.endpoint = line.split("listening on ", 1)[1].strip()

    def client(self, service, region="us-east-1", retries=True, **config):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"total_max_attempts": 3 if retries else 1, "mode": "standard"}, **config),
        )

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    server = LocalCloud(tmp_path_factory.mktemp("local-cloud"))
    yield server
    server.stop()


@pytest.fixture
def cc(cloud):
    return cloud.client("cloudcontrol")


def wait(client, token, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        event = client.get_resource_request_status(RequestToken=token)["ProgressEvent"]
        if event["OperationStatus"] in ("SUCCESS", "FAILED", "CANCEL_COMPLETE"):
            return event
        time.sleep(0.01)
    raise AssertionError(f"request {token} never finished")


def create(client, type_name, desired, **extra):
    event = client.create_resource(TypeName=type_name, DesiredState=json.dumps(desired), **extra)["ProgressEvent"]
    assert event["OperationStatus"] == "IN_PROGRESS"
    return wait(client, event["RequestToken"])


def create_ok(client, type_name, desired):
    event = create(client, type_name, desired)
    assert event["OperationStatus"] == "SUCCESS", event
    return event["Identifier"]


def get(client, type_name, identifier):
    out = client.get_resource(TypeName=type_name, Identifier=identifier)
    return json.loads(out["ResourceDescription"]["Properties"])
