//! The `engine.v1` protocol: gRPC stubs for the resource monitor and component plugins, and the
//! value encoding (see `proto/README.md`).

pub mod asset;
pub mod value;

/// Generated from `proto/engine/v1/monitor.proto`.
#[expect(clippy::all, clippy::pedantic, reason = "generated code")]
pub mod v1 {
    tonic::include_proto!("engine.v1");
}

/// The protocol version this build speaks (see `proto/README.md`).
pub const PROTOCOL_VERSION: u32 = 1;

/// The metadata key carrying the run's token on every monitor call.
pub const TOKEN_METADATA_KEY: &str = "x-engine-token";

/// Environment variables the engine starts programs (and plugins) with.
pub mod env {
    pub const MONITOR_ADDRESS: &str = "ENGINE_MONITOR_ADDRESS";
    pub const MONITOR_TOKEN: &str = "ENGINE_MONITOR_TOKEN";
    pub const PROJECT: &str = "ENGINE_PROJECT";
    pub const STACK: &str = "ENGINE_STACK";
    pub const DRY_RUN: &str = "ENGINE_DRY_RUN";
    pub const CONFIG: &str = "ENGINE_CONFIG";
    pub const CONFIG_SECRET_KEYS: &str = "ENGINE_CONFIG_SECRET_KEYS";
    pub const PARALLEL: &str = "ENGINE_PARALLEL";
    pub const ROOT_URN: &str = "ENGINE_ROOT_URN";
}

/// The root stack resource's type.
pub const STACK_TYPE: &str = "engine:index:Stack";

/// Build a URN (see `proto/README.md`). `type_chain` is the ancestors' types (without the root
/// stack) followed by the resource's own type.
#[must_use]
pub fn urn(stack: &str, project: &str, type_chain: &[&str], name: &str) -> String {
    format!("urn:engine:{stack}::{project}::{}::{name}", type_chain.join("$"))
}

/// The parts of a URN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrnParts<'a> {
    pub stack: &'a str,
    pub project: &'a str,
    /// Ancestors' types then the resource's own type.
    pub type_chain: Vec<&'a str>,
    pub name: &'a str,
}

impl UrnParts<'_> {
    /// The resource's own type.
    #[must_use]
    pub fn resource_type(&self) -> &str {
        self.type_chain.last().copied().unwrap_or("")
    }
}

/// Parse a URN; `None` when it is not of the engine's form.
#[must_use]
pub fn parse_urn(urn: &str) -> Option<UrnParts<'_>> {
    let rest = urn.strip_prefix("urn:engine:")?;
    let mut parts = rest.splitn(3, "::");
    let stack = parts.next()?;
    let project = parts.next()?;
    let tail = parts.next()?;
    // The type chain may itself contain "::" (AWS::S3::Bucket); the name is after the last "::".
    let (types, name) = tail.rsplit_once("::")?;
    if stack.is_empty() || project.is_empty() || types.is_empty() {
        return None;
    }
    Some(UrnParts { stack, project, type_chain: types.split('$').collect(), name })
}

/// The root stack resource's URN.
#[must_use]
pub fn root_urn(stack: &str, project: &str) -> String {
    urn(stack, project, &[STACK_TYPE], &format!("{project}-{stack}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_round_trip() {
        let u = urn("dev", "events", &["platform:index:Network", "AWS::S3::Bucket"], "logs");
        assert_eq!(u, "urn:engine:dev::events::platform:index:Network$AWS::S3::Bucket::logs");
        let parts = parse_urn(&u).unwrap();
        assert_eq!(parts.stack, "dev");
        assert_eq!(parts.project, "events");
        assert_eq!(parts.type_chain, vec!["platform:index:Network", "AWS::S3::Bucket"]);
        assert_eq!(parts.resource_type(), "AWS::S3::Bucket");
        assert_eq!(parts.name, "logs");
        assert_eq!(root_urn("dev", "events"), "urn:engine:dev::events::engine:index:Stack::events-dev");
        assert!(parse_urn("urn:pulumi:x").is_none());
    }
}
