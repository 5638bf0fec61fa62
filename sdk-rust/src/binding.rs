//! What the language bindings (Python, Node) share beyond the core's model, kept here so that
//! every language behaves the same: making a context the process's current program (as
//! `Context::from_env` does for Rust programs, while a binding connects with `Context::connect`
//! to announce itself); `Output.concat` and `output[index]`; log severities and resource kinds by
//! name; custom timeouts given as seconds or text; aliases given in parts; file assets and
//! archives hashed off the host's thread; and source positions.
//!
//! Typed resources of generated code are [`crate::typed`]; random resources
//! [`Context::register_random`](crate::Context::register_random).

use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde_json::Value;

use crate::asset::{FileArchive, FileAsset};
use crate::context::{Context, Severity};
use crate::input::DynInput;
use crate::output::{Output, Resolved};
use crate::resource::{Alias, AliasParent, ResourceKind};
use crate::{Error, Result};

impl Context {
    /// Make this the process's current program, as [`Context::from_env`] does: outputs not
    /// derived from any resource (`Output::new(..)`, `DynInput::into_output`, host callbacks
    /// through `apply_dyn`) report their callbacks' failures to it, and its
    /// [`Context::finish`] waits for them.
    pub fn make_current(&self) {
        crate::tracker::set_default_tracker(&self.inner.tracker);
    }
}

/// The text form of a value in [`concat`]: strings as they are, `null` as nothing, anything
/// else in its JSON form (`14`, `true`, `{"a":1}`), identical in every language.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The parts (plain values or outputs) joined into one string output: unknown if any part is,
/// secret if any is, depending on every part's resources. The bindings' `Output.concat`.
#[must_use]
pub fn concat(parts: Vec<DynInput>) -> Output<Value> {
    DynInput::Array(parts).into_output().map(|value| match value {
        Value::Array(items) => Value::String(items.iter().map(text).collect()),
        other => Value::String(text(&other)),
    })
}

impl Output<Value> {
    /// The element at `index` of an array (`null` when absent or not an array; unknown stays
    /// unknown). With [`Output::get`] for keys, what the bindings' `output[key]` uses.
    #[must_use]
    pub fn at_index(&self, index: usize) -> Output<Value> {
        self.map(move |value| value.get(index).cloned().unwrap_or(Value::Null))
    }
}

impl FromStr for Severity {
    type Err = Error;

    /// `debug`, `info`, `warn` (or `warning`), `error`.
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "debug" => Ok(Severity::Debug),
            "info" => Ok(Severity::Info),
            "warn" | "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(Error::Invalid(format!("unknown log severity {other:?} (debug, info, warn, error)"))),
        }
    }
}

impl ResourceKind {
    /// `custom`, `component`, `remote_component`, `read` or `root`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Custom => "custom",
            ResourceKind::Component => "component",
            ResourceKind::RemoteComponent => "remote_component",
            ResourceKind::Read => "read",
            ResourceKind::Root => "root",
        }
    }
}

/// A timeout as a program gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeoutValue<'a> {
    /// A number of seconds.
    Seconds(f64),
    /// `"1h30m"`, `"5m"`, `"90s"`, `"250ms"`, or a number of seconds as text (`"90"`).
    Text(&'a str),
}

/// A custom timeout from seconds or text (see [`TimeoutValue`]).
///
/// # Errors
/// A negative, infinite or unreadable value; the message (`"five minutes" is not a duration
/// (...)`) is meant to follow the option's name in the language's spelling.
pub fn timeout(value: TimeoutValue<'_>) -> std::result::Result<Duration, String> {
    let bad = |shown: String| {
        format!("{shown} is not a duration (use a number of seconds, or text such as \"5m\", \"1h30m\", \"90s\")")
    };
    match value {
        TimeoutValue::Seconds(seconds) => Duration::try_from_secs_f64(seconds).map_err(|_| bad(seconds.to_string())),
        TimeoutValue::Text(text) => {
            let shown = || bad(format!("{text:?}"));
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Err(shown());
            }
            if let Ok(seconds) = trimmed.parse::<f64>() {
                return Duration::try_from_secs_f64(seconds).map_err(|_| shown());
            }
            let mut total = 0.0;
            let mut rest = trimmed;
            while !rest.is_empty() {
                let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(shown)?;
                let number: f64 = rest[..digits].parse().map_err(|_| shown())?;
                rest = &rest[digits..];
                let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
                let factor = match &rest[..unit_end] {
                    "ms" => 0.001,
                    "s" => 1.0,
                    "m" => 60.0,
                    "h" => 3600.0,
                    _ => return Err(shown()),
                };
                total += number * factor;
                rest = &rest[unit_end..];
            }
            Duration::try_from_secs_f64(total).map_err(|_| shown())
        }
    }
}

