"""The local cloud through boto3 (and the AWS CLI): the same rules as the Rust SDK suite."""

import json
import shutil
import subprocess
import time

import botocore.exceptions
import pytest

from conftest import LocalCloud, create, create_ok, get, wait


def error_of(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return error["Code"], error["Message"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_lifecycle_of_a_log_group(cc):
    event = cc.create_resource(TypeName="AWS::Logs::LogGroup", DesiredState=json.dumps({"LogGroupName": "py-app", "RetentionInDays": 7}))[
        "ProgressEvent"
    ]
    assert event["Identifier"] == "py-app" and event["Operation"] == "CREATE"
    assert event["OperationStatus"] == "IN_PROGRESS" and "RetryAfter" in event
    done = wait(cc, event["RequestToken"])
    assert done["OperationStatus"] == "SUCCESS"
    model = get(cc, "AWS::Logs::LogGroup", "py-app")
    assert model["Arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:py-app:*"
    patch = [{"op": "replace", "path": "/RetentionInDays", "value": 30}]
    event = cc.update_resource(TypeName="AWS::Logs::LogGroup", Identifier="py-app", PatchDocument=json.dumps(patch))["ProgressEvent"]
    assert wait(cc, event["RequestToken"])["OperationStatus"] == "SUCCESS"
    assert get(cc, "AWS::Logs::LogGroup", "py-app")["RetentionInDays"] == 30
    event = cc.delete_resource(TypeName="AWS::Logs::LogGroup", Identifier="py-app")["ProgressEvent"]
    assert wait(cc, event["RequestToken"])["OperationStatus"] == "SUCCESS"
    code, message, status = error_of(cc.get_resource, TypeName="AWS::Logs::LogGroup", Identifier="py-app")
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert "was not found" in message


def test_types_and_handlers(cc):
    assert error_of(cc.create_resource, TypeName="AWS::S3::Buckett", DesiredState="{}")[0::2] == ("TypeNotFoundException", 404)
    code, _, status = error_of(cc.create_resource, TypeName="AWS::CloudFormation::CustomResource", DesiredState="{}")
    assert (code, status) == ("UnsupportedActionException", 405)
    assert error_of(cc.list_resources, TypeName="AWS::ApiGateway::Method")[0] == "UnsupportedActionException"
    code, message, status = error_of(cc.list_resources, TypeName="AWS::EKS::Nodegroup")
    assert (code, status) == ("InvalidRequestException", 400)
    assert "required key [ClusterName] not found" in message


def test_validation_split(cc):
    code, message, status = error_of(
        cc.create_resource, TypeName="AWS::Logs::LogGroup", DesiredState=json.dumps({"LogGroupName": "x", "Nope": 1})
    )
    assert (code, status) == ("ValidationException", 400)
    assert message == "Model validation failed (#: extraneous key [Nope] is not permitted)"
    code, message, _ = error_of(cc.create_resource, TypeName="AWS::Logs::LogGroup", DesiredState=json.dumps({"RetentionInDays": "7"}))
    assert "#/RetentionInDays: expected type: Integer, found: String" in message
    code, message, _ = error_of(cc.create_resource, TypeName="AWS::S3::Bucket", DesiredState=json.dumps({"Arn": "arn:aws:s3:::x"}))
    assert code == "ValidationException" and "#/Arn" in message
    event = create(cc, "AWS::Lambda::Function", {"FunctionName": "f"})
    assert event["OperationStatus"] == "FAILED" and event["ErrorCode"] == "InvalidRequest"
    assert "required key [Code] not found" in event["StatusMessage"]
    create_ok(cc, "AWS::Logs::LogGroup", {"LogGroupName": "twice"})
    event = create(cc, "AWS::Logs::LogGroup", {"LogGroupName": "twice"})
    assert event["ErrorCode"] == "AlreadyExists"


def test_generated_ids_integrity_and_protection(cc):
    vpc = create_ok(cc, "AWS::EC2::VPC", {"CidrBlock": "10.1.0.0/16"})
    assert vpc.startswith("vpc-")
    subnet = create_ok(cc, "AWS::EC2::Subnet", {"VpcId": vpc, "CidrBlock": "10.1.1.0/24"})
    assert subnet.startswith("subnet-")
    igw = create_ok(cc, "AWS::EC2::InternetGateway", {})
    assert igw.startswith("igw-")
    attachment = create_ok(cc, "AWS::EC2::VPCGatewayAttachment", {"VpcId": vpc, "InternetGatewayId": igw})
    assert attachment == f"igw|{vpc}"
    eip = create_ok(cc, "AWS::EC2::EIP", {"Domain": "vpc"})
    allocation = get(cc, "AWS::EC2::EIP", eip)["AllocationId"]
    assert allocation.startswith("eipalloc-")
    nat = create_ok(cc, "AWS::EC2::NatGateway", {"SubnetId": subnet, "AllocationId": allocation})
    assert nat.startswith("nat-")
    event = create(cc, "AWS::EC2::Subnet", {"VpcId": "vpc-00000000000000000", "CidrBlock": "10.9.0.0/24"})
    assert event["ErrorCode"] == "NotFound" and "vpc-00000000000000000" in event["StatusMessage"]
    event = wait(cc, cc.delete_resource(TypeName="AWS::EC2::InternetGateway", Identifier=igw)["ProgressEvent"]["RequestToken"])
    assert event["ErrorCode"] == "GeneralServiceException" and "internetGateway" in event["StatusMessage"]
    event = wait(cc, cc.delete_resource(TypeName="AWS::EC2::Subnet", Identifier=subnet)["ProgressEvent"]["RequestToken"])
    assert event["ErrorCode"] == "GeneralServiceException" and "has dependencies" in event["StatusMessage"]


def test_patch_rules(cc):
    create_ok(cc, "AWS::SQS::Queue", {"QueueName": "jobs"})
    url = cc.list_resources(TypeName="AWS::SQS::Queue")["ResourceDescriptions"][0]["Identifier"]
    assert url == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    code, message, _ = error_of(
        cc.update_resource, TypeName="AWS::SQS::Queue", Identifier=url, PatchDocument=json.dumps([{"op": "replace", "path": "/QueueName", "value": "x"}])
    )
    assert code == "NotUpdatableException"
    assert message == "Invalid patch update: createOnlyProperties [/properties/QueueName] cannot be updated"
    code, message, _ = error_of(
        cc.update_resource, TypeName="AWS::SQS::Queue", Identifier=url, PatchDocument=json.dumps([{"op": "replace", "path": "/Arn", "value": "x"}])
    )
    assert (code, message) == ("ValidationException", "Invalid patch update: readOnlyProperties [/properties/Arn] cannot be updated")
    code, _, _ = error_of(cc.update_resource, TypeName="AWS::SQS::Queue", Identifier=url, PatchDocument="not json")
    assert code == "ValidationException"
    patch = [{"op": "add", "path": "/VisibilityTimeout", "value": 60}, {"op": "test", "path": "/VisibilityTimeout", "value": 60}]
    event = cc.update_resource(TypeName="AWS::SQS::Queue", Identifier=json.dumps({"QueueUrl": url}), PatchDocument=json.dumps(patch))
    assert wait(cc, event["ProgressEvent"]["RequestToken"])["OperationStatus"] == "SUCCESS"
    assert get(cc, "AWS::SQS::Queue", url)["VisibilityTimeout"] == 60


def test_pagination_client_tokens_and_requests(cc):
    for i in range(5):
        create_ok(cc, "AWS::SNS::Topic", {"TopicName": f"topic-{i}"})
    paginator = cc.get_paginator("list_resources")
    identifiers = [d["Identifier"] for page in paginator.paginate(TypeName="AWS::SNS::Topic", PaginationConfig={"PageSize": 2}) for d in page["ResourceDescriptions"]]
    assert identifiers == [f"arn:aws:sns:us-east-1:123456789012:topic-{i}" for i in range(5)]
    first = cc.create_resource(TypeName="AWS::SNS::Topic", DesiredState=json.dumps({"TopicName": "idem"}), ClientToken="py-token")
    second = cc.create_resource(TypeName="AWS::SNS::Topic", DesiredState=json.dumps({"TopicName": "idem"}), ClientToken="py-token")
    assert first["ProgressEvent"]["RequestToken"] == second["ProgressEvent"]["RequestToken"]
    code, _, status = error_of(cc.create_resource, TypeName="AWS::SNS::Topic", DesiredState=json.dumps({"TopicName": "other"}), ClientToken="py-token")
    assert (code, status) == ("ClientTokenConflictException", 409)
    summaries = cc.list_resource_requests(ResourceRequestStatusFilter={"Operations": ["CREATE"], "OperationStatuses": ["SUCCESS", "IN_PROGRESS"]})[
        "ResourceRequestStatusSummaries"
    ]
    assert summaries and all(s["Operation"] == "CREATE" and s["OperationStatus"] in ("SUCCESS", "IN_PROGRESS") for s in summaries)
    code, _, status = error_of(cc.get_resource_request_status, RequestToken="missing")
    assert (code, status) == ("RequestTokenNotFoundException", 404)


def test_s3_sts_ec2(cloud, cc):
    create_ok(cc, "AWS::S3::Bucket", {"BucketName": "py-code"})
    s3 = cloud.client("s3", s3={"addressing_style": "path"})
    s3.put_object(Bucket="py-code", Key="fn/code.zip", Body=b"zip bytes")
    assert s3.get_object(Bucket="py-code", Key="fn/code.zip")["Body"].read() == b"zip bytes"
    assert s3.head_object(Bucket="py-code", Key="fn/code.zip")["ContentLength"] == 9
    listed = s3.list_objects_v2(Bucket="py-code", Prefix="fn/")
    assert [o["Key"] for o in listed["Contents"]] == ["fn/code.zip"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket="py-code", Key="missing")
    assert info.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
    role = create_ok(cc, "AWS::IAM::Role", {"RoleName": "py-fn-role", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}})
    arn = get(cc, "AWS::IAM::Role", role)["Arn"]
    create_ok(cc, "AWS::Lambda::Function", {"FunctionName": "py-fn", "Role": arn, "Runtime": "python3.13", "Handler": "a.b",
                                             "Code": {"S3Bucket": "py-code", "S3Key": "fn/code.zip"}})
    s3.delete_object(Bucket="py-code", Key="fn/code.zip")
    assert s3.list_objects_v2(Bucket="py-code").get("KeyCount") == 0
    identity = cloud.client("sts", region="eu-west-1").get_caller_identity()
    assert identity["Account"] == "123456789012"
    zones = cloud.client("ec2", region="eu-west-1").describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones] == [("eu-west-1a", "euw1-az1"), ("eu-west-1b", "euw1-az2"), ("eu-west-1c", "euw1-az3")]


def test_latency_cancel_and_concurrency(tmp_path):
    server = LocalCloud(tmp_path / "slow", "--latency", "300")
    try:
        cc = server.client("cloudcontrol")
        event = cc.create_resource(TypeName="AWS::Logs::LogGroup", DesiredState=json.dumps({"LogGroupName": "slow"}))["ProgressEvent"]
        code, _, status = error_of(cc.delete_resource, TypeName="AWS::Logs::LogGroup", Identifier="slow")
        assert (code, status) == ("ConcurrentOperationException", 409)
        assert event["RetryAfter"].timestamp() - event["EventTime"].timestamp() >= 0.25
        assert wait(cc, event["RequestToken"])["OperationStatus"] == "SUCCESS"
        event = cc.create_resource(TypeName="AWS::Logs::LogGroup", DesiredState=json.dumps({"LogGroupName": "cancelled"}))["ProgressEvent"]
        cancelled = cc.cancel_resource_request(RequestToken=event["RequestToken"])["ProgressEvent"]
        assert cancelled["OperationStatus"] == "CANCEL_IN_PROGRESS"
        assert wait(cc, event["RequestToken"])["OperationStatus"] == "CANCEL_COMPLETE"
        assert error_of(cc.get_resource, TypeName="AWS::Logs::LogGroup", Identifier="cancelled")[0] == "ResourceNotFoundException"
    finally:
        server.stop()


def test_faults_and_restart(tmp_path):
    data = tmp_path / "faulty"
    server = LocalCloud(data, "--throttle-rps", "3", "--fail", "AWS::SNS::Topic:bad-*=ServiceLimitExceeded")
    try:
        cc = server.client("cloudcontrol", retries=False)
        codes = []
        for _ in range(15):
            try:
                cc.list_resources(TypeName="AWS::SNS::Topic")
            except botocore.exceptions.ClientError as error:
                codes.append((error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]))
        assert codes and set(codes) == {("ThrottlingException", 429)}
        time.sleep(1.1)
        event = create(cc, "AWS::SNS::Topic", {"TopicName": "bad-one"})
        assert event["ErrorCode"] == "ServiceLimitExceeded"
        time.sleep(0.7)
        create_ok(cc, "AWS::SNS::Topic", {"TopicName": "good"})
    finally:
        server.stop()
    again = LocalCloud(data)
    try:
        cc = again.client("cloudcontrol")
        assert get(cc, "AWS::SNS::Topic", "arn:aws:sns:us-east-1:123456789012:good")["TopicName"] == "good"
    finally:
        again.stop()
    listed = subprocess.run([__import__("conftest").engine_binary(), "local-cloud", "ls", "--data", str(data), "--json"], capture_output=True, text=True, check=True)
    assert json.loads(listed.stdout) == [{"region": "us-east-1", "type": "AWS::SNS::Topic", "identifier": "arn:aws:sns:us-east-1:123456789012:good"}]


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_aws_cli(cloud, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    base = ["aws", "--endpoint-url", cloud.endpoint, "--region", "eu-west-1", "--output", "json"]
    out = subprocess.run(base + ["cloudcontrol", "create-resource", "--type-name", "AWS::Logs::LogGroup", "--desired-state", '{"LogGroupName":"cli-group"}'],
                         capture_output=True, text=True, check=True)
    token = json.loads(out.stdout)["ProgressEvent"]["RequestToken"]
    out = subprocess.run(base + ["cloudcontrol", "get-resource-request-status", "--request-token", token], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["ProgressEvent"]["OperationStatus"] == "SUCCESS"
    out = subprocess.run(base + ["cloudcontrol", "get-resource", "--type-name", "AWS::Logs::LogGroup", "--identifier", "cli-group"],
                         capture_output=True, text=True, check=True)
    assert json.loads(json.loads(out.stdout)["ResourceDescription"]["Properties"])["LogGroupName"] == "cli-group"
    failed = subprocess.run(base + ["cloudcontrol", "get-resource", "--type-name", "AWS::Logs::LogGroup", "--identifier", "absent"], capture_output=True, text=True)
    assert failed.returncode != 0 and "ResourceNotFoundException" in failed.stderr
