//! A small path-style S3 object API for buckets that exist in the local cloud: PutObject,
//! GetObject, HeadObject, DeleteObject, ListObjectsV2 (and HeadBucket).

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request};
use sha2::Digest;

use crate::cloud::Cloud;
use crate::http::{Reply, parse_form, percent_decode, reply};
use crate::model::{ObjectMeta, http_date, iso8601, now_ms};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn s3_error(status: u16, code: &str, message: &str, resource: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><Resource>{}</Resource><RequestId>{}</RequestId></Error>",
        escape(message),
        escape(resource),
        uuid::Uuid::new_v4().simple()
    );
    reply(status, "application/xml", body)
}

fn no_body(status: u16) -> Reply {
    reply(status, "application/xml", Bytes::new())
}

/// Decode an `aws-chunked` body (`size[;chunk-signature=..]\r\n data \r\n ... 0\r\n trailers`).
#[must_use]
pub fn decode_aws_chunked(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let header = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_text = header.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
}

fn header<'a>(request: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Bucket and key of a request: path-style `/bucket/key`, or virtual-host `bucket.localhost`.
fn target(request: &Request<Incoming>) -> (String, String) {
    let path = request.uri().path();
    let host = header(request, "host").unwrap_or("");
    let host_name = host.split(':').next().unwrap_or("");
    if let Some(bucket) = host_name.strip_suffix(".localhost") {
        return (bucket.to_owned(), percent_decode(path.trim_start_matches('/')));
    }
    let trimmed = path.trim_start_matches('/');
    let (bucket, key) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    (percent_decode(bucket), percent_decode(key))
}

pub async fn handle(cloud: &Arc<Cloud>, request: Request<Incoming>, max_object: usize) -> Reply {
    let (bucket, key) = target(&request);
    let query = parse_form(request.uri().query().unwrap_or(""));
    let method = request.method().clone();
    if bucket.is_empty() {
        let signed_for_s3 = header(&request, "authorization").is_some_and(|a| a.contains("/s3/aws4_request"));
        if method == Method::GET && signed_for_s3 {
            return list_buckets(cloud);
        }
        if method == Method::GET || method == Method::HEAD {
            // A plain GET / (a health probe): say what this is.
            let body = format!(
                "{{\"service\":\"engine local cloud\",\"account\":\"{}\",\"protocols\":[\"cloudcontrol\",\"s3\",\"sts:GetCallerIdentity\",\"ec2:DescribeAvailabilityZones\"]}}",
                crate::model::ACCOUNT_ID
            );
            return reply(200, "application/json", body);
        }
        return s3_error(400, "InvalidRequest", "The local cloud serves path-style object requests for buckets it holds (/bucket/key)", "/");
    }
    if !cloud.lock().bucket_exists(&bucket) {
        if method == Method::HEAD {
            return no_body(404);
        }
        return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", &bucket);
    }
    if key.is_empty() {
        return match method {
            Method::GET => list_objects(cloud, &bucket, &query),
            Method::HEAD => no_body(200),
            _ => s3_error(501, "NotImplemented", "Buckets are created and deleted through Cloud Control (AWS::S3::Bucket)", &bucket),
        };
    }
    match method {
        Method::PUT => put_object(cloud, request, &bucket, &key, max_object).await,
        Method::GET | Method::HEAD => get_object(cloud, &bucket, &key, method == Method::HEAD),
        Method::DELETE => {
            let mut state = cloud.lock();
            if let Some(meta) = state.delete_object(&bucket, &key) {
                state.flush(cloud);
                if let Some(store) = state.store() {
                    store.remove_object(&meta.file);
                }
            }
            no_body(204)
        }
        _ => s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", &key),
    }
}

async fn put_object(cloud: &Arc<Cloud>, request: Request<Incoming>, bucket: &str, key: &str, max_object: usize) -> Reply {
    let chunked = header(&request, "x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"))
        || header(&request, "content-encoding").is_some_and(|v| v.contains("aws-chunked"));
    let content_type = header(&request, "content-type").map(str::to_owned);
    let checksums: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-amz-checksum-") && name.as_str() != "x-amz-checksum-type")
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let body = match Limited::new(request.into_body(), max_object).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return s3_error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", key),
    };
    let body = if chunked {
        match decode_aws_chunked(&body) {
            Some(decoded) => Bytes::from(decoded),
            None => return s3_error(400, "IncompleteBody", "The request body is not valid aws-chunked encoding", key),
        }
    } else {
        body
    };
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&body)[..16]));
    let mut state = cloud.lock();
    let file = match state.store().map(|s| s.write_object(bucket, key, &body)) {
        Some(Ok(file)) => file,
        Some(Err(e)) => return s3_error(500, "InternalError", &e.to_string(), key),
        None => return s3_error(500, "InternalError", "no store", key),
    };
    let meta = ObjectMeta { size: body.len() as u64, etag: etag.clone(), content_type, modified_ms: now_ms(), file };
    state.put_object(bucket, key, meta);
    state.flush(cloud);
    drop(state);
    let mut response = no_body(200);
    let headers = response.headers_mut();
    if let Ok(value) = etag.parse() {
        headers.insert("etag", value);
    }
    for (name, value) in checksums {
        if let (Ok(name), Ok(value)) = (hyper::header::HeaderName::from_bytes(name.as_bytes()), value.parse()) {
            headers.insert(name, value);
        }
    }
    response
}

