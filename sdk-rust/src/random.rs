//! The built-in random resources, `Engine::Random::Password` and `Engine::Random::String`:
//! computed by the engine, stable across runs (a change of `keepers` re-generates them).
//!
//! They are written exactly as generated typed resources are (see the README, "For generated
//! code and bindings"): an argument struct that derives `Serialize`, a wrapper implementing
//! [`TypedResource`], typed output accessors. The language bindings register them with
//! [`Context::register_random`]: their arguments, in the language's names, are renamed by a shape
//! table of these types ([`shapes`]) with the rules of generated typed resources.

use std::str::FromStr;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::input::{DynInput, Input};
use crate::output::Output;
use crate::resource::{AsResource, Resource, ResourceOptions, TypeInfo, TypedResource};
use crate::typed::{Field, FieldShape, ObjectShape, ResourceShape, ShapeTable, Shapes};
use crate::{Error, Result};

/// Arguments of a random password or string.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RandomArgs {
    /// Number of characters (required).
    pub length: Input<i64>,
    /// Include special characters (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special: Option<Input<bool>>,
    /// The special characters to use instead of the default set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_special: Option<Input<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_upper: Option<Input<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_lower: Option<Input<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_numeric: Option<Input<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_special: Option<Input<i64>>,
    /// Arbitrary values; changing any of them generates a new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keepers: Option<Input<Value>>,
}

impl RandomArgs {
    /// `length` characters, other settings default.
    #[must_use]
    pub fn length(length: i64) -> Self {
        RandomArgs { length: Input::Value(length), ..Default::default() }
    }
}

/// `Engine::Random::Password`: a random secret.
#[derive(Debug, Clone)]
pub struct RandomPassword {
    resource: Resource,
}

impl TypedResource for RandomPassword {
    const TYPE: TypeInfo = TypeInfo::builtin("Engine::Random::Password");
    type Args = RandomArgs;
    const SECRET_OUTPUTS: &'static [&'static str] = &["Result"];

    fn from_resource(resource: Resource) -> Self {
        RandomPassword { resource }
    }
}

impl AsResource for RandomPassword {
    fn as_resource(&self) -> &Resource {
        &self.resource
    }
}

impl RandomPassword {
    /// # Errors
    /// An invalid name or a duplicate URN (see [`Context::register`]).
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: RandomArgs, options: ResourceOptions) -> Result<Self> {
        ctx.create::<Self>(name, &args, options)
    }

    /// The password (always secret).
    #[must_use]
    pub fn result(&self) -> Output<String> {
        self.resource.output("Result")
    }
}

/// `Engine::Random::String`: a random string (not secret).
#[derive(Debug, Clone)]
pub struct RandomString {
    resource: Resource,
}

impl TypedResource for RandomString {
    const TYPE: TypeInfo = TypeInfo::builtin("Engine::Random::String");
    type Args = RandomArgs;

    fn from_resource(resource: Resource) -> Self {
        RandomString { resource }
    }
}

impl AsResource for RandomString {
    fn as_resource(&self) -> &Resource {
        &self.resource
    }
}

impl RandomString {
    /// # Errors
    /// An invalid name or a duplicate URN (see [`Context::register`]).
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: RandomArgs, options: ResourceOptions) -> Result<Self> {
        ctx.create::<Self>(name, &args, options)
    }

    #[must_use]
    pub fn result(&self) -> Output<String> {
        self.resource.output("Result")
    }
}

// ---------------------------------------------------------------------------------------------
// For the language bindings

/// How a language writes the arguments' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Python: `override_special`.
    SnakeCase,
    /// TypeScript: `overrideSpecial`.
    CamelCase,
}

/// Which random resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomKind {
    /// `Engine::Random::Password` (its result is secret).
    Password,
    /// `Engine::Random::String`.
    String,
}

impl RandomKind {
    /// `Engine::Random::Password` or `Engine::Random::String`.
    #[must_use]
    pub fn type_name(self) -> &'static str {
        match self {
            RandomKind::Password => RandomPassword::TYPE.type_name,
            RandomKind::String => RandomString::TYPE.type_name,
        }
    }
}

impl FromStr for RandomKind {
    type Err = Error;

    /// `password` or `string`.
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "password" => Ok(RandomKind::Password),
            "string" => Ok(RandomKind::String),
            other => Err(Error::Invalid(format!("unknown random resource kind {other:?} (password, string)"))),
        }
    }
}

/// The arguments (schema name, snake_case, camelCase) and the read-only result.
const ARGUMENTS: [(&str, &str, &str); 8] = [
    ("Length", "length", "length"),
    ("Special", "special", "special"),
    ("OverrideSpecial", "override_special", "overrideSpecial"),
    ("MinUpper", "min_upper", "minUpper"),
    ("MinLower", "min_lower", "minLower"),
    ("MinNumeric", "min_numeric", "minNumeric"),
    ("MinSpecial", "min_special", "minSpecial"),
    ("Keepers", "keepers", "keepers"),
];

/// The random types as a shape table in a language's names (`result` is read-only).
#[must_use]
pub fn shapes(naming: Naming) -> &'static Shapes {
    static SNAKE: OnceLock<Shapes> = OnceLock::new();
    static CAMEL: OnceLock<Shapes> = OnceLock::new();
    let cell = match naming {
        Naming::SnakeCase => &SNAKE,
        Naming::CamelCase => &CAMEL,
    };
    cell.get_or_init(|| {
        let mut fields: Vec<Field> = ARGUMENTS
            .iter()
            .map(|(schema, snake, camel)| Field {
                schema_name: (*schema).to_owned(),
                lang_name: if naming == Naming::SnakeCase { (*snake).to_owned() } else { (*camel).to_owned() },
                shape: FieldShape::Plain,
                read_only: false,
            })
            .collect();
        fields.push(Field { schema_name: "Result".to_owned(), lang_name: "result".to_owned(), shape: FieldShape::Plain, read_only: true });
        let resource = |info: TypeInfo| ResourceShape {
            type_name: info.type_name.to_owned(),
            properties: 0,
            primary_identifier: Vec::new(),
            create_only: Vec::new(),
            write_only: Vec::new(),
            read_only: Vec::new(),
        };
        Shapes::new(ShapeTable {
            schema_date: String::new(),
            types: vec![ObjectShape::new(fields)],
            resources: vec![resource(RandomPassword::TYPE), resource(RandomString::TYPE)],
        })
    })
}

impl Context {
    /// Register a random password or string from a language binding: `args` in the language's
    /// names (`{"length": 16, "special": false}`), renamed like a generated typed resource's; the
    /// password's result is secret. Returns at once.
    ///
    /// # Errors
    /// An unknown or read-only argument (`Engine::Random::Password "db": unknown property lenght
    /// (did you mean length?)`), and everything [`Context::register`] refuses.
    pub fn register_random(
        &self,
        kind: RandomKind,
        naming: Naming,
        name: &str,
        args: DynInput,
        mut options: ResourceOptions,
        source_position: String,
    ) -> Result<Resource> {
        let (info, secret_outputs) = match kind {
            RandomKind::Password => (RandomPassword::TYPE, RandomPassword::SECRET_OUTPUTS),
            RandomKind::String => (RandomString::TYPE, RandomString::SECRET_OUTPUTS),
        };
        options.additional_secret_outputs.extend(secret_outputs.iter().map(|output| (*output).to_owned()));
        let index = usize::from(kind == RandomKind::String);
        let resource = shapes(naming).resource(index)?;
        debug_assert_eq!(resource.type_name(), info.type_name);
        self.register_shaped(&resource, name, args, options, source_position)
    }
}
