//! The CloudFormation registry schemas, as shipped by cfn-lint, vendored in `data/schemas.pack`.
//!
//! [`Registry::global`] opens the embedded pack on first use (a few milliseconds: only the index
//! is read); each type's schema is inflated and parsed the first time it is asked for and then
//! shared. The engine (planning, validation), the local cloud and the SDK generator all read the
//! schemas through this crate.
//!
//! ```
//! let registry = engine_schema::Registry::global();
//! let bucket = registry.lookup("us-east-1", "AWS::S3::Bucket").unwrap();
//! assert!(bucket.is_provisionable() && bucket.is_updatable());
//! assert_eq!(bucket.primary_identifier[0].to_string(), "/BucketName");
//! ```

mod pack;
mod path;
mod schema;
pub mod validate;

use std::sync::{Arc, OnceLock};

pub use pack::{Index, PackInput, TypeRow, read_index, write_pack};
pub use path::{PropPath, Segment};
pub use validate::{Issue, IssueKind, Validator};
pub use schema::{
    DEFAULT_TIMEOUT_MINUTES, Handler, Handlers, ListHandler, Operation, ResourceSchema, Tagging,
};

/// The vendored pack, refreshed by `engine/schema/refresh-schemas.sh`.
static EMBEDDED_PACK: &[u8] = include_bytes!("../data/schemas.pack");

/// Errors of schema look-ups.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SchemaError {
    #[error("unknown resource type {type_name}{}", suggestion_text(.suggestion))]
    UnknownType { type_name: String, suggestion: Option<String> },
    #[error("unknown region {0}")]
    UnknownRegion(String),
    #[error("resource type {type_name} is not available in region {region}")]
    NotInRegion { type_name: String, region: String },
    #[error("schema data is corrupt: {0}")]
    Corrupt(String),
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!(" (did you mean {s}?)")).unwrap_or_default()
}

/// The registry of every resource type's schema, per region.
pub struct Registry {
    pack: &'static [u8],
    index: Index,
    blobs_start: usize,
    parsed: Vec<OnceLock<Result<Arc<ResourceSchema>, SchemaError>>>,
}

