//! Assets: a file or a folder a program passes as a property value
//! (`{"__engine":"asset","kind":"file"|"archive","path","hash"}`, see `proto/README.md`). The
//! engine uploads its content to the stack's staging bucket and gives Cloud Control the object's
//! location instead, in the shape the property takes:
//!
//! - an object with `S3Bucket` and `S3Key` (`AWS::Lambda::Function.Code`, layer content, ...):
//!   `{"S3Bucket": bucket, "S3Key": key}`;
//! - an object with `Bucket` and `Key` (`BodyS3Location`, ...): `{"Bucket": bucket, "Key": key}`;
//! - a string: `s3://bucket/key`.
//!
//! The staging bucket is `engine-assets-<account>-<region>`, created through Cloud Control the
//! first time it is needed and kept (it belongs to no stack, like CDK's bootstrap bucket).
//! Objects are content-addressed (`assets/<sha256>.zip` for folders, `assets/<sha256><ext>` for
//! files, the hash being the one the SDK computed, recomputed here): an unchanged asset maps to
//! the same location, so it never shows as a change, and is uploaded once. Folders are uploaded
//! as deterministic zip archives (sorted entries, fixed timestamps, deflate), so the same
//! content gives the same bytes. A preview computes the locations without uploading.
//!
//! S3 calls go through the AWS SDK's runtime (the same HTTPS client, credentials chain and
//! SigV4 signing as Cloud Control) with two hand-written requests (HeadObject, PutObject), like
//! `engine-provider` does for EC2: no extra AWS crate to build.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_runtime::auth::sigv4::{SCHEME_ID as SIGV4, SigV4AuthScheme};
use aws_runtime::auth::{SigV4OperationSigningConfig, SigningOptions};
use aws_sdk_cloudcontrol::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_cloudcontrol::error::ErrorMetadata;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime_api::client::auth::static_resolver::StaticAuthSchemeOptionResolver;
use aws_smithy_runtime_api::client::auth::{
    AuthSchemeOptionResolverParams, SharedAuthScheme, SharedAuthSchemeOptionResolver,
};
use aws_smithy_runtime_api::client::identity::SharedIdentityResolver;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::StaticRuntimePlugin;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::Layer;
use aws_types::SigningName;
use aws_types::region::{Region, SigningRegion};
use engine_proto::value::{self, AssetRef, Special};
use engine_provider::{OpOptions, Provider};
use engine_schema::ResourceSchema;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::deployment::describe_provider_error;

/// What an asset becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    pub key: String,
}

/// One asset to upload.
#[derive(Debug, Clone)]
struct Pending {
    path: PathBuf,
    archive: bool,
    location: Location,
}

/// Work done once per key (a bucket checked, an object uploaded), awaited by whoever needs it.
type Done = Arc<tokio::sync::OnceCell<Result<(), String>>>;

/// Uploads assets for one run; the staging bucket of each region is checked once.
pub struct Assets {
    provider: Arc<Provider>,
    /// Where uploads are reported (one info line each).
    reporter: Option<crate::events::Reporter>,
    sdk: tokio::sync::OnceCell<SdkConfig>,
    account: tokio::sync::OnceCell<Result<String, String>>,
    buckets: Mutex<HashMap<String, Done>>,
    uploaded: Mutex<HashMap<(String, String), Done>>,
}

impl Assets {
    #[must_use]
    pub fn new(provider: Arc<Provider>) -> Self {
        Self {
            provider,
            reporter: None,
            sdk: tokio::sync::OnceCell::new(),
            account: tokio::sync::OnceCell::new(),
            buckets: Mutex::default(),
            uploaded: Mutex::default(),
        }
    }

    /// Report each upload (an info line naming the asset and its object) through `reporter`.
    #[must_use]
    pub fn with_reporter(mut self, reporter: crate::events::Reporter) -> Self {
        self.reporter = Some(reporter);
        self
    }