/// The parts of an alias as a binding receives them (a URN, or parts of one; unset parts are the
/// resource's current ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasParts {
    pub urn: Option<String>,
    pub name: Option<String>,
    pub resource_type: Option<String>,
    pub stack: Option<String>,
    pub project: Option<String>,
    /// The former parent's URN.
    pub parent_urn: Option<String>,
    /// Formerly at the top level.
    pub no_parent: bool,
}

impl AliasParts {
    /// The alias.
    ///
    /// # Errors
    /// A URN together with parts, or both a former parent and "no parent".
    pub fn into_alias(self) -> Result<Alias> {
        let AliasParts { urn, name, resource_type, stack, project, parent_urn, no_parent } = self;
        if let Some(urn) = urn {
            if name.is_some() || resource_type.is_some() || stack.is_some() || project.is_some() || parent_urn.is_some() || no_parent {
                return Err(Error::Invalid(format!("an alias is either a URN or parts of one, not both (URN {urn})")));
            }
            return Ok(Alias::Urn(urn));
        }
        let parent = match (parent_urn, no_parent) {
            (Some(urn), true) => {
                return Err(Error::Invalid(format!(
                    "an alias names a former parent ({urn}) or no parent, not both"
                )));
            }
            (Some(urn), false) => AliasParent::Urn(urn),
            (None, true) => AliasParent::NoParent,
            (None, false) => AliasParent::Current,
        };
        Ok(Alias::Spec { name, resource_type, stack, project, parent })
    }
}

/// A file asset as an input: its marker (absolute path, content hash) is computed on the SDK's
/// blocking threads, never on the host language's thread. The path is made absolute at once,
/// against the working folder of this moment.
#[must_use]
pub fn file_asset(path: impl Into<PathBuf>) -> DynInput {
    let asset = FileAsset::new(absolute(path.into()));
    deferred_marker(move || asset.to_value())
}

