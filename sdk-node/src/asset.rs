//! File assets and folder archives: the native handle behind the TypeScript `FileAsset` and
//! `FileArchive`. The core computes their marker (absolute path, content hash) when they are
//! used as a property value (see `convert.rs`).

use napi_derive::napi;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    File,
    Archive,
}

/// A file or folder to upload.
#[napi]
pub struct BindingAsset {
    pub(crate) kind: AssetKind,
    pub(crate) path: String,
}

#[napi]
impl BindingAsset {
    /// One file.
    #[napi(factory)]
    pub fn file(path: String) -> Self {
        BindingAsset { kind: AssetKind::File, path }
    }

    /// A folder, uploaded as one archive.
    #[napi(factory)]
    pub fn archive(path: String) -> Self {
        BindingAsset { kind: AssetKind::Archive, path }
    }

    #[napi(getter)]
    pub fn path(&self) -> String {
        self.path.clone()
    }

    #[napi(getter)]
    pub fn kind(&self) -> &'static str {
        match self.kind {
            AssetKind::File => "file",
            AssetKind::Archive => "archive",
        }
    }
}
