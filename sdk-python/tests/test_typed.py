"""Generated typed resources (`engine_sdk.aws`, from `engine gen-sdk --lang python`): Python
names renamed by the core with the module's shape table, type metadata sent, outputs renamed
back, errors naming the resource and property."""

from __future__ import annotations

import pytest

import engine_sdk as engine
from conftest import MockEngine, run_program

aws = pytest.importorskip("engine_sdk.aws", reason="generate it: engine gen-sdk --lang python --out sdk-python/python/engine_sdk")


def test_typed_resources_rename_properties_and_send_their_metadata(mock: MockEngine) -> None:
    from engine_sdk.aws import s3, sqs

    def main() -> None:
        bucket = s3.Bucket(
            "data",
            bucket_name="my-data",
            tags=[{"key": "team", "value": "core"}],
            versioning_configuration={"status": "Enabled"},
            object_lock_enabled=None,
        )
        sqs.Queue("jobs", queue_name=bucket.bucket_name.apply(lambda name: f"{name}-jobs"))
        engine.export("tags", bucket.tags)
        engine.export("versioning", bucket.versioning_configuration)
        engine.export("arn", bucket.arn)

    assert run_program(main) is None
    data = mock.registration("data")
    assert data["type"] == "AWS::S3::Bucket"
    assert data["inputs"] == {
        "BucketName": "my-data",
        "Tags": [{"Key": "team", "Value": "core"}],
        "VersioningConfiguration": {"Status": "Enabled"},
    }
    assert data["type_metadata"]["primary_identifier"] == ["/properties/BucketName"]
    assert "/properties/Arn" in data["type_metadata"]["read_only"]
    assert mock.registration("jobs")["inputs"] == {"QueueName": "my-data-jobs"}
    assert mock.stack_outputs() == {
        "tags": [{"key": "team", "value": "core"}],
        "versioning": {"status": "Enabled"},
        "arn": "arn:mock:AWS::S3::Bucket:data",
    }


def test_typed_errors_name_the_resource_and_the_property(mock: MockEngine) -> None:
    from engine_sdk.aws import s3

    def main() -> None:
        with pytest.raises(engine.InvalidError) as unknown:
            s3.Bucket("a", tags=[{"key": "k", "valu": "v"}])
        assert str(unknown.value) == 'AWS::S3::Bucket "a": unknown property tags[0].valu (did you mean value?)'
        with pytest.raises(engine.InvalidError, match="property arn is read-only"):
            s3.Bucket("b", arn="arn:aws:s3:::x")
        bucket = s3.Bucket("c")
        with pytest.raises(AttributeError, match="has no property"):
            bucket.bukket_name
        # An output at an object position is renamed (and checked) once it resolves.
        s3.Bucket("d", versioning_configuration=engine.Output.from_input({"statuss": "Enabled"}))

    assert run_program(main) == 1
    finish = mock.finishes()[0]
    assert finish["error"] == (
        'AWS::S3::Bucket "d": property VersioningConfiguration: '
        "unknown property versioning_configuration.statuss (did you mean status?)"
    )
    assert finish["urn"] == "urn:engine:dev::proj::AWS::S3::Bucket::d"
