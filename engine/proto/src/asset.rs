//! Content hashes of assets (`{"__engine":"asset", "kind", "path", "hash"}` in `value.rs`).
//!
//! The SDK core computes them when a program passes a file or a folder; the engine computes the
//! same function to tell whether an asset changed, without building or uploading anything. The
//! hash depends only on content, never on timestamps, owners or the order a directory lists in:
//!
//! - `file`: `sha256:` + hex SHA-256 of the file's bytes.
//! - `archive` (a folder): SHA-256 over every regular file below the folder (symbolic links
//!   followed), in byte order of their `/`-separated relative paths, each fed as the path's
//!   UTF-8 bytes, a `0` byte, `1` or `0` for "executable by its owner" (always `0` off Unix),
//!   the content length as 8 little-endian bytes, then the content. Empty folders do not count.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The hash of one file.
///
/// # Errors
/// When the file cannot be read.
pub fn file_hash(path: &Path) -> io::Result<String> {
    let mut hasher = Sha256::new();
    feed_file(&mut hasher, path)?;
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// The hash of a folder (see the module documentation).
///
/// # Errors
/// When the folder or a file in it cannot be read, or a path is not UTF-8.
pub fn archive_hash(path: &Path) -> io::Result<String> {
    if !std::fs::metadata(path)?.is_dir() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a folder", path.display())));
    }
    let mut files = Vec::new();
    collect(path, PathBuf::new(), &mut files)?;
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    for (relative, absolute) in files {
        let metadata = std::fs::metadata(&absolute)?;
        hasher.update(relative.as_bytes());
        hasher.update([0, u8::from(executable(&metadata))]);
        hasher.update(metadata.len().to_le_bytes());
        feed_file(&mut hasher, &absolute)?;
    }
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

fn collect(root: &Path, relative: PathBuf, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    for entry in std::fs::read_dir(root.join(&relative))? {
        let entry = entry?;
        let child = relative.join(entry.file_name());
        let metadata = std::fs::metadata(entry.path())?;
        if metadata.is_dir() {
            collect(root, child, out)?;
        } else if metadata.is_file() {
            let text = child
                .to_str()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("{} is not UTF-8", child.display())))?
                .replace('\\', "/");
            out.push((text, entry.path()));
        }
    }
    Ok(())
}

fn feed_file(hasher: &mut Sha256, path: &Path) -> io::Result<()> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        hasher.update(&buffer[..read]);
    }
}

#[cfg(unix)]
fn executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("engine-proto-asset-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn hashes_depend_on_content_only() {
        let one = scratch("one");
        std::fs::create_dir_all(one.join("lib")).unwrap();
        std::fs::write(one.join("app.py"), "print(1)\n").unwrap();
        std::fs::write(one.join("lib/util.py"), "x = 1\n").unwrap();
        let two = scratch("two");
        std::fs::create_dir_all(two.join("lib")).unwrap();
        // Written in the other order, with an empty folder more.
        std::fs::write(two.join("lib/util.py"), "x = 1\n").unwrap();
        std::fs::write(two.join("app.py"), "print(1)\n").unwrap();
        std::fs::create_dir_all(two.join("empty")).unwrap();
        let hash = archive_hash(&one).unwrap();
        assert!(hash.starts_with("sha256:") && hash.len() == 7 + 64);
        assert_eq!(hash, archive_hash(&two).unwrap());
        std::fs::write(two.join("lib/util.py"), "x = 2\n").unwrap();
        assert_ne!(hash, archive_hash(&two).unwrap());
        // A renamed file changes the hash too.
        std::fs::write(two.join("lib/util.py"), "x = 1\n").unwrap();
        std::fs::rename(two.join("app.py"), two.join("main.py")).unwrap();
        assert_ne!(hash, archive_hash(&two).unwrap());

        assert_eq!(
            file_hash(&one.join("app.py")).unwrap(),
            // sha256("print(1)\n")
            format!("sha256:{}", hex::encode(Sha256::digest(b"print(1)\n")))
        );
        assert!(archive_hash(&one.join("app.py")).is_err());
        assert!(file_hash(&one.join("missing")).is_err());
        std::fs::remove_dir_all(one).unwrap();
        std::fs::remove_dir_all(two).unwrap();
    }
}
