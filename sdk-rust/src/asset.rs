//! Assets: a local file or folder the engine uploads and passes to the cloud as a bucket and key
//! (a Lambda function's code, for instance).
//!
//! They serialize to the asset marker of `proto/README.md`, with an absolute path (relative
//! paths are resolved against the program's working folder) and the content hash
//! `engine_proto::asset` defines, so the engine sees a change without uploading anything.

use std::path::{Path, PathBuf};

use engine_proto::value as wire;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::input::DynInput;
use crate::output::Output;
use crate::{Error, Result};

/// One file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAsset {
    path: PathBuf,
}

/// A folder, uploaded as one archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileArchive {
    path: PathBuf,
}

fn marker(kind: &str, path: &Path) -> Result<Value> {
    let absolute = std::path::absolute(path)
        .map_err(|error| Error::Invalid(format!("{kind} {}: {error}", path.display())))?;
    let hash = match kind {
        "file" => engine_proto::asset::file_hash(&absolute),
        _ => engine_proto::asset::archive_hash(&absolute),
    }
    .map_err(|error| Error::Invalid(format!("{kind} {}: {error}", absolute.display())))?;
    let text = absolute
        .to_str()
        .ok_or_else(|| Error::Invalid(format!("{kind} {}: the path is not UTF-8", absolute.display())))?;
    Ok(wire::asset(kind, text, &hash))
}

impl FileAsset {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileAsset { path: path.into() }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The asset marker (reads the file to hash it).
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn to_value(&self) -> Result<Value> {
        marker("file", &self.path)
    }
}

impl FileArchive {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileArchive { path: path.into() }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The asset marker (reads the folder to hash it).
    ///
    /// # Errors
    /// When the folder cannot be read.
    pub fn to_value(&self) -> Result<Value> {
        marker("archive", &self.path)
    }
}

impl Serialize for FileAsset {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().map_err(<S::Error as serde::ser::Error>::custom)?.serialize(serializer)
    }
}

impl Serialize for FileArchive {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().map_err(<S::Error as serde::ser::Error>::custom)?.serialize(serializer)
    }
}

/// The path of an asset given as its marker (a component plugin receives assets this way) or as
/// a plain path.
fn path_from_value(kind: &str, value: Value) -> std::result::Result<PathBuf, String> {
    match value {
        Value::String(path) => Ok(PathBuf::from(path)),
        other => match wire::classify(&other) {
            Some(wire::Special::Asset(asset)) if asset.kind == kind => Ok(PathBuf::from(asset.path)),
            Some(wire::Special::Asset(asset)) => {
                Err(format!("expected a {}, got a {}", describe(kind), describe(asset.kind)))
            }
            _ => Err(format!("expected a {} (a path or an asset), got {other}", describe(kind))),
        },
    }
}

fn describe(kind: &str) -> &'static str {
    if kind == "file" { "file asset" } else { "folder archive" }
}

impl<'de> Deserialize<'de> for FileAsset {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        path_from_value("file", value).map(FileAsset::new).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for FileArchive {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        path_from_value("archive", value).map(FileArchive::new).map_err(D::Error::custom)
    }
}

impl From<FileAsset> for DynInput {
    fn from(asset: FileAsset) -> Self {
        match asset.to_value() {
            Ok(value) => DynInput::Value(value),
            Err(error) => DynInput::Output(Output::error(error)),
        }
    }
}

impl From<FileArchive> for DynInput {
    fn from(archive: FileArchive) -> Self {
        match archive.to_value() {
            Ok(value) => DynInput::Value(value),
            Err(error) => DynInput::Output(Output::error(error)),
        }
    }
}