fn list_buckets(cloud: &Arc<Cloud>) -> Reply {
    let state = cloud.lock();
    let buckets: String = state
        .data
        .resources
        .iter()
        .filter(|(k, _)| k.type_name == "AWS::S3::Bucket")
        .map(|(k, r)| {
            format!(
                "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate></Bucket>",
                escape(&k.identifier),
                iso8601(r.created_ms)
            )
        })
        .collect();
    drop(state);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>{}</ID></Owner><Buckets>{buckets}</Buckets></ListAllMyBucketsResult>",
        crate::model::ACCOUNT_ID
    );
    reply(200, "application/xml", body)
}

fn get_object(cloud: &Arc<Cloud>, bucket: &str, key: &str, head: bool) -> Reply {
    let state = cloud.lock();
    let Some(meta) = state.objects(bucket).and_then(|o| o.get(key)).cloned() else {
        if head {
            return no_body(404);
        }
        return s3_error(404, "NoSuchKey", "The specified key does not exist.", key);
    };
    let body = if head {
        Bytes::new()
    } else {
        match state.store().map(|s| s.read_object(&meta.file)) {
            Some(Ok(bytes)) => Bytes::from(bytes),
            _ => return s3_error(500, "InternalError", "The object's data is missing from the local cloud's directory", key),
        }
    };
    drop(state);
    let content_type = meta.content_type.clone().unwrap_or_else(|| "binary/octet-stream".to_owned());
    let mut response = reply(200, &content_type, body);
    let headers = response.headers_mut();
    for (name, value) in [
        ("etag", meta.etag.clone()),
        ("last-modified", http_date(meta.modified_ms)),
        ("content-length", meta.size.to_string()),
        ("accept-ranges", "bytes".to_owned()),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    response
}

fn list_objects(cloud: &Arc<Cloud>, bucket: &str, query: &[(String, String)]) -> Reply {
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let prefix = get("prefix").unwrap_or_default();
    let delimiter = get("delimiter").filter(|d| !d.is_empty());
    let max_keys = get("max-keys").and_then(|m| m.parse::<usize>().ok()).unwrap_or(1000).min(1000);
    let continuation = get("continuation-token");
    let start_after = continuation
        .as_ref()
        .and_then(|t| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, t).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .or_else(|| get("start-after"))
        .or_else(|| get("marker"))
        .unwrap_or_default();
    let state = cloud.lock();
    let empty = std::collections::BTreeMap::new();
    let objects = state.objects(bucket).unwrap_or(&empty);
    let mut contents = String::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut count = 0;
    let mut truncated = false;
    let mut last = String::new();
    for (key, meta) in objects.range::<String, _>((std::ops::Bound::Excluded(start_after.clone()), std::ops::Bound::Unbounded)) {
        if !key.starts_with(&prefix) {
            continue;
        }
        if count == max_keys {
            truncated = true;
            break;
        }
        if let Some(delimiter) = &delimiter
            && let Some(position) = key[prefix.len()..].find(delimiter.as_str()) {
                let common = key[..prefix.len() + position + delimiter.len()].to_owned();
                if prefixes.last() != Some(&common) {
                    prefixes.push(common);
                    count += 1;
                }
                last = key.clone();
                continue;
            }
        contents.push_str(&format!(
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            escape(key),
            iso8601(meta.modified_ms),
            escape(&meta.etag),
            meta.size
        ));
        count += 1;
        last = key.clone();
    }
    drop(state);
    let common: String = prefixes.iter().map(|p| format!("<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", escape(p))).collect();
    let next = if truncated {
        format!(
            "<NextContinuationToken>{}</NextContinuationToken>",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &last)
        )
    } else {
        String::new()
    };
    let token = continuation.map(|t| format!("<ContinuationToken>{}</ContinuationToken>", escape(&t))).unwrap_or_default();
    let delimiter_xml = delimiter.map(|d| format!("<Delimiter>{}</Delimiter>", escape(&d))).unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>{}</Name><Prefix>{}</Prefix>{delimiter_xml}<KeyCount>{count}</KeyCount><MaxKeys>{max_keys}</MaxKeys><IsTruncated>{truncated}</IsTruncated>{token}{next}{contents}{common}</ListBucketResult>",
        escape(bucket),
        escape(&prefix)
    );
    reply(200, "application/xml", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_chunked() {
        let body = b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n";
        assert_eq!(decode_aws_chunked(body).unwrap(), b"hello world");
        assert_eq!(decode_aws_chunked(b"0\r\n\r\n").unwrap(), b"");
        assert!(decode_aws_chunked(b"zz\r\n").is_none());
        assert!(decode_aws_chunked(b"10\r\nshort").is_none());
    }
}