    /// Replace every asset in `inputs` by its location in the shape its property takes; upload
    /// the content unless `dry_run`.
    ///
    /// # Errors
    /// A property that cannot take an asset, an unreadable file, a failed upload.
    pub async fn materialize(
        &self,
        inputs: &Map<String, Value>,
        schema: Option<&ResourceSchema>,
        type_name: &str,
        region: &str,
        dry_run: bool,
    ) -> Result<Map<String, Value>, String> {
        let mut found: Vec<(Vec<String>, String, String, String)> = Vec::new();
        collect(&Value::Object(inputs.clone()), &mut Vec::new(), &mut found);
        if found.is_empty() {
            return Ok(inputs.clone());
        }
        let account = self.account().await;
        let bucket = match &account {
            Ok(account) => format!("engine-assets-{account}-{region}"),
            Err(e) if dry_run => {
                tracing::debug!("no account for assets in preview: {e}");
                String::new()
            }
            Err(e) => return Err(e.clone()),
        };
        let mut replacements = Vec::new();
        for (location, kind, path, hash) in found {
            let where_ = crate::diff::location_string(&location);
            let archive = match kind.as_str() {
                "archive" => true,
                "file" => false,
                other => return Err(format!("{where_}: unknown asset kind {other:?}")),
            };
            let path = PathBuf::from(&path);
            let actual =
                if archive { engine_proto::asset::archive_hash(&path) } else { engine_proto::asset::file_hash(&path) }
                    .map_err(|e| format!("{where_}: the asset {} cannot be read: {e}", path.display()))?;
            if !hash.is_empty() && actual != hash {
                return Err(format!(
                    "{where_}: the asset {} changed while the program ran (hash {hash}, now {actual})",
                    path.display()
                ));
            }
            let digest = actual.trim_start_matches("sha256:");
            let extension = if archive {
                ".zip".to_owned()
            } else {
                path.extension().and_then(|e| e.to_str()).map(|e| format!(".{e}")).unwrap_or_default()
            };
            let key = format!("assets/{digest}{extension}");
            let shaped = if bucket.is_empty() {
                value::unknown()
            } else {
                shape(schema, type_name, &location, &Location { bucket: bucket.clone(), key: key.clone() })?
            };
            if !dry_run {
                self.upload(region, Pending { path, archive, location: Location { bucket: bucket.clone(), key } })
                    .await?;
            }
            replacements.push((location, shaped));
        }
        let mut out = Value::Object(inputs.clone());
        for (location, shaped) in replacements {
            set_at(&mut out, &location, shaped);
        }
        match out {
            Value::Object(map) => Ok(map),
            _ => Ok(inputs.clone()),
        }
    }

    async fn account(&self) -> Result<String, String> {
        self.account
            .get_or_init(|| async {
                self.provider
                    .caller_identity(&OpOptions::new())
                    .await
                    .map(|id| id.account)
                    .map_err(|e| format!("the account for the assets' staging bucket: {}", describe_provider_error(&e)))
            })
            .await
            .clone()
    }

    async fn sdk_config(&self) -> &SdkConfig {
        self.sdk
            .get_or_init(|| async {
                let config = self.provider.config();
                match &config.cloud {
                    engine_provider::Cloud::Aws { profile } => {
                        let mut loader = aws_config::defaults(BehaviorVersion::latest());
                        if let Some(profile) = profile {
                            loader = loader.profile_name(profile);
                        }
                        loader = loader.region(Region::new(self.provider.default_region().to_owned()));
                        loader.load().await
                    }
                    engine_provider::Cloud::Endpoint { url } => {
                        let credentials = Credentials::new(
                            engine_provider::ENDPOINT_ACCESS_KEY_ID,
                            engine_provider::ENDPOINT_SECRET_ACCESS_KEY,
                            None,
                            None,
                            "engine-endpoint",
                        );
                        SdkConfig::builder()
                            .behavior_version(BehaviorVersion::latest())
                            .credentials_provider(SharedCredentialsProvider::new(credentials))
                            .endpoint_url(url.trim().trim_end_matches('/'))
                            .region(Region::new(self.provider.default_region().to_owned()))
                            .build()
                    }
                }
            })
            .await
    }

