//! Helpers shared by the conformance tests: a local cloud in a temporary directory and SDK
//! clients pointed at it.

#![allow(dead_code)]

use std::time::Duration;

use aws_sdk_cloudcontrol::Client;
use aws_sdk_cloudcontrol::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudcontrol::types::{OperationStatus, ProgressEvent};
use engine_local_cloud::{Config, LocalCloud, Running};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Cloud {
    pub running: Option<Running>,
    pub dir: tempfile::TempDir,
}

impl Cloud {
    pub async fn start() -> Self {
        Self::with(|c| c).await
    }

    pub async fn with(adjust: impl FnOnce(Config) -> Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = adjust(Config::new(dir.path()).seed(42));
        let running = LocalCloud::start(config).await.unwrap();
        Self { running: Some(running), dir }
    }

    pub fn endpoint(&self) -> String {
        self.running.as_ref().unwrap().endpoint()
    }

    pub fn client(&self, region: &str) -> Client {
        client(&self.endpoint(), region, true)
    }

    pub fn client_without_retries(&self, region: &str) -> Client {
        client(&self.endpoint(), region, false)
    }

    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.unwrap();
        }
    }
}

pub fn client(endpoint: &str, region: &str, retries: bool) -> Client {
    let mut builder = aws_sdk_cloudcontrol::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("local", "local", None, None, "static"))
        .endpoint_url(endpoint);
    if !retries {
        builder = builder.retry_config(aws_sdk_cloudcontrol::config::retry::RetryConfig::disabled());
    }
    Client::from_conf(builder.build())
}

/// Poll until the request is terminal.
pub async fn wait(client: &Client, token: &str) -> ProgressEvent {
    for _ in 0..2000 {
        let out = client.get_resource_request_status().request_token(token).send().await.unwrap();
        let event = out.progress_event().unwrap().clone();
        match event.operation_status() {
            Some(OperationStatus::Success | OperationStatus::Failed | OperationStatus::CancelComplete) => return event,
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    panic!("request {token} never finished");
}

/// Create and wait; returns the terminal event.
pub async fn create(client: &Client, type_name: &str, desired: Value) -> ProgressEvent {
    let out = client.create_resource().type_name(type_name).desired_state(desired.to_string()).send().await.unwrap();
    let event = out.progress_event().unwrap();
    assert_eq!(event.operation_status(), Some(&OperationStatus::InProgress));
    wait(client, event.request_token().unwrap()).await
}

/// Create, wait and insist on success; returns the identifier.
pub async fn create_ok(client: &Client, type_name: &str, desired: Value) -> String {
    let event = create(client, type_name, desired).await;
    assert_eq!(event.operation_status(), Some(&OperationStatus::Success), "{type_name}: {:?}", event.status_message());
    event.identifier().unwrap().to_owned()
}

pub async fn get(client: &Client, type_name: &str, identifier: &str) -> Value {
    let out = client.get_resource().type_name(type_name).identifier(identifier).send().await.unwrap();
    serde_json::from_str(out.resource_description().unwrap().properties().unwrap()).unwrap()
}

pub async fn update(client: &Client, type_name: &str, identifier: &str, patch: Value) -> ProgressEvent {
    let out = client
        .update_resource()
        .type_name(type_name)
        .identifier(identifier)
        .patch_document(patch.to_string())
        .send()
        .await
        .unwrap();
    wait(client, out.progress_event().unwrap().request_token().unwrap()).await
}

pub async fn delete(client: &Client, type_name: &str, identifier: &str) -> ProgressEvent {
    let out = client.delete_resource().type_name(type_name).identifier(identifier).send().await.unwrap();
    wait(client, out.progress_event().unwrap().request_token().unwrap()).await
}

/// The error code and message of a failed SDK call.
pub fn code_of<E: aws_sdk_cloudcontrol::error::ProvideErrorMetadata>(error: &E) -> (String, String) {
    (error.code().unwrap_or("").to_owned(), error.message().unwrap_or("").to_owned())
}

/// A raw HTTP/1.1 exchange: (status, headers, body).
pub async fn raw(endpoint: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, Vec<u8>) {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), response[split + 4..].to_vec())
}

/// A signed-looking authorization header for a region and service.
pub fn auth(region: &str, service: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential=local/20240101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0")
}

/// A raw Cloud Control call.
pub async fn cc_raw(endpoint: &str, region: &str, operation: &str, body: &str) -> (u16, String, Value) {
    let auth = auth(region, "cloudcontrolapi");
    let target = format!("CloudApiService.{operation}");
    let (status, head, body) = raw(
        endpoint,
        "POST",
        "/",
        &[("content-type", "application/x-amz-json-1.0"), ("x-amz-target", &target), ("authorization", &auth)],
        body.as_bytes(),
    )
    .await;
    (status, head, serde_json::from_slice(&body).unwrap_or(Value::Null))
}
