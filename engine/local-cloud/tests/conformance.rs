//! Conformance of the local cloud through the unmodified aws-sdk-cloudcontrol (and aws-sdk-sts),
//! plus raw requests (EC2's query protocol, and what the SDK cannot send: bad input).

mod common;

use std::time::Duration;

use aws_sdk_cloudcontrol::types::{HandlerErrorCode, Operation, OperationStatus, ResourceRequestStatusFilter};
use common::*;
use engine_local_cloud::{FailRule, Latency};
use serde_json::{Value, json};

fn assert_failed(event: &aws_sdk_cloudcontrol::types::ProgressEvent, code: &str, message_part: &str) {
    assert_eq!(event.operation_status(), Some(&OperationStatus::Failed), "{event:?}");
    assert_eq!(event.error_code().map(|c| c.as_str()), Some(code), "{event:?}");
    let message = event.status_message().unwrap_or("");
    assert!(message.contains(message_part), "{message:?} should contain {message_part:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_update_delete_a_bucket() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("eu-west-1");
    let out = cc
        .create_resource()
        .type_name("AWS::S3::Bucket")
        .desired_state(json!({"BucketName": "my-bucket", "Tags": [{"Key": "a", "Value": "1"}]}).to_string())
        .send()
        .await
        .unwrap();
    let event = out.progress_event().unwrap();
    // Client-named: the identifier is known at once; the first event is IN_PROGRESS.
    assert_eq!(event.identifier(), Some("my-bucket"));
    assert_eq!(event.operation(), Some(&Operation::Create));
    assert_eq!(event.operation_status(), Some(&OperationStatus::InProgress));
    assert!(event.retry_after().is_some() && event.event_time().is_some());
    let done = wait(&cc, event.request_token().unwrap()).await;
    assert_eq!(done.operation_status(), Some(&OperationStatus::Success));
    let model: Value = serde_json::from_str(done.resource_model().unwrap()).unwrap();
    assert_eq!(model["Arn"], "arn:aws:s3:::my-bucket");

    let props = get(&cc, "AWS::S3::Bucket", "my-bucket").await;
    assert_eq!(props["RegionalDomainName"], "my-bucket.s3.eu-west-1.amazonaws.com");
    assert_eq!(props["Tags"][0]["Key"], "a");

    let event = update(&cc, "AWS::S3::Bucket", "my-bucket", json!([
        {"op": "add", "path": "/VersioningConfiguration", "value": {"Status": "Enabled"}},
        {"op": "test", "path": "/Tags/0/Value", "value": "1"},
        {"op": "replace", "path": "/Tags/0/Value", "value": "2"}
    ]))
    .await;
    assert_eq!(event.operation_status(), Some(&OperationStatus::Success), "{event:?}");
    let props = get(&cc, "AWS::S3::Bucket", "my-bucket").await;
    assert_eq!(props["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(props["Tags"][0]["Value"], "2");
    assert_eq!(props["Arn"], "arn:aws:s3:::my-bucket", "read-only values survive updates");

    let event = delete(&cc, "AWS::S3::Bucket", "my-bucket").await;
    assert_eq!(event.operation_status(), Some(&OperationStatus::Success));
    let error = cc.get_resource().type_name("AWS::S3::Bucket").identifier("my-bucket").send().await.unwrap_err();
    let error = error.into_service_error();
    assert!(error.is_resource_not_found_exception(), "{error:?}");
    assert!(code_of(&error).1.contains("with identifier 'my-bucket' was not found"));
    // Deleting again fails asynchronously with NotFound.
    let event = delete(&cc, "AWS::S3::Bucket", "my-bucket").await;
    assert_failed(&event, "NotFound", "was not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_types_and_missing_handlers() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    let error = cc.create_resource().type_name("AWS::S3::Buckett").desired_state("{}").send().await.unwrap_err().into_service_error();
    assert!(error.is_type_not_found_exception(), "{error:?}");
    assert!(code_of(&error).1.contains("AWS::S3::Bucket"), "suggests the right name");
    let error = cc.get_resource().type_name("AWS::Nope::Thing").identifier("x").send().await.unwrap_err().into_service_error();
    assert!(error.is_type_not_found_exception());
    // Not registered in this region.
    let tokyo = cloud.client("ap-northeast-1");
    let error = tokyo.create_resource().type_name("AWS::CUR::ReportDefinition").desired_state("{}").send().await.unwrap_err();
    assert!(error.into_service_error().is_type_not_found_exception());
    // No handlers at all.
    let error = cc.create_resource().type_name("AWS::CloudFormation::CustomResource").desired_state("{}").send().await.unwrap_err();
    assert!(error.into_service_error().is_unsupported_action_exception());
    // Immutable type: no update handler.
    let error = cc
        .update_resource()
        .type_name("AWS::Lambda::Permission")
        .identifier("f|id")
        .patch_document("[]")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_unsupported_action_exception(), "{error:?}");
    // No list handler.
    let error = cc.list_resources().type_name("AWS::ApiGateway::Method").send().await.unwrap_err().into_service_error();
    assert!(error.is_unsupported_action_exception());
    assert_eq!(code_of(&error).1, "Resource type AWS::ApiGateway::Method does not support LIST action");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_split_between_synchronous_and_asynchronous() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    let sync_error = |desired: Value| {
        let cc = cc.clone();
        async move {
            let error = cc.create_resource().type_name("AWS::Logs::LogGroup").desired_state(desired.to_string()).send().await.unwrap_err();
            code_of(&error.into_service_error())
        }
    };
    // Extraneous key, wrong type, read-only property: synchronous ValidationException.
    let (code, message) = sync_error(json!({"LogGroupName": "a", "Foo": 1})).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "Model validation failed (#: extraneous key [Foo] is not permitted)");
    let (code, message) = sync_error(json!({"RetentionInDays": "7"})).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "Model validation failed (#/RetentionInDays: expected type: Integer, found: String)");
    let (code, message) = sync_error(json!({"Arn": "x"})).await;
    assert_eq!(code, "ValidationException");
    assert!(message.contains("#/Arn"), "{message}");
    let (code, _) = sync_error(json!([1])).await;
    assert_eq!(code, "ValidationException");
    let error = cc.create_resource().type_name("AWS::Logs::LogGroup").desired_state("{not json").send().await.unwrap_err();
    assert_eq!(code_of(&error.into_service_error()).0, "ValidationException");
    // Missing required property, enum and pattern: asynchronous InvalidRequest.
    let event = create(&cc, "AWS::Lambda::Function", json!({"FunctionName": "f", "Runtime": "python3.13"})).await;
    assert_failed(&event, "InvalidRequest", "required key [Code] not found");
    let event = create(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "has spaces?"})).await;
    assert_failed(&event, "InvalidRequest", "#/LogGroupName: string [has spaces?] does not match pattern");
    let event = create(&cc, "AWS::S3::Bucket", json!({"VersioningConfiguration": {"Status": "Maybe"}})).await;
    assert_failed(&event, "InvalidRequest", "#/VersioningConfiguration/Status: Maybe is not a valid enum value");
    // AlreadyExists is asynchronous.
    create_ok(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "dup"})).await;
    let event = create(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "dup"})).await;
    assert_failed(&event, "AlreadyExists", "Resource of type 'AWS::Logs::LogGroup' with identifier 'dup' already exists.");
    // Oversized documents.
    let big = json!({"LogGroupName": "x".repeat(262_200)}).to_string();
    let error = cc.create_resource().type_name("AWS::Logs::LogGroup").desired_state(big).send().await.unwrap_err();
    let (code, message) = code_of(&error.into_service_error());
    assert_eq!(code, "ValidationException");
    assert!(message.contains("262144"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_ids_references_and_delete_protection() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("ap-southeast-2");
    let out = cc
        .create_resource()
        .type_name("AWS::EC2::VPC")
        .desired_state(json!({"CidrBlock": "10.0.0.0/16"}).to_string())
        .send()
        .await
        .unwrap();
    // Server-generated identifiers appear only once known.
    assert_eq!(out.progress_event().unwrap().identifier(), None);
    let vpc = wait(&cc, out.progress_event().unwrap().request_token().unwrap()).await.identifier().unwrap().to_owned();
    assert!(vpc.starts_with("vpc-") && vpc.len() == 21, "{vpc}");
    let subnet = create_ok(&cc, "AWS::EC2::Subnet", json!({"VpcId": vpc, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "ap-southeast-2a"})).await;
    assert!(subnet.starts_with("subnet-"));
    let sg = create_ok(&cc, "AWS::EC2::SecurityGroup", json!({"GroupDescription": "app", "VpcId": vpc})).await;
    let sg_model = get(&cc, "AWS::EC2::SecurityGroup", &sg).await;
    assert!(sg_model["GroupId"].as_str().unwrap().starts_with("sg-"));
    let db_sg = create_ok(&cc, "AWS::EC2::SecurityGroup", json!({"GroupDescription": "db", "VpcId": vpc,
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "SourceSecurityGroupId": sg}]})).await;

    // A reference to an id of the local cloud's form that does not exist fails with NotFound.
    let event = create(&cc, "AWS::EC2::Subnet", json!({"VpcId": "vpc-0123456789abcdef0", "CidrBlock": "10.0.2.0/24"})).await;
    assert_failed(&event, "NotFound", "Property /VpcId: the resource 'vpc-0123456789abcdef0' does not exist in ap-southeast-2");
    // ... and so does one in another region.
    let other = cloud.client("eu-west-1");
    let event = create(&other, "AWS::EC2::Subnet", json!({"VpcId": vpc, "CidrBlock": "10.0.2.0/24"})).await;
    assert_failed(&event, "NotFound", &vpc);

    // Deleting resources still in use fails as on AWS.
    let event = delete(&cc, "AWS::EC2::VPC", &vpc).await;
    assert_failed(&event, "GeneralServiceException", &format!("The vpc '{vpc}' has dependencies and cannot be deleted."));
    let event = delete(&cc, "AWS::EC2::SecurityGroup", &sg).await;
    assert_failed(&event, "GeneralServiceException", "has a dependent object");
    assert_eq!(delete(&cc, "AWS::EC2::SecurityGroup", &db_sg).await.operation_status(), Some(&OperationStatus::Success));
    assert_eq!(delete(&cc, "AWS::EC2::SecurityGroup", &sg).await.operation_status(), Some(&OperationStatus::Success));
    assert_eq!(delete(&cc, "AWS::EC2::Subnet", &subnet).await.operation_status(), Some(&OperationStatus::Success));
    assert_eq!(delete(&cc, "AWS::EC2::VPC", &vpc).await.operation_status(), Some(&OperationStatus::Success));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_functions_and_code_objects() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("eu-west-1");
    let role = create_ok(&cc, "AWS::IAM::Role", json!({"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}})).await;
    let role_arn = get(&cc, "AWS::IAM::Role", &role).await["Arn"].as_str().unwrap().to_owned();
    assert_eq!(role_arn, format!("arn:aws:iam::123456789012:role/{role}"));
    create_ok(&cc, "AWS::S3::Bucket", json!({"BucketName": "artifacts"})).await;
    let function = json!({"FunctionName": "api", "Runtime": "python3.13", "Handler": "main.handler", "Role": role_arn,
                          "Code": {"S3Bucket": "artifacts", "S3Key": "code.zip"}});
    // The code object must exist.
    let event = create(&cc, "AWS::Lambda::Function", function.clone()).await;
    assert_failed(&event, "InvalidRequest", "NoSuchKey");
    let (status, _, _) = raw(&cloud.endpoint(), "PUT", "/artifacts/code.zip", &[("authorization", &auth("eu-west-1", "s3"))], b"PK zip").await;
    assert_eq!(status, 200);
    create_ok(&cc, "AWS::Lambda::Function", function).await;
    // Write-only values are never returned.
    let model = get(&cc, "AWS::Lambda::Function", "api").await;
    assert!(model.get("Code").is_none_or(|c| c.get("S3Key").is_none()), "{model}");
    assert_eq!(model["Arn"], "arn:aws:lambda:eu-west-1:123456789012:function:api");
    // IAM is global: the role is visible from another region.
    let us = cloud.client("us-east-1");
    assert_eq!(get(&us, "AWS::IAM::Role", &role).await["Arn"], role_arn);
    // The role is attached to the function; the bucket still has objects.
    assert_failed(&delete(&cc, "AWS::IAM::Role", &role).await, "GeneralServiceException", "api");
    assert_failed(&delete(&cc, "AWS::S3::Bucket", "artifacts").await, "GeneralServiceException", "not empty");
    assert_eq!(delete(&cc, "AWS::Lambda::Function", "api").await.operation_status(), Some(&OperationStatus::Success));
    assert_eq!(delete(&cc, "AWS::IAM::Role", &role).await.operation_status(), Some(&OperationStatus::Success));
    let (status, _, _) = raw(&cloud.endpoint(), "DELETE", "/artifacts/code.zip", &[], b"").await;
    assert_eq!(status, 204);
    assert_eq!(delete(&cc, "AWS::S3::Bucket", "artifacts").await.operation_status(), Some(&OperationStatus::Success));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composite_identifiers_and_json_form() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("ap-southeast-2");
    let api = create_ok(&cc, "AWS::ApiGateway::RestApi", json!({"Name": "api"})).await;
    let root = get(&cc, "AWS::ApiGateway::RestApi", &api).await["RootResourceId"].as_str().unwrap().to_owned();
    let resource = create_ok(&cc, "AWS::ApiGateway::Resource", json!({"RestApiId": api, "ParentId": root, "PathPart": "events"})).await;
    let (api_part, resource_id) = resource.split_once('|').unwrap();
    assert_eq!(api_part, api);
    let by_string = get(&cc, "AWS::ApiGateway::Resource", &resource).await;
    let by_json = get(&cc, "AWS::ApiGateway::Resource", &json!({"ResourceId": resource_id, "RestApiId": api}).to_string()).await;
    assert_eq!(by_string, by_json);
    assert_eq!(by_string["PathPart"], "events");
    // A parent that does not exist.
    let event = create(&cc, "AWS::ApiGateway::Resource", json!({"RestApiId": api, "ParentId": "nope12", "PathPart": "x"})).await;
    assert_failed(&event, "NotFound", "ParentId");
    let event = create(&cc, "AWS::ApiGateway::Resource", json!({"RestApiId": "zzzzzzzzzz", "ParentId": root, "PathPart": "x"})).await;
    assert_failed(&event, "NotFound", "RestApiId");
    // Wrong shapes.
    let error = cc.get_resource().type_name("AWS::ApiGateway::Resource").identifier(&api).send().await.unwrap_err();
    assert_eq!(code_of(&error.into_service_error()).0, "ValidationException");
    let error = cc.get_resource().type_name("AWS::ApiGateway::Resource").identifier(r#"{"Bogus":"x"}"#).send().await.unwrap_err();
    assert_eq!(code_of(&error.into_service_error()).0, "ValidationException");
    // Immutable type with a composite identifier.
    let out = cc.list_resources().type_name("AWS::ApiGateway::Resource").resource_model(json!({"RestApiId": api}).to_string()).send().await.unwrap();
    assert_eq!(out.resource_descriptions().len(), 1);
    assert_eq!(out.resource_descriptions()[0].identifier(), Some(resource.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_follow_create_only_read_only_and_write_only_rules() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    create_ok(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "app", "RetentionInDays": 7})).await;
    let call = |patch: Value| {
        let cc = cc.clone();
        async move {
            cc.update_resource().type_name("AWS::Logs::LogGroup").identifier("app").patch_document(patch.to_string()).send().await
        }
    };
    let error = call(json!([{"op": "replace", "path": "/LogGroupName", "value": "other"}])).await.unwrap_err().into_service_error();
    assert!(error.is_not_updatable_exception(), "{error:?}");
    assert_eq!(code_of(&error).1, "Invalid patch update: createOnlyProperties [/properties/LogGroupName] cannot be updated");
    let error = call(json!([{"op": "add", "path": "/Arn", "value": "x"}])).await.unwrap_err().into_service_error();
    assert_eq!(code_of(&error), ("ValidationException".into(), "Invalid patch update: readOnlyProperties [/properties/Arn] cannot be updated".into()));
    let error = call(json!([{"op": "test", "path": "/RetentionInDays", "value": 30}])).await.unwrap_err().into_service_error();
    assert_eq!(code_of(&error).0, "ValidationException");
    let error = call(json!([{"op": "replace", "path": "/RetentionInDays", "value": "x"}])).await.unwrap_err().into_service_error();
    assert_eq!(code_of(&error).0, "ValidationException", "re-validated");
    let error = call(json!({"op": "replace"})).await.unwrap_err().into_service_error();
    assert_eq!(code_of(&error).0, "ValidationException");
    // Re-validation of values is asynchronous, as for creates.
    let event = update(&cc, "AWS::Logs::LogGroup", "app", json!([{"op": "replace", "path": "/RetentionInDays", "value": 8}])).await;
    assert_failed(&event, "InvalidRequest", "#/RetentionInDays: 8 is not a valid enum value");
    let event = update(&cc, "AWS::Logs::LogGroup", "app", json!([{"op": "replace", "path": "/RetentionInDays", "value": 14}])).await;
    assert_eq!(event.operation_status(), Some(&OperationStatus::Success));
    assert_eq!(get(&cc, "AWS::Logs::LogGroup", "app").await["RetentionInDays"], 14);
    // Missing resource.
    let error = cc.update_resource().type_name("AWS::Logs::LogGroup").identifier("nope").patch_document("[]").send().await.unwrap_err();
    assert!(error.into_service_error().is_resource_not_found_exception());

    // Write-only values: never read back, and dropped by an update that does not re-send them.
    create_ok(&cc, "AWS::SecretsManager::Secret", json!({"Name": "db", "SecretString": "hunter2"})).await;
    let secret = cc.list_resources().type_name("AWS::SecretsManager::Secret").send().await.unwrap();
    let id = secret.resource_descriptions()[0].identifier().unwrap().to_owned();
    assert!(id.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-"));
    let listed: Value = serde_json::from_str(secret.resource_descriptions()[0].properties().unwrap()).unwrap();
    assert!(listed.get("SecretString").is_none());
    assert!(get(&cc, "AWS::SecretsManager::Secret", &id).await.get("SecretString").is_none());
    let event = update(&cc, "AWS::SecretsManager::Secret", &id, json!([{"op": "add", "path": "/Description", "value": "d"}])).await;
    assert_eq!(event.operation_status(), Some(&OperationStatus::Success));
    let model: Value = serde_json::from_str(event.resource_model().unwrap()).unwrap();
    assert!(model.get("SecretString").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_pagination_and_parents() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    for i in 0..7 {
        create_ok(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": format!("g{i}")})).await;
    }
    let page = cc.list_resources().type_name("AWS::Logs::LogGroup").max_results(3).send().await.unwrap();
    assert_eq!(page.resource_descriptions().len(), 3);
    assert!(page.next_token().is_some());
    let all: Vec<_> = cc
        .list_resources()
        .type_name("AWS::Logs::LogGroup")
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let names: Vec<String> = all.into_iter().map(|d| d.unwrap().identifier().unwrap().to_owned()).collect();
    assert_eq!(names, (0..7).map(|i| format!("g{i}")).collect::<Vec<_>>());
    let error = cc.list_resources().type_name("AWS::EKS::Nodegroup").send().await.unwrap_err().into_service_error();
    assert!(error.is_invalid_request_exception(), "{error:?}");
    assert!(code_of(&error).1.contains("required key [ClusterName] not found"));
    let out = cc.list_resources().type_name("AWS::EKS::Nodegroup").resource_model(r#"{"ClusterName":"c"}"#).send().await.unwrap();
    assert!(out.resource_descriptions().is_empty());
    // Resources are per region.
    let other = cloud.client("eu-west-1");
    let out = other.list_resources().type_name("AWS::Logs::LogGroup").send().await.unwrap();
    assert!(out.resource_descriptions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_tokens_requests_and_filters() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    let send = |token: &str, name: &str| {
        cc.create_resource()
            .type_name("AWS::Logs::LogGroup")
            .client_token(token)
            .desired_state(json!({"LogGroupName": name}).to_string())
            .send()
    };
    let first = send("token-1", "a").await.unwrap();
    let again = send("token-1", "a").await.unwrap();
    let first_token = first.progress_event().unwrap().request_token().unwrap();
    assert_eq!(first_token, again.progress_event().unwrap().request_token().unwrap());
    let error = send("token-1", "b").await.unwrap_err().into_service_error();
    assert!(error.is_client_token_conflict_exception(), "{error:?}");
    wait(&cc, first_token).await;
    let failed = create(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "a"})).await;
    assert_eq!(failed.operation_status(), Some(&OperationStatus::Failed));

    let filter = ResourceRequestStatusFilter::builder().operations(Operation::Create).operation_statuses(OperationStatus::Failed).build();
    let out = cc.list_resource_requests().resource_request_status_filter(filter).send().await.unwrap();
    assert_eq!(out.resource_request_status_summaries().len(), 1);
    assert_eq!(out.resource_request_status_summaries()[0].error_code(), Some(&HandlerErrorCode::AlreadyExists));
    let filter = ResourceRequestStatusFilter::builder().operations(Operation::Delete).build();
    let out = cc.list_resource_requests().resource_request_status_filter(filter).send().await.unwrap();
    assert!(out.resource_request_status_summaries().is_empty());
    let page = cc.list_resource_requests().max_results(1).send().await.unwrap();
    assert_eq!(page.resource_request_status_summaries().len(), 1);
    let rest = cc.list_resource_requests().max_results(1).next_token(page.next_token().unwrap()).send().await.unwrap();
    assert_ne!(
        rest.resource_request_status_summaries()[0].request_token(),
        page.resource_request_status_summaries()[0].request_token()
    );
    let error = cc.get_resource_request_status().request_token("no-such-token").send().await.unwrap_err().into_service_error();
    assert!(error.is_request_token_not_found_exception());
    let error = cc.cancel_resource_request().request_token("no-such-token").send().await.unwrap_err().into_service_error();
    assert!(error.is_request_token_not_found_exception());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_concurrency_and_cancel() {
    let cloud = Cloud::with(|c| c.latency(Latency::Fixed(300))).await;
    let cc = cloud.client("us-east-1");
    let out = cc.create_resource().type_name("AWS::Logs::LogGroup").desired_state(r#"{"LogGroupName":"slow"}"#).send().await.unwrap();
    let token = out.progress_event().unwrap().request_token().unwrap().to_owned();
    let retry_after = out.progress_event().unwrap().retry_after().unwrap().as_secs_f64();
    let event_time = out.progress_event().unwrap().event_time().unwrap().as_secs_f64();
    assert!(retry_after - event_time >= 0.25, "RetryAfter points at completion");
    // A second operation on the same resource while the first runs.
    let error = cc.delete_resource().type_name("AWS::Logs::LogGroup").identifier("slow").send().await.unwrap_err().into_service_error();
    assert!(error.is_concurrent_operation_exception(), "{error:?}");
    let status = cc.get_resource_request_status().request_token(&token).send().await.unwrap();
    assert_eq!(status.progress_event().unwrap().operation_status(), Some(&OperationStatus::InProgress));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(wait(&cc, &token).await.operation_status(), Some(&OperationStatus::Success));

    // Cancel a request in progress: nothing is created.
    let out = cc.create_resource().type_name("AWS::Logs::LogGroup").desired_state(r#"{"LogGroupName":"never"}"#).send().await.unwrap();
    let token = out.progress_event().unwrap().request_token().unwrap().to_owned();
    let cancelled = cc.cancel_resource_request().request_token(&token).send().await.unwrap();
    assert_eq!(cancelled.progress_event().unwrap().operation_status(), Some(&OperationStatus::CancelInProgress));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(wait(&cc, &token).await.operation_status(), Some(&OperationStatus::CancelComplete));
    let error = cc.get_resource().type_name("AWS::Logs::LogGroup").identifier("never").send().await.unwrap_err();
    assert!(error.into_service_error().is_resource_not_found_exception());
    // A finished request cannot be cancelled.
    let error = cc.cancel_resource_request().request_token(&token).send().await;
    assert!(error.is_ok(), "cancelling a cancelled request is idempotent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_injected_failures() {
    let cloud = Cloud::with(|c| {
        c.throttle_rps(5.0)
            .fail(FailRule::parse("AWS::Logs::LogGroup:doomed-*=ServiceLimitExceeded").unwrap())
    })
    .await;
    let cc = cloud.client_without_retries("us-east-1");
    let mut throttled = 0;
    for _ in 0..20 {
        if let Err(error) = cc.list_resources().type_name("AWS::Logs::LogGroup").send().await {
            let (code, message) = code_of(&error.into_service_error());
            assert_eq!((code.as_str(), message.as_str()), ("ThrottlingException", "Rate exceeded"));
            throttled += 1;
        }
    }
    assert!(throttled >= 10, "{throttled}");
    // Another region has its own bucket of tokens.
    let other = cloud.client_without_retries("eu-west-1");
    assert!(other.list_resources().type_name("AWS::Logs::LogGroup").send().await.is_ok());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let event = create(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "doomed-1"})).await;
    assert_failed(&event, "ServiceLimitExceeded", "--fail");
    assert_eq!(create(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "fine"})).await.operation_status(), Some(&OperationStatus::Success));

    let flaky = Cloud::with(|c| c.fail_rate(1.0, 7)).await;
    let cc = flaky.client("us-east-1");
    let event = create(&cc, "AWS::Logs::LogGroup", json!({"LogGroupName": "x"})).await;
    let code = event.error_code().unwrap().as_str().to_owned();
    assert!(["Throttling", "ServiceInternalError", "NotStabilized"].contains(&code.as_str()), "{code}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistence_and_lock() {
    let mut cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    let vpc = create_ok(&cc, "AWS::EC2::VPC", json!({"CidrBlock": "10.0.0.0/16"})).await;
    create_ok(&cc, "AWS::S3::Bucket", json!({"BucketName": "kept"})).await;
    let (status, _, _) = raw(&cloud.endpoint(), "PUT", "/kept/a/b.txt", &[("content-type", "text/plain")], b"hello").await;
    assert_eq!(status, 200);
    // A second server on the same directory is refused with a clear message.
    let error = engine_local_cloud::LocalCloud::start(engine_local_cloud::Config::new(cloud.dir.path())).await.err().unwrap();
    assert!(error.to_string().contains("already in use"), "{error}");
    cloud.stop().await;
    let listed = engine_local_cloud::list_resources(cloud.dir.path()).unwrap();
    assert_eq!(listed.len(), 2);
    let running = engine_local_cloud::LocalCloud::start(engine_local_cloud::Config::new(cloud.dir.path())).await.unwrap();
    let cc = client(&running.endpoint(), "us-east-1", true);
    assert_eq!(get(&cc, "AWS::EC2::VPC", &vpc).await["CidrBlock"], "10.0.0.0/16");
    let (status, head, body) = raw(&running.endpoint(), "GET", "/kept/a/b.txt", &[], b"").await;
    assert_eq!((status, body.as_slice()), (200, b"hello".as_slice()));
    assert!(head.contains("content-type: text/plain"));
    // References survive the restart: the VPC is still protected by its subnet.
    create_ok(&cc, "AWS::EC2::Subnet", json!({"VpcId": vpc, "CidrBlock": "10.0.1.0/24"})).await;
    running.shutdown().await.unwrap();
    let running = engine_local_cloud::LocalCloud::start(engine_local_cloud::Config::new(cloud.dir.path())).await.unwrap();
    let cc = client(&running.endpoint(), "us-east-1", true);
    assert_failed(&delete(&cc, "AWS::EC2::VPC", &vpc).await, "GeneralServiceException", "dependencies");
    running.shutdown().await.unwrap();
    engine_local_cloud::reset(cloud.dir.path()).unwrap();
    assert!(engine_local_cloud::list_resources(cloud.dir.path()).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_through_its_sdk_and_ec2_through_its_query_protocol() {
    let cloud = Cloud::start().await;
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new("a", "b", None, None, "static"))
            .endpoint_url(cloud.endpoint())
            .build(),
    );
    let identity = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some("123456789012"));
    assert!(identity.arn().unwrap().starts_with("arn:aws:iam::123456789012:"));
    // EC2 through its query protocol as the engine's provider sends it (engine/provider/src/ec2.rs;
    // boto3 and the AWS CLI check it in tests/python): aws-sdk-ec2 itself costs minutes of build.
    let (status, _, body) = raw(
        &cloud.endpoint(),
        "POST",
        "/",
        &[
            ("authorization", &auth("ap-southeast-2", "ec2")),
            ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
        ],
        b"Action=DescribeAvailabilityZones&Version=2016-11-15",
    )
    .await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{body}");
    let names: Vec<(String, String)> = body
        .split("<item>")
        .skip(1)
        .map(|item| {
            let field = |tag: &str| {
                let open = format!("<{tag}>");
                let start = item.find(&open).map(|i| i + open.len()).unwrap_or_else(|| panic!("{tag} in {item}"));
                item[start..start + item[start..].find('<').unwrap()].to_owned()
            };
            (field("zoneName"), field("zoneId"))
        })
        .collect();
    let expected = [("ap-southeast-2a", "apse2-az1"), ("ap-southeast-2b", "apse2-az2"), ("ap-southeast-2c", "apse2-az3")];
    assert_eq!(names, expected.map(|(n, i)| (n.to_owned(), i.to_owned())).to_vec());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_on_the_wire() {
    let cloud = Cloud::start().await;
    let endpoint = cloud.endpoint();
    let (status, head, body) = cc_raw(&endpoint, "us-east-1", "CreateResource", "{not json").await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "SerializationException");
    assert!(head.contains("x-amzn-errortype: serializationexception"));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "Explode", "{}").await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("UnknownOperationException")));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "CreateResource", "{}").await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("ValidationException")));
    assert!(body["Message"].as_str().unwrap().contains("'typeName'"));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "CreateResource", r#"{"TypeName":5,"DesiredState":"{}"}"#).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("SerializationException")));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "GetResource", r#"{"TypeName":"AWS::S3::Bucket","Identifier":"x"}"#).await;
    assert_eq!((status, body["__type"].as_str()), (404, Some("ResourceNotFoundException")));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "GetResource", r#"{"TypeName":"bad","Identifier":"x"}"#).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("ValidationException")));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "GetResourceRequestStatus", r#"{"RequestToken":"has spaces"}"#).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("ValidationException")));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "ListResources", r#"{"TypeName":"AWS::S3::Bucket","MaxResults":0}"#).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("ValidationException")));
    let (status, _, body) = cc_raw(&endpoint, "us-east-1", "ListResources", r#"{"TypeName":"AWS::S3::Bucket","NextToken":"!!"}"#).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidRequestException")));
    // S3 on a bucket the cloud does not hold.
    let (status, _, body) = raw(&endpoint, "PUT", "/nobucket/k", &[], b"x").await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("<Code>NoSuchBucket</Code>"));
    // The server is still healthy.
    let (status, _, _) = cc_raw(&endpoint, "us-east-1", "ListResourceRequests", "{}").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_object_api() {
    let cloud = Cloud::start().await;
    let cc = cloud.client("us-east-1");
    create_ok(&cc, "AWS::S3::Bucket", json!({"BucketName": "objs"})).await;
    let endpoint = cloud.endpoint();
    for key in ["a/1.txt", "a/2.txt", "b/3.txt", "top.txt"] {
        let (status, head, _) = raw(&endpoint, "PUT", &format!("/objs/{key}"), &[], key.as_bytes()).await;
        assert_eq!(status, 200);
        assert!(head.contains("etag: \""));
    }
    // aws-chunked uploads (what SDKs send with trailing checksums).
    let chunked = b"4;chunk-signature=x\r\nzip!\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
    let (status, _, _) = raw(&endpoint, "PUT", "/objs/chunked.zip", &[("content-encoding", "aws-chunked"), ("x-amz-decoded-content-length", "4")], chunked).await;
    assert_eq!(status, 200);
    let (_, _, body) = raw(&endpoint, "GET", "/objs/chunked.zip", &[], b"").await;
    assert_eq!(body, b"zip!");
    let (status, head, body) = raw(&endpoint, "HEAD", "/objs/top.txt", &[], b"").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-length: 7") && body.is_empty(), "{head}");
    let (status, _, body) = raw(&endpoint, "GET", "/objs?list-type=2&delimiter=/", &[], b"").await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200);
    assert!(text.contains("<Prefix>a/</Prefix>") && text.contains("<Prefix>b/</Prefix>") && text.contains("<Key>top.txt</Key>"), "{text}");
    let (_, _, body) = raw(&endpoint, "GET", "/objs?list-type=2&prefix=a/&max-keys=1", &[], b"").await;
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("<Key>a/1.txt</Key>") && text.contains("<IsTruncated>true</IsTruncated>"), "{text}");
    let (status, _, body) = raw(&endpoint, "GET", "/objs/missing", &[], b"").await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("NoSuchKey"));
    let (status, _, _) = raw(&endpoint, "HEAD", "/objs/missing", &[], b"").await;
    assert_eq!(status, 404);
    // ListBuckets, and a plain GET / (a health probe).
    let (status, _, body) = raw(&endpoint, "GET", "/", &[("authorization", &auth("us-east-1", "s3"))], b"").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("<Name>objs</Name>"));
    let (status, _, body) = raw(&endpoint, "GET", "/", &[], b"").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("engine local cloud"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_latency_per_type() {
    // A bucket takes seconds on AWS and an RDS instance minutes: at factor 0.0005 that is ~2 ms
    // and ~300 ms.
    let cloud = Cloud::with(|c| c.latency(Latency::Realistic { factor: 0.0005 })).await;
    let cc = cloud.client("us-east-1");
    let bucket = cc.create_resource().type_name("AWS::S3::Bucket").desired_state("{}").send().await.unwrap();
    let db = cc
        .create_resource()
        .type_name("AWS::RDS::DBInstance")
        .desired_state(json!({"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "AllocatedStorage": "20"}).to_string())
        .send()
        .await
        .unwrap();
    let db_event = db.progress_event().unwrap();
    let horizon = db_event.retry_after().unwrap().as_secs_f64() - db_event.event_time().unwrap().as_secs_f64();
    assert!((0.25..=0.35).contains(&horizon), "{horizon}");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let bucket_done = cc.get_resource_request_status().request_token(bucket.progress_event().unwrap().request_token().unwrap()).send().await.unwrap();
    assert_eq!(bucket_done.progress_event().unwrap().operation_status(), Some(&OperationStatus::Success));
    let db_now = cc.get_resource_request_status().request_token(db_event.request_token().unwrap()).send().await.unwrap();
    assert_eq!(db_now.progress_event().unwrap().operation_status(), Some(&OperationStatus::InProgress));
    tokio::time::sleep(Duration::from_millis(320)).await;
    let done = wait(&cc, db_event.request_token().unwrap()).await;
    assert_eq!(done.operation_status(), Some(&OperationStatus::Success), "{done:?}");
    let model: Value = serde_json::from_str(done.resource_model().unwrap()).unwrap();
    assert_eq!(model["Endpoint"]["Port"], "5432");
}