    /// Create the staging bucket of a region if it does not exist.
    async fn ensure_bucket(&self, region: &str, bucket: &str) -> Result<(), String> {
        let cell = {
            let mut buckets = self.buckets.lock().await;
            buckets.entry(region.to_owned()).or_default().clone()
        };
        cell.get_or_init(|| async {
            let options = OpOptions::new().region(region);
            let found = self
                .provider
                .get("AWS::S3::Bucket", bucket, &options)
                .await
                .map_err(|e| format!("the staging bucket {bucket}: {}", describe_provider_error(&e)))?;
            if found.is_some() {
                return Ok(());
            }
            let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bucket.as_bytes()));
            let token = format!("engine-assets-{}", &digest[..32]);
            match self.provider.create("AWS::S3::Bucket", &json!({ "BucketName": bucket }), &token, &options).await {
                Ok(_) => Ok(()),
                Err(e) if e.kind() == Some(engine_provider::ErrorKind::AlreadyExists) => Ok(()),
                Err(e) => Err(format!("creating the staging bucket {bucket}: {}", describe_provider_error(&e))),
            }
        })
        .await
        .clone()
    }

    async fn upload(&self, region: &str, pending: Pending) -> Result<(), String> {
        self.ensure_bucket(region, &pending.location.bucket).await?;
        let cell = {
            let mut uploaded = self.uploaded.lock().await;
            uploaded.entry((region.to_owned(), pending.location.key.clone())).or_default().clone()
        };
        cell.get_or_init(|| async {
            let sdk = self.sdk_config().await.clone();
            let location = pending.location.clone();
            if head_object(&sdk, region, &location).await? {
                return Ok(());
            }
            let path = pending.path.clone();
            let archive = pending.archive;
            let body = tokio::task::spawn_blocking(move || {
                if archive { zip_folder(&path) } else { std::fs::read(&path).map_err(|e| e.to_string()) }
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("the asset {}: {e}", pending.path.display()))?;
            let size = body.len();
            put_object(&sdk, region, &location, body).await?;
            if let Some(reporter) = &self.reporter {
                reporter.emit(crate::events::Event::Diagnostic {
                    severity: crate::events::Severity::Info,
                    urn: None,
                    message: format!(
                        "uploaded the asset {} ({size} bytes) to s3://{}/{}",
                        pending.path.display(),
                        location.bucket,
                        location.key
                    ),
                });
            }
            Ok(())
        })
        .await
        .clone()
    }
}