/// A folder archive as an input (see [`file_asset`]).
#[must_use]
pub fn file_archive(path: impl Into<PathBuf>) -> DynInput {
    let archive = FileArchive::new(absolute(path.into()));
    deferred_marker(move || archive.to_value())
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

fn deferred_marker(marker: impl FnOnce() -> Result<Value> + Send + 'static) -> DynInput {
    let (output, resolver) = Output::<Value>::pending();
    crate::runtime::handle().spawn_blocking(move || match marker() {
        Ok(value) => resolver.resolve(Resolved::known(value)),
        Err(error) => resolver.reject(error),
    });
    DynInput::Output(output)
}

/// How a source file is shown in a source position: relative to the working folder when it is
/// inside it, else as given (`./` and `..` not added).
#[must_use]
pub fn display_path(file: &str) -> String {
    let path = Path::new(file);
    if path.is_absolute() {
        if let Ok(cwd) = std::env::current_dir()
            && let Ok(inside) = path.strip_prefix(&cwd)
            && !inside.as_os_str().is_empty()
        {
            return inside.display().to_string();
        }
        return file.to_owned();
    }
    // Relative already: without `./` parts.
    let cleaned: PathBuf = path.components().filter(|part| !matches!(part, Component::CurDir)).collect();
    if cleaned.as_os_str().is_empty() { file.to_owned() } else { cleaned.display().to_string() }
}

/// A registration's source position, `file:line` (see [`display_path`]); empty without a file.
#[must_use]
pub fn source_position(file: &str, line: u32) -> String {
    if file.is_empty() {
        return String::new();
    }
    format!("{}:{line}", display_path(file))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn severities_and_kinds_by_name() {
        assert_eq!("warn".parse::<Severity>().unwrap(), Severity::Warning);
        assert_eq!("warning".parse::<Severity>().unwrap(), Severity::Warning);
        assert_eq!("debug".parse::<Severity>().unwrap(), Severity::Debug);
        let error = "loud".parse::<Severity>().unwrap_err();
        assert_eq!(error.to_string(), "unknown log severity \"loud\" (debug, info, warn, error)");
        assert_eq!(error.kind(), "invalid");
        assert_eq!(ResourceKind::RemoteComponent.as_str(), "remote_component");
        assert_eq!(ResourceKind::Custom.as_str(), "custom");
    }

    #[test]
    fn timeouts_from_seconds_or_text() {
        let seconds = |text: &str| timeout(TimeoutValue::Text(text)).map(|d| d.as_secs_f64());
        assert_eq!(seconds("1h30m"), Ok(5400.0));
        assert_eq!(seconds("5m"), Ok(300.0));
        assert_eq!(seconds(" 90 "), Ok(90.0));
        assert_eq!(seconds("250ms"), Ok(0.25));
        assert_eq!(seconds("1.5h"), Ok(5400.0));
        assert_eq!(timeout(TimeoutValue::Seconds(60.0)), Ok(Duration::from_secs(60)));
        assert_eq!(
            seconds("five minutes").unwrap_err(),
            r#""five minutes" is not a duration (use a number of seconds, or text such as "5m", "1h30m", "90s")"#
        );
        for bad in ["", "5d", "m5", "1h30", "-5m", "1..5s"] {
            assert!(seconds(bad).is_err(), "{bad:?}");
        }
        assert!(timeout(TimeoutValue::Seconds(-1.0)).unwrap_err().starts_with("-1 is not a duration"));
        assert!(timeout(TimeoutValue::Seconds(f64::NAN)).is_err());
    }

    #[test]
    fn aliases_from_parts() {
        let parts = AliasParts { urn: Some("urn:engine:dev::p::T::a".into()), ..AliasParts::default() };
        assert_eq!(parts.into_alias().unwrap(), Alias::Urn("urn:engine:dev::p::T::a".into()));
        let parts = AliasParts { name: Some("old".into()), no_parent: true, ..AliasParts::default() };
        assert_eq!(
            parts.into_alias().unwrap(),
            Alias::Spec { name: Some("old".into()), resource_type: None, stack: None, project: None, parent: AliasParent::NoParent }
        );
        let parts = AliasParts { parent_urn: Some("urn:p".into()), ..AliasParts::default() };
        assert!(matches!(parts.into_alias().unwrap(), Alias::Spec { parent: AliasParent::Urn(urn), .. } if urn == "urn:p"));
        let both = AliasParts { parent_urn: Some("urn:p".into()), no_parent: true, ..AliasParts::default() };
        assert!(both.into_alias().unwrap_err().to_string().contains("not both"));
        let mixed = AliasParts { urn: Some("urn:x".into()), name: Some("n".into()), ..AliasParts::default() };
        assert!(mixed.into_alias().is_err());
    }

    #[test]
    fn assets_are_hashed_off_thread_with_absolute_paths() {
        let dir = std::env::temp_dir().join(format!("engine-sdk-binding-asset-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app").join("index.js"), "exports.handler = 1;").unwrap();
        let file = crate::runtime::block_on(file_asset(dir.join("app").join("index.js")).into_output().resolve()).unwrap();
        let expected = FileAsset::new(dir.join("app").join("index.js")).to_value().unwrap();
        assert_eq!(file.value, Some(expected));
        let folder = crate::runtime::block_on(file_archive(dir.join("app")).into_output().resolve()).unwrap();
        assert_eq!(folder.value.as_ref().and_then(|v| v.get("kind")), Some(&json!("archive")));
        let missing = crate::runtime::block_on(file_asset(dir.join("missing.txt")).into_output().resolve());
        assert!(missing.unwrap_err().to_string().contains("missing.txt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn source_positions_are_relative_to_the_working_folder_when_inside_it() {
        let cwd = std::env::current_dir().unwrap();
        let inside = cwd.join("src").join("main.ts");
        assert_eq!(source_position(inside.to_str().unwrap(), 12), format!("src{}main.ts:12", std::path::MAIN_SEPARATOR));
        assert_eq!(source_position("/elsewhere/main.py", 3), "/elsewhere/main.py:3");
        assert_eq!(source_position("./main.py", 4), "main.py:4");
        assert_eq!(source_position("main.py", 4), "main.py:4");
        assert_eq!(source_position("", 4), "");
    }
}
