//! The options a program gives a resource (state records are `engine_state::ResourceState`).

use engine_proto::v1;
use serde::{Deserialize, Serialize};

/// Timeouts in seconds; `None` means the schema's handler timeout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeouts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete: Option<f64>,
}

impl Timeouts {
    fn from_proto(t: Option<&v1::CustomTimeouts>) -> Self {
        let pick = |s: f64| (s > 0.0 && s.is_finite()).then_some(s);
        t.map(|t| Self { create: pick(t.create), update: pick(t.update), delete: pick(t.delete) }).unwrap_or_default()
    }
}

/// Options from a registration, after inheritance from the parent.
#[derive(Debug, Clone, Default)]
pub struct RegistrationOptions {
    pub protect: bool,
    pub retain_on_delete: bool,
    pub ignore_changes: Vec<String>,
    pub replace_on_changes: Vec<String>,
    pub delete_before_replace: Option<bool>,
    pub import_id: String,
    pub custom_timeouts: Timeouts,
    pub region: String,
    pub aliases: Vec<v1::Alias>,
    pub additional_secret_outputs: Vec<String>,
}

impl RegistrationOptions {
    #[must_use]
    pub fn from_proto(options: Option<&v1::ResourceOptions>) -> Self {
        let Some(o) = options else { return Self::default() };
        Self {
            protect: o.protect,
            retain_on_delete: o.retain_on_delete,
            ignore_changes: o.ignore_changes.clone(),
            replace_on_changes: o.replace_on_changes.clone(),
            delete_before_replace: o.delete_before_replace,
            import_id: o.import_id.clone(),
            custom_timeouts: Timeouts::from_proto(o.custom_timeouts.as_ref()),
            region: o.region.clone(),
            aliases: o.aliases.clone(),
            additional_secret_outputs: o.additional_secret_outputs.clone(),
        }
    }
}