/// Every asset marker: (location, kind, path, hash).
fn collect(v: &Value, at: &mut Vec<String>, out: &mut Vec<(Vec<String>, String, String, String)>) {
    if let Some(Special::Asset(AssetRef { kind, path, hash })) = value::classify(v) {
        out.push((at.clone(), kind.to_owned(), path.to_owned(), hash.to_owned()));
        return;
    }
    if let Some(Special::Secret(inner)) = value::classify(v) {
        collect(inner, at, out);
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                at.push(k.clone());
                collect(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(i.to_string());
                collect(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn set_at(v: &mut Value, location: &[String], replacement: Value) {
    let Some((first, rest)) = location.split_first() else {
        *v = replacement;
        return;
    };
    if let Some(Special::Secret(_)) = value::classify(v) {
        if let Some(inner) = v.get_mut("value") {
            set_at(inner, location, replacement);
        }
        return;
    }
    let next = match v {
        Value::Object(map) => map.get_mut(first),
        Value::Array(items) => first.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    };
    if let Some(next) = next {
        set_at(next, rest, replacement);
    }
}

/// The location in the shape the property at `location` takes.
fn shape(
    schema: Option<&ResourceSchema>,
    type_name: &str,
    location: &[String],
    at: &Location,
) -> Result<Value, String> {
    let where_ = crate::diff::location_string(location);
    let Some(schema) = schema else {
        return Err(format!("{where_}: {type_name} does not take assets"));
    };
    let Some(property) = schema.schema_at(location).map(|s| schema.resolve(s)) else {
        return Err(format!("{where_}: {type_name} has no such property"));
    };
    let has = |name: &str| property.get("properties").and_then(|p| p.get(name)).is_some();
    if has("S3Bucket") && has("S3Key") {
        return Ok(json!({ "S3Bucket": at.bucket, "S3Key": at.key }));
    }
    if has("Bucket") && has("Key") {
        return Ok(json!({ "Bucket": at.bucket, "Key": at.key }));
    }
    let is_string = property
        .get("type")
        .is_some_and(|t| t == "string" || t.as_array().is_some_and(|a| a.iter().any(|x| x == "string")));
    if is_string {
        return Ok(Value::String(format!("s3://{}/{}", at.bucket, at.key)));
    }
    Err(format!(
        "{where_}: {type_name} cannot take an asset here (expected an S3 location: an object with S3Bucket/S3Key or Bucket/Key, or a string)"
    ))
}

// ---------------------------------------------------------------------------------------------
// Deterministic zip

/// Every regular file under `root` (links followed), `/`-separated relative paths, sorted by
/// bytes (the order of `engine_proto::asset::archive_hash`).
fn files(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    fn walk(root: &Path, relative: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
        let dir = root.join(relative);
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let entry = entry.map_err(|e| e.to_string())?;
            let child = relative.join(entry.file_name());
            let metadata = std::fs::metadata(entry.path()).map_err(|e| format!("{}: {e}", entry.path().display()))?;
            if metadata.is_dir() {
                walk(root, &child, out)?;
            } else if metadata.is_file() {
                let name =
                    child.to_str().ok_or_else(|| format!("{} is not UTF-8", child.display()))?.replace('\\', "/");
                out.push((name, entry.path()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, Path::new(""), &mut out)?;
    out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(out)
}

fn executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o100 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// A folder as a zip archive whose bytes depend only on the content (names, executable bits,
/// data): entries sorted, timestamps fixed at 1980-01-01 00:00, deflate level 6.
pub fn zip_folder(root: &Path) -> Result<Vec<u8>, String> {
    const DOS_DATE: u16 = (1 << 5) | 1; // 1980-01-01
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    let entries = files(root)?;
    if entries.len() > usize::from(u16::MAX) {
        return Err(format!("{} files: more than a zip archive without zip64 holds", entries.len()));
    }
    for (name, path) in &entries {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let crc = crc32fast::hash(&data);
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        encoder.write_all(&data).map_err(|e| e.to_string())?;
        let compressed = encoder.finish().map_err(|e| e.to_string())?;
        let (Ok(size), Ok(csize), Ok(offset), Ok(name_len)) = (
            u32::try_from(data.len()),
            u32::try_from(compressed.len()),
            u32::try_from(out.len()),
            u16::try_from(name.len()),
        ) else {
            return Err(format!("{name}: too large for a zip archive without zip64"));
        };
        let mode: u32 = if executable(path) { 0o100_755 } else { 0o100_644 };
        // Local file header.
        out.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        out.extend_from_slice(&20_u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0_u16.to_le_bytes()); // flags
        out.extend_from_slice(&8_u16.to_le_bytes()); // deflate
        out.extend_from_slice(&0_u16.to_le_bytes()); // time
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // extra
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&compressed);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
        central.extend_from_slice(&((3_u16 << 8) | 20).to_le_bytes()); // made by: unix
        central.extend_from_slice(&20_u16.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes());
        central.extend_from_slice(&8_u16.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&csize.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes()); // extra
        central.extend_from_slice(&0_u16.to_le_bytes()); // comment
        central.extend_from_slice(&0_u16.to_le_bytes()); // disk
        central.extend_from_slice(&0_u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&(mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (Ok(central_offset), Ok(central_size)) = (u32::try_from(out.len()), u32::try_from(central.len())) else {
        return Err("the archive is too large for zip without zip64".to_owned());
    };
    let count = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes());
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// S3 through the SDK runtime

/// The object's URL: path-style on an explicit endpoint (the local cloud), virtual-hosted on AWS.
fn object_url(sdk: &SdkConfig, region: &str, at: &Location) -> String {
    let key: String = at
        .key
        .split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/");
    match sdk.endpoint_url() {
        Some(url) => format!("{}/{}/{key}", url.trim_end_matches('/'), at.bucket),
        None => {
            let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
            format!("https://{}.s3.{region}.{suffix}/{key}", at.bucket)
        }
    }
}

fn s3_operation<O: std::fmt::Debug + Send + Sync + 'static>(
    sdk: &SdkConfig,
    region: &str,
    name: &'static str,
    method: &'static str,
    url: String,
    body: Vec<u8>,
    deserialize: fn(&HttpResponse) -> Result<O, OrchestratorError<ErrorMetadata>>,
) -> Result<Operation<(), O, ErrorMetadata>, String> {
    let credentials =
        sdk.credentials_provider().ok_or_else(|| "no AWS credentials provider is configured".to_owned())?;
    let mut layer = Layer::new("engine-deploy-s3");
    layer.store_put(Region::new(region.to_owned()));
    layer.store_put(SigningRegion::from(Region::new(region.to_owned())));
    layer.store_put(SigningName::from_static("s3"));
    let mut signing_options = SigningOptions::default();
    signing_options.double_uri_encode = false;
    signing_options.content_sha256_header = true;
    signing_options.normalize_uri_path = false;
    layer.store_put(SigV4OperationSigningConfig { signing_options, ..Default::default() });
    layer.store_put(AuthSchemeOptionResolverParams::new(()));
    let mut components = RuntimeComponentsBuilder::new("engine-deploy-s3");
    components.set_auth_scheme_option_resolver(Some(SharedAuthSchemeOptionResolver::new(
        StaticAuthSchemeOptionResolver::new(vec![SIGV4]),
    )));
    components.push_auth_scheme(SharedAuthScheme::new(SigV4AuthScheme::new()));
    components.set_identity_resolver(SIGV4, SharedIdentityResolver::new(credentials));
    if let Some(http_client) = sdk.http_client() {
        components.set_http_client(Some(http_client));
    }
    let plugin = StaticRuntimePlugin::new().with_config(layer.freeze()).with_runtime_components(components);
    let (base, path) = split_url(&url);
    Ok(Operation::builder()
        .service_name("S3")
        .operation_name(name)
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&base)
        .standard_retry(&aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(4))
        .runtime_plugin(plugin)
        .serializer(move |(): ()| {
            let length = body.len();
            let mut request = HttpRequest::new(SdkBody::from(body.clone()));
            request.set_method(method)?;
            request.set_uri(path.clone())?;
            if method == "PUT" {
                request.headers_mut().insert("content-length", length.to_string());
                request.headers_mut().insert("content-type", "application/octet-stream");
            }
            Ok(request)
        })
        .deserializer(deserialize)
        .build())
}

/// `https://host:port` and `/path`.
fn split_url(url: &str) -> (String, String) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => (url[..after_scheme + i].to_owned(), url[after_scheme + i..].to_owned()),
        None => (url.to_owned(), "/".to_owned()),
    }
}

fn s3_error(response: &HttpResponse) -> OrchestratorError<ErrorMetadata> {
    let text = response.body().bytes().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
    let field = |tag: &str| {
        text.split(&format!("<{tag}>"))
            .nth(1)
            .and_then(|rest| rest.split(&format!("</{tag}>")).next())
            .map(str::to_owned)
    };
    let code = field("Code").unwrap_or_else(|| format!("HTTP{}", response.status().as_u16()));
    let message = field("Message").unwrap_or_default();
    OrchestratorError::operation(ErrorMetadata::builder().code(code).message(message).build())
}

async fn head_object(sdk: &SdkConfig, region: &str, at: &Location) -> Result<bool, String> {
    fn deserialize(response: &HttpResponse) -> Result<bool, OrchestratorError<ErrorMetadata>> {
        match response.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(s3_error(response)),
        }
    }
    let operation =
        s3_operation(sdk, region, "HeadObject", "HEAD", object_url(sdk, region, at), Vec::new(), deserialize)?;
    operation.invoke(()).await.map_err(|e| format!("s3://{}/{}: HeadObject: {}", at.bucket, at.key, sdk_error(&e)))
}

async fn put_object(sdk: &SdkConfig, region: &str, at: &Location, body: Vec<u8>) -> Result<(), String> {
    fn deserialize(response: &HttpResponse) -> Result<(), OrchestratorError<ErrorMetadata>> {
        if response.status().is_success() { Ok(()) } else { Err(s3_error(response)) }
    }
    let operation = s3_operation(sdk, region, "PutObject", "PUT", object_url(sdk, region, at), body, deserialize)?;
    operation.invoke(()).await.map_err(|e| format!("uploading s3://{}/{}: {}", at.bucket, at.key, sdk_error(&e)))
}

fn sdk_error<R: std::fmt::Debug>(error: &aws_sdk_cloudcontrol::error::SdkError<ErrorMetadata, R>) -> String {
    match error.as_service_error() {
        Some(e) => format!("{}: {}", e.code().unwrap_or("error"), e.message().unwrap_or("")),
        None => format!("{error:?}").chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_deterministic_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("app.py"), "def handler(event, context):\n    return 1\n").unwrap();
        std::fs::write(dir.path().join("lib/util.py"), "X = 2\n").unwrap();
        let a = zip_folder(dir.path()).unwrap();
        // Touching a file (new mtime) changes nothing.
        std::fs::write(dir.path().join("app.py"), "def handler(event, context):\n    return 1\n").unwrap();
        let b = zip_folder(dir.path()).unwrap();
        assert_eq!(a, b);
        // Python's zipfile reads it back.
        let zip = dir.path().join("out.zip");
        std::fs::write(&zip, &a).unwrap();
        let listing = std::process::Command::new("python3")
            .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip(), sorted(z.namelist()), z.read('lib/util.py'))"])
            .arg(&zip)
            .output();
        if let Ok(listing) = listing
            && listing.status.success()
        {
            let text = String::from_utf8_lossy(&listing.stdout);
            assert_eq!(text.trim(), "None ['app.py', 'lib/util.py'] b'X = 2\\n'");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn archives_are_uploaded_to_the_staging_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = engine_local_cloud::LocalCloud::start(engine_local_cloud::Config::new(dir.path().join("cloud")))
            .await
            .unwrap();
        let provider = Arc::new(
            Provider::new(engine_provider::ProviderConfig::endpoint(cloud.endpoint(), "us-east-1")).await.unwrap(),
        );
        let app = dir.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("index.js"), "exports.handler = async () => 1;\n").unwrap();
        let hash = engine_proto::asset::archive_hash(&app).unwrap();
        let inputs = json!({"Code": value::asset("archive", app.to_str().unwrap(), &hash), "Runtime": "nodejs20.x"});
        let lambda = engine_schema::Registry::global().get("AWS::Lambda::Function").unwrap();
        let assets = Assets::new(provider.clone());

        let planned = assets
            .materialize(inputs.as_object().unwrap(), Some(&lambda), "AWS::Lambda::Function", "us-east-1", true)
            .await
            .unwrap();
        let bucket = "engine-assets-123456789012-us-east-1";
        let key = format!("assets/{}.zip", hash.trim_start_matches("sha256:"));
        assert_eq!(planned["Code"], json!({"S3Bucket": bucket, "S3Key": key}));
        assert!(
            provider.get("AWS::S3::Bucket", bucket, &OpOptions::new()).await.unwrap().is_none(),
            "a preview uploaded"
        );

        let applied = assets
            .materialize(inputs.as_object().unwrap(), Some(&lambda), "AWS::Lambda::Function", "us-east-1", false)
            .await
            .unwrap();
        assert_eq!(applied, planned);
        let sdk = assets.sdk_config().await.clone();
        let at = Location { bucket: bucket.to_owned(), key };
        assert!(head_object(&sdk, "us-east-1", &at).await.unwrap(), "the archive was not uploaded");
        assert!(
            !head_object(&sdk, "us-east-1", &Location { bucket: bucket.to_owned(), key: "assets/none.zip".into() })
                .await
                .unwrap()
        );
        cloud.shutdown().await.unwrap();
    }

    #[test]
    fn locations_take_the_property_shape() {
        let registry = engine_schema::Registry::global();
        let at = Location { bucket: "b".into(), key: "assets/x.zip".into() };
        let lambda = registry.get("AWS::Lambda::Function").unwrap();
        assert_eq!(
            shape(Some(&lambda), "AWS::Lambda::Function", &["Code".into()], &at).unwrap(),
            json!({"S3Bucket": "b", "S3Key": "assets/x.zip"})
        );
        let api = registry.get("AWS::ApiGateway::RestApi").unwrap();
        assert_eq!(
            shape(Some(&api), "AWS::ApiGateway::RestApi", &["BodyS3Location".into()], &at).unwrap(),
            json!({"Bucket": "b", "Key": "assets/x.zip"})
        );
        let queue = registry.get("AWS::SQS::Queue").unwrap();
        let err = shape(Some(&queue), "AWS::SQS::Queue", &["DelaySeconds".into()], &at).unwrap_err();
        assert!(err.contains("/DelaySeconds"), "{err}");
    }
}
