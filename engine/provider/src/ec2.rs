//! EC2 `DescribeAvailabilityZones` without `aws-sdk-ec2`.
//!
//! `aws-sdk-ec2` is the largest AWS SDK crate: adding it cost 975 s of debug build and 1,630 s of
//! release build on this (shared, 2-core) machine, against 355 s and 618 s for the whole rest of
//! the AWS stack (aws-config, Cloud Control, STS, SSO, TLS), for one read-only call. Instead this
//! module runs the call through the AWS SDK's own runtime, the one every generated client uses:
//! the smithy orchestrator (`aws_smithy_runtime::client::orchestrator::operation::Operation`)
//! with the default HTTPS client, the SDK's SigV4 auth scheme and credentials (the provider's
//! `SdkConfig`: the same chain as Cloud Control), its identity cache and timeouts. Only the two
//! form fields of the EC2 Query request and the response's XML are written here. Everything
//! else (crates, HTTP stack, signing) is already compiled for Cloud Control and STS: no build
//! cost.

use std::borrow::Cow;

use aws_config::SdkConfig;
use aws_runtime::auth::sigv4::{SCHEME_ID as SIGV4, SigV4AuthScheme};
use aws_runtime::auth::{SigV4OperationSigningConfig, SigningOptions};
use aws_sdk_cloudcontrol::config::timeout::TimeoutConfig;
use aws_sdk_cloudcontrol::error::{ErrorMetadata, SdkError};
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
use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use aws_types::SigningName;
use aws_types::region::{Region, SigningRegion};
use aws_types::service_config::ServiceConfigKey;

use crate::event::AvailabilityZone;

const API_VERSION: &str = "2016-11-15";

/// A ready-to-invoke `DescribeAvailabilityZones` for one region.
pub(crate) struct Ec2Client {
    operation: Result<Operation<(), Vec<AvailabilityZone>, ErrorMetadata>, String>,
}

impl Ec2Client {
    pub(crate) fn new(sdk: &SdkConfig, region: &str, timeouts: TimeoutConfig) -> Self {
        Ec2Client {
            operation: build(sdk, region, timeouts),
        }
    }

    pub(crate) async fn describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, SdkError<ErrorMetadata>> {
        match &self.operation {
            Ok(operation) => operation.invoke(()).await,
            Err(message) => Err(SdkError::construction_failure(message.clone())),
        }
    }
}

/// The EC2 endpoint: an explicit `AWS_ENDPOINT_URL_EC2` / profile `endpoint_url` for EC2, else
/// the configuration's global endpoint URL (`AWS_ENDPOINT_URL`, or the local cloud's), else the
/// regional AWS endpoint.
fn endpoint(sdk: &SdkConfig, region: &str) -> String {
    let service_specific = sdk.service_config().and_then(|config| {
        let key = ServiceConfigKey::builder()
            .service_id("EC2")
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        config.load_config(key)
    });
    if let Some(url) = service_specific.or_else(|| sdk.endpoint_url().map(str::to_string)) {
        return url;
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://ec2.{region}.{suffix}")
}

fn build(
    sdk: &SdkConfig,
    region: &str,
    timeouts: TimeoutConfig,
) -> Result<Operation<(), Vec<AvailabilityZone>, ErrorMetadata>, String> {
    let credentials = sdk
        .credentials_provider()
        .ok_or_else(|| "no AWS credentials provider is configured".to_string())?;

    let mut layer = Layer::new("engine-provider-ec2");
    layer.store_put(Region::new(region.to_string()));
    layer.store_put(SigningRegion::from(Region::new(region.to_string())));
    layer.store_put(SigningName::from_static("ec2"));
    let mut signing_options = SigningOptions::default();
    signing_options.double_uri_encode = true;
    signing_options.content_sha256_header = false;
    signing_options.normalize_uri_path = true;
    layer.store_put(SigV4OperationSigningConfig {
        signing_options,
        ..Default::default()
    });
    layer.store_put(AuthSchemeOptionResolverParams::new(()));

    let mut components = RuntimeComponentsBuilder::new("engine-provider-ec2");
    components.set_auth_scheme_option_resolver(Some(SharedAuthSchemeOptionResolver::new(
        StaticAuthSchemeOptionResolver::new(vec![SIGV4]),
    )));
    components.push_auth_scheme(SharedAuthScheme::new(SigV4AuthScheme::new()));
    components.set_identity_resolver(SIGV4, SharedIdentityResolver::new(credentials));
    if let Some(http_client) = sdk.http_client() {
        components.set_http_client(Some(http_client));
    }

    let plugin = StaticRuntimePlugin::new()
        .with_config(layer.freeze())
        .with_runtime_components(components);

    Ok(Operation::builder()
        .service_name("EC2")
        .operation_name("DescribeAvailabilityZones")
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint(sdk, region))
        // The provider's retry loop is in charge.
        .no_retry()
        .timeout_config(timeouts)
        .runtime_plugin(plugin)
        .serializer(|_: ()| {
            let body = format!("Action=DescribeAvailabilityZones&Version={API_VERSION}");
            let mut request = HttpRequest::new(SdkBody::from(body.clone()));
            request.set_method("POST")?;
            request.set_uri("/")?;
            request
                .headers_mut()
                .insert("content-type", "application/x-www-form-urlencoded; charset=utf-8");
            request.headers_mut().insert("content-length", body.len().to_string());
            Ok(request)
        })
        .deserializer(deserialize)
        .build())
}

