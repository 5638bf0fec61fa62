//! The HTTP front: one port serving Cloud Control (awsJson1_0), the STS and EC2 query calls the
//! engine needs, and a small path-style S3 object API. Routing uses `X-Amz-Target`, the SigV4
//! credential scope's service and the form `Action`.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::cloud::Cloud;
use crate::error::ApiError;

pub type Reply = Response<Full<Bytes>>;

/// Largest Cloud Control / query request body accepted.
const MAX_API_BODY: usize = 4 * 1024 * 1024;
/// Largest S3 object accepted.
const MAX_OBJECT: usize = 1024 * 1024 * 1024;

/// Region and service of a SigV4-signed request (header or presigned query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub region: String,
    pub service: Option<String>,
}

/// Parse `Credential=AKID/20240101/us-east-1/cloudcontrolapi/aws4_request`.
#[must_use]
pub fn credential_scope(authorization: Option<&str>, query: Option<&str>) -> Scope {
    let from_credential = |credential: &str| -> Option<(String, String)> {
        let parts: Vec<&str> = credential.split('/').collect();
        (parts.len() >= 5).then(|| (parts[parts.len() - 3].to_owned(), parts[parts.len() - 2].to_owned()))
    };
    let mut found = authorization.and_then(|auth| {
        let start = auth.find("Credential=")? + "Credential=".len();
        let rest = &auth[start..];
        let end = rest.find([',', ' ']).unwrap_or(rest.len());
        from_credential(&rest[..end])
    });
    if found.is_none()
        && let Some(query) = query {
            for (key, value) in parse_form(query) {
                if key == "X-Amz-Credential" {
                    found = from_credential(&value);
                }
            }
        }
    match found {
        Some((region, service)) if !region.is_empty() => Scope { region, service: Some(service) },
        _ => Scope { region: "us-east-1".to_owned(), service: None },
    }
}

/// `application/x-www-form-urlencoded` decoding.
#[must_use]
pub fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Percent-decoding (invalid escapes are kept as they are).
#[must_use]
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && text.is_char_boundary(i + 1) && text.is_char_boundary(i + 3)
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(value) = content_type.parse() {
        headers.insert("content-type", value);
    }
    if let Ok(value) = request_id().parse() {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

fn json_error(error: &ApiError) -> Reply {
    let body = json!({"__type": error.code, "Message": error.message}).to_string();
    let mut response = reply(error.status, "application/x-amz-json-1.0", body);
    if let Ok(value) = error.code.parse() {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, ()> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(()),
    }
}

/// Serve one request.
pub async fn handle(cloud: Arc<Cloud>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let headers = request.headers();
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
    let scope = credential_scope(authorization, request.uri().query());
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let is_root_post = request.method() == hyper::Method::POST && request.uri().path() == "/";

    if let Some(target) = target {
        let (parts, body) = request.into_parts();
        drop(parts);
        let Ok(bytes) = read_body(body, MAX_API_BODY).await else {
            return Ok(json_error(&ApiError::validation("Request body is too large")));
        };
        return Ok(cloud_control(&cloud, &scope, &target, &bytes));
    }
    let service = scope.service.as_deref().unwrap_or("");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    if is_root_post && (form || matches!(service, "sts" | "ec2")) {
        let (_, body) = request.into_parts();
        let Ok(bytes) = read_body(body, MAX_API_BODY).await else {
            return Ok(crate::query::error(service, "RequestEntityTooLarge", "Request body is too large"));
        };
        return Ok(crate::query::handle(&scope, &String::from_utf8_lossy(&bytes)));
    }
    if service == "cloudcontrolapi" {
        return Ok(json_error(&ApiError::new("UnknownOperationException", "Missing X-Amz-Target header")));
    }
    Ok(crate::s3::handle(&cloud, request, MAX_OBJECT).await)
}

fn cloud_control(cloud: &Cloud, scope: &Scope, target: &str, bytes: &[u8]) -> Reply {
    let Some(operation) = target.strip_prefix("CloudApiService.") else {
        return json_error(&ApiError::new("UnknownOperationException", format!("Unknown operation {target}")));
    };
    let body: Map<String, Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return json_error(&ApiError::new("SerializationException", "Start of structure or map found where not expected"));
            }
            Err(e) => return json_error(&ApiError::new("SerializationException", format!("Malformed JSON request body: {e}"))),
        }
    };
    match cloud.call(operation, &scope.region, &body) {
        Ok(value) => reply(200, "application/x-amz-json-1.0", value.to_string()),
        Err(error) => json_error(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/cloudcontrolapi/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(credential_scope(Some(auth), None), Scope { region: "eu-west-1".into(), service: Some("cloudcontrolapi".into()) });
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fap-southeast-2%2Fs3%2Faws4_request";
        assert_eq!(credential_scope(None, Some(query)).region, "ap-southeast-2");
        assert_eq!(credential_scope(None, None).region, "us-east-1");
        assert_eq!(credential_scope(Some("garbage"), None).service, None);
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(parse_form("Action=GetCallerIdentity&Version=2011-06-15"), vec![
            ("Action".to_owned(), "GetCallerIdentity".to_owned()),
            ("Version".to_owned(), "2011-06-15".to_owned())
        ]);
    }
}
