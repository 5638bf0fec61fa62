//! Typed resources of generated code (`engine/codegen/RUNTIME.md`): a handle on a generated
//! module's shape table, parsed once by the core (`engine_sdk::typed`), which renames arguments
//! from the language's names to the schema's and outputs back. Nothing about names is decided
//! here.

use engine_sdk::typed::{ShapedResource, Shapes};
use napi_derive::napi;

use crate::error::OrThrow;

/// A generated module's shape table.
#[napi]
pub struct BindingShapeTable {
    pub(crate) shapes: Shapes,
}

#[napi]
impl BindingShapeTable {
    #[napi(factory)]
    pub fn parse(text: String) -> napi::Result<Self> {
        Ok(BindingShapeTable { shapes: Shapes::parse(&text).or_throw()? })
    }

    /// The resource type at `index`.
    #[napi]
    pub fn type_name(&self, index: u32) -> napi::Result<String> {
        Ok(self.resource(index)?.type_name().to_owned())
    }

    /// The language names of a resource's top-level properties (its output accessors).
    #[napi]
    pub fn property_names(&self, index: u32) -> napi::Result<Vec<String>> {
        Ok(self.resource(index)?.property_names().into_iter().map(str::to_owned).collect())
    }
}

impl BindingShapeTable {
    /// Resource type `index` of the table.
    pub(crate) fn resource(&self, index: u32) -> napi::Result<ShapedResource> {
        self.shapes.resource(index as usize).or_throw()
    }
}