fn deserialize(response: &HttpResponse) -> Result<Vec<AvailabilityZone>, OrchestratorError<ErrorMetadata>> {
    let body = response
        .body()
        .bytes()
        .ok_or_else(|| OrchestratorError::other("the EC2 response body was not buffered"))?;
    let text = std::str::from_utf8(body).map_err(|error| OrchestratorError::other(format!("EC2 response: {error}")))?;
    if !response.status().is_success() {
        let (code, message) = parse_error(text).unwrap_or_else(|| {
            (
                format!("HTTP{}", response.status().as_u16()),
                text.chars().take(300).collect(),
            )
        });
        return Err(OrchestratorError::operation(
            ErrorMetadata::builder().code(code).message(message).build(),
        ));
    }
    parse_zones(text).map_err(|error| OrchestratorError::other(format!("EC2 DescribeAvailabilityZones: {error}")))
}

/// Reads `availabilityZoneInfo/item/{zoneName,zoneId,zoneState}` of a
/// `DescribeAvailabilityZonesResponse`.
pub(crate) fn parse_zones(text: &str) -> Result<Vec<AvailabilityZone>, String> {
    let mut document = Document::new(text);
    let mut root = document.root_element().map_err(|error| error.to_string())?;
    if root.start_el().local() != "DescribeAvailabilityZonesResponse" {
        return Err(format!("unexpected root element <{}>", root.start_el().local()));
    }
    let mut zones = Vec::new();
    while let Some(mut child) = root.next_tag() {
        if child.start_el().local() != "availabilityZoneInfo" {
            continue;
        }
        while let Some(mut item) = child.next_tag() {
            if item.start_el().local() == "item" {
                zones.push(parse_item(&mut item)?);
            }
        }
    }
    Ok(zones)
}

fn parse_item(item: &mut ScopedDecoder<'_, '_>) -> Result<AvailabilityZone, String> {
    let (mut name, mut zone_id, mut state) = (None, None, None);
    while let Some(mut field) = item.next_tag() {
        let slot = match field.start_el().local() {
            "zoneName" => &mut name,
            "zoneId" => &mut zone_id,
            "zoneState" => &mut state,
            _ => continue,
        };
        let value: Cow<'_, str> = try_data(&mut field).map_err(|error| error.to_string())?;
        *slot = Some(value.into_owned());
    }
    Ok(AvailabilityZone {
        name: name.ok_or_else(|| "an availability zone item without zoneName".to_string())?,
        zone_id,
        state,
    })
}

/// `<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors></Response>`.
fn parse_error(text: &str) -> Option<(String, String)> {
    let mut document = Document::new(text);
    let mut root = document.root_element().ok()?;
    let (mut code, mut message) = (None, None);
    let mut visit = |error: &mut ScopedDecoder<'_, '_>| {
        while let Some(mut field) = error.next_tag() {
            match field.start_el().local() {
                "Code" => code = try_data(&mut field).ok().map(Cow::into_owned),
                "Message" => message = try_data(&mut field).ok().map(Cow::into_owned),
                _ => {}
            }
        }
    };
    while let Some(mut child) = root.next_tag() {
        match child.start_el().local() {
            "Errors" => {
                while let Some(mut error) = child.next_tag() {
                    if error.start_el().local() == "Error" {
                        visit(&mut error);
                    }
                }
            }
            "Error" => visit(&mut child),
            _ => {}
        }
    }
    Some((code?, message.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zones() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <availabilityZoneInfo>
    <item><zoneState>available</zoneState><regionName>eu-west-1</regionName><zoneName>eu-west-1a</zoneName><zoneId>euw1-az1</zoneId><messageSet/></item>
    <item><zoneName>eu-west-1b</zoneName><zoneState>impaired</zoneState></item>
  </availabilityZoneInfo>
</DescribeAvailabilityZonesResponse>"#;
        let zones = parse_zones(text).unwrap();
        assert_eq!(
            zones,
            vec![
                AvailabilityZone {
                    name: "eu-west-1a".into(),
                    zone_id: Some("euw1-az1".into()),
                    state: Some("available".into())
                },
                AvailabilityZone {
                    name: "eu-west-1b".into(),
                    zone_id: None,
                    state: Some("impaired".into())
                },
            ]
        );
        assert!(parse_zones("<Other/>").is_err());
        assert!(parse_zones("<DescribeAvailabilityZonesResponse><availabilityZoneInfo><item/></availabilityZoneInfo></DescribeAvailabilityZonesResponse>").is_err());
    }

    #[test]
    fn parses_errors() {
        let text = "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors><RequestID>x</RequestID></Response>";
        assert_eq!(
            parse_error(text),
            Some((
                "AuthFailure".to_string(),
                "AWS was not able to validate the provided access credentials".to_string()
            ))
        );
        assert_eq!(parse_error("not xml"), None);
    }

    #[test]
    fn endpoints() {
        let sdk = SdkConfig::builder().build();
        assert_eq!(endpoint(&sdk, "eu-west-1"), "https://ec2.eu-west-1.amazonaws.com");
        assert_eq!(endpoint(&sdk, "cn-north-1"), "https://ec2.cn-north-1.amazonaws.com.cn");
        let local = SdkConfig::builder().endpoint_url("http://127.0.0.1:9").build();
        assert_eq!(endpoint(&local, "us-east-1"), "http://127.0.0.1:9");
    }
}
