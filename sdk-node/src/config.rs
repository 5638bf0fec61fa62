//! Configuration: the native handle behind the TypeScript `Config`; every getter is the core's.

use engine_sdk::Config;
use napi_derive::napi;
use serde_json::Value;

use crate::error::OrThrow;
use crate::output::BindingOutput;

/// The configuration of one namespace.
#[napi]
pub struct BindingConfig {
    config: Config,
}

impl BindingConfig {
    pub fn new(config: Config) -> Self {
        BindingConfig { config }
    }
}

#[napi]
impl BindingConfig {
    #[napi(getter)]
    pub fn namespace(&self) -> String {
        self.config.namespace().to_owned()
    }

    /// The full key (`namespace:key`) a key is read at.
    #[napi]
    pub fn full_key(&self, key: String) -> String {
        self.config.full_key(&key)
    }

    #[napi]
    pub fn is_secret(&self, key: String) -> bool {
        self.config.is_secret(&key)
    }

    #[napi]
    pub fn get(&self, key: String) -> Option<String> {
        self.config.get(&key)
    }

    #[napi]
    pub fn require(&self, key: String) -> napi::Result<String> {
        self.config.require(&key).or_throw()
    }

    #[napi]
    pub fn get_number(&self, key: String) -> napi::Result<Option<f64>> {
        self.config.get_f64(&key).or_throw()
    }

    #[napi]
    pub fn require_number(&self, key: String) -> napi::Result<f64> {
        self.config.require_f64(&key).or_throw()
    }

    #[napi]
    pub fn get_boolean(&self, key: String) -> napi::Result<Option<bool>> {
        self.config.get_bool(&key).or_throw()
    }

    #[napi]
    pub fn require_boolean(&self, key: String) -> napi::Result<bool> {
        self.config.require_bool(&key).or_throw()
    }

    #[napi]
    pub fn get_object(&self, key: String) -> napi::Result<Option<Value>> {
        self.config.get_object::<Value>(&key).or_throw()
    }

    #[napi]
    pub fn require_object(&self, key: String) -> napi::Result<Value> {
        self.config.require_object::<Value>(&key).or_throw()
    }

    #[napi]
    pub fn get_secret(&self, key: String) -> Option<BindingOutput> {
        self.config.get_secret(&key).map(|output| BindingOutput::new(output.map(Value::String)))
    }

    #[napi]
    pub fn require_secret(&self, key: String) -> napi::Result<BindingOutput> {
        self.config.require_secret(&key).map(|output| BindingOutput::new(output.map(Value::String))).or_throw()
    }

    #[napi]
    pub fn require_secret_object(&self, key: String) -> napi::Result<BindingOutput> {
        self.config.require_secret_object::<Value>(&key).map(BindingOutput::new).or_throw()
    }
}