impl Registry {
    /// The registry built from the vendored schemas. Panics only if the embedded pack is corrupt,
    /// which the crate's tests rule out.
    #[must_use]
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            #[expect(clippy::expect_used, reason = "the embedded pack is verified by tests")]
            Registry::open(EMBEDDED_PACK).expect("embedded schema pack is valid")
        })
    }

    /// Open a pack held in memory for the life of the program.
    pub fn open(pack: &'static [u8]) -> Result<Self, SchemaError> {
        let (index, blobs_start) = read_index(pack)?;
        let parsed = index.types.iter().map(|_| OnceLock::new()).collect();
        Ok(Self { pack, index, blobs_start, parsed })
    }

    /// Where the schemas came from, e.g. `cfn-lint 1.58.0`.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.index.source
    }

    /// cfn-lint's `schema_date`.
    #[must_use]
    pub fn schema_date(&self) -> &str {
        &self.index.schema_date
    }

    /// Every region with a provider file.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.index.regions.iter().map(String::as_str)
    }

    /// Whether the region is known.
    #[must_use]
    pub fn has_region(&self, region: &str) -> bool {
        self.region_bit(region).is_some()
    }

    fn region_bit(&self, region: &str) -> Option<u64> {
        self.index.regions.iter().position(|r| r == region).map(|i| 1u64 << i)
    }

    fn row(&self, type_name: &str) -> Option<usize> {
        self.index.types.binary_search_by(|row| row.0.as_str().cmp(type_name)).ok()
    }

    /// Every type name in at least one region, sorted.
    pub fn all_type_names(&self) -> impl Iterator<Item = &str> {
        self.index.types.iter().map(|row| row.0.as_str())
    }

    /// The type names of one region, sorted; `None` for an unknown region.
    #[must_use]
    pub fn type_names(&self, region: &str) -> Option<Vec<&str>> {
        let bit = self.region_bit(region)?;
        Some(self.index.types.iter().filter(|row| row.3 & bit != 0).map(|row| row.0.as_str()).collect())
    }

    /// Whether a type exists in a region.
    #[must_use]
    pub fn contains(&self, region: &str, type_name: &str) -> bool {
        match (self.region_bit(region), self.row(type_name)) {
            (Some(bit), Some(row)) => self.index.types[row].3 & bit != 0,
            _ => false,
        }
    }

    /// The regions a type exists in.
    #[must_use]
    pub fn regions_of(&self, type_name: &str) -> Vec<&str> {
        let Some(row) = self.row(type_name) else { return Vec::new() };
        let mask = self.index.types[row].3;
        self.index
            .regions
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1u64 << i) != 0)
            .map(|(_, r)| r.as_str())
            .collect()
    }

    /// A type's schema, whatever the region (each type has one schema across regions).
    pub fn get(&self, type_name: &str) -> Result<Arc<ResourceSchema>, SchemaError> {
        let Some(row) = self.row(type_name) else {
            return Err(SchemaError::UnknownType {
                type_name: type_name.to_owned(),
                suggestion: self.suggest(type_name),
            });
        };
        self.parsed[row]
            .get_or_init(|| {
                let bytes = pack::read_blob(self.pack, self.blobs_start, &self.index.types[row])?;
                let value: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| SchemaError::Corrupt(format!("{type_name}: {e}")))?;
                Ok(Arc::new(ResourceSchema::from_value(value)))
            })
            .clone()
    }

    /// A type's schema in a region: fails when the region is unknown or does not have the type.
    pub fn lookup(&self, region: &str, type_name: &str) -> Result<Arc<ResourceSchema>, SchemaError> {
        if !self.has_region(region) {
            return Err(SchemaError::UnknownRegion(region.to_owned()));
        }
        let schema = self.get(type_name)?;
        if !self.contains(region, type_name) {
            return Err(SchemaError::NotInRegion {
                type_name: type_name.to_owned(),
                region: region.to_owned(),
            });
        }
        Ok(schema)
    }

    /// The closest known type name (case-insensitive match first, then edit distance).
    #[must_use]
    pub fn suggest(&self, type_name: &str) -> Option<String> {
        let lower = type_name.to_ascii_lowercase();
        if let Some(row) = self.index.types.iter().find(|row| row.0.to_ascii_lowercase() == lower) {
            return Some(row.0.clone());
        }
        let (best, distance) = self
            .index
            .types
            .iter()
            .map(|row| (row.0.as_str(), edit_distance(&lower, &row.0.to_ascii_lowercase())))
            .min_by_key(|(_, d)| *d)?;
        (distance <= 3.max(type_name.len() / 8)).then(|| best.to_owned())
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_fast_and_knows_regions() {
        let start = std::time::Instant::now();
        let registry = Registry::global();
        assert!(registry.contains("us-east-1", "AWS::S3::Bucket"));
        let elapsed = start.elapsed();
        // Debug builds are several times slower than release; the 50 ms target is for release.
        assert!(elapsed.as_millis() < 500, "first look-up took {elapsed:?}");
        assert!(registry.regions().count() >= 30);
        assert!(registry.source().starts_with("cfn-lint"));
        assert!(registry.contains("us-east-1", "AWS::CUR::ReportDefinition"));
        assert!(!registry.contains("ap-northeast-1", "AWS::CUR::ReportDefinition"));
        assert!(registry.regions_of("AWS::CUR::ReportDefinition").contains(&"us-east-1"));
    }

    #[test]
    fn bucket_metadata() {
        let bucket = Registry::global().lookup("us-east-1", "AWS::S3::Bucket").unwrap();
        assert!(bucket.is_provisionable() && bucket.is_updatable() && bucket.is_listable());
        assert_eq!(bucket.primary_identifier.len(), 1);
        assert!(bucket.create_only.iter().any(|p| p.to_string() == "/BucketName"));
        assert!(bucket.read_only.iter().any(|p| p.to_string() == "/Arn"));
        assert!(bucket.write_only.iter().any(|p| p.to_string().contains("/*/")));
        let tagging = bucket.tagging.as_ref().unwrap();
        assert!(tagging.taggable && tagging.tag_updatable);
        assert_eq!(tagging.tag_property.as_ref().unwrap().to_string(), "/Tags");
        // $ref resolution into definitions, through arrays.
        let key = bucket.schema_at(&["Tags", "0", "Key"]).unwrap();
        assert_eq!(key.get("type").and_then(|t| t.as_str()), Some("string"));
        assert_eq!(bucket.identifier_of(&serde_json::json!({"BucketName": "b"})).as_deref(), Some("b"));
    }

    #[test]
    fn handlers_and_list_parents() {
        let registry = Registry::global();
        let permission = registry.get("AWS::Lambda::Permission").unwrap();
        assert!(permission.is_provisionable() && !permission.is_updatable());
        let method = registry.get("AWS::ApiGateway::Method").unwrap();
        assert!(!method.is_listable());
        let nodegroup = registry.get("AWS::EKS::Nodegroup").unwrap();
        let list = nodegroup.handlers.list.as_ref().unwrap();
        assert_eq!(list.required_parent_properties, vec!["ClusterName".to_owned()]);
        let timeout = registry.get("AWS::RDS::DBInstance").unwrap().handler_timeout(Operation::Create);
        assert!(timeout.unwrap().as_secs() >= 60);
        // A type with no handlers at all.
        assert!(!registry.get("AWS::CloudFormation::CustomResource").unwrap().is_provisionable());
    }

    #[test]
    fn unknown_types_get_suggestions() {
        let registry = Registry::global();
        match registry.get("AWS::S3::Buckett") {
            Err(SchemaError::UnknownType { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("AWS::S3::Bucket"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(registry.lookup("mars-1", "AWS::S3::Bucket"), Err(SchemaError::UnknownRegion(_))));
        assert!(matches!(
            registry.lookup("ap-northeast-1", "AWS::CUR::ReportDefinition"),
            Err(SchemaError::NotInRegion { .. })
        ));
        let message = registry.get("aws::s3::bucket").unwrap_err().to_string();
        assert!(message.contains("did you mean AWS::S3::Bucket"), "{message}");
    }

    #[test]
    fn every_schema_parses() {
        let registry = Registry::global();
        let mut provisionable = 0;
        for name in registry.all_type_names() {
            let schema = registry.get(name).unwrap();
            assert_eq!(schema.type_name, name);
            if schema.is_provisionable() {
                provisionable += 1;
            }
        }
        assert!(provisionable > 1600, "{provisionable}");
    }
}
