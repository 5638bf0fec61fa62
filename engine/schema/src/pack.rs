//! The on-disk format of the vendored schemas (`data/schemas.pack`).
//!
//! ```text
//! "ENGSCHM1"                 8-byte magic
//! u32 little-endian          length of the compressed index
//! deflate(index JSON)        see [`Index`]
//! deflate(schema) ...        one stream per resource type, minified JSON, at the offsets the index gives
//! ```
//!
//! The index is small (one row per type, with a region bitmask), so opening the pack costs a few
//! milliseconds; a schema is inflated and parsed only when it is first asked for.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};

use crate::SchemaError;

pub(crate) const MAGIC: &[u8; 8] = b"ENGSCHM1";

/// The index at the head of a pack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    /// Format version of this index (currently 1).
    pub format: u32,
    /// Where the schemas came from, e.g. `cfn-lint 1.58.0`.
    pub source: String,
    /// `schema_date` from cfn-lint's `version.json`.
    pub schema_date: String,
    /// Region names; bit `i` of a type's mask means the type exists in `regions[i]`.
    pub regions: Vec<String>,
    /// One row per type, sorted by type name.
    pub types: Vec<TypeRow>,
}

/// A type's row in the index: `[name, offset, length, region mask]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeRow(pub String, pub u64, pub u64, pub u64);

/// A schema ready to be packed.
pub struct PackInput {
    pub type_name: String,
    /// The schema document, minified.
    pub json: Vec<u8>,
    /// Indexes into the region list.
    pub regions: Vec<usize>,
}

/// Write a pack. `types` need not be sorted.
pub fn write_pack(
    source: &str,
    schema_date: &str,
    regions: &[String],
    mut types: Vec<PackInput>,
) -> Result<Vec<u8>, SchemaError> {
    if regions.len() > 64 {
        return Err(SchemaError::Corrupt(format!(
            "{} regions do not fit the 64-bit region mask",
            regions.len()
        )));
    }
    types.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    let mut blobs = Vec::new();
    let mut rows = Vec::with_capacity(types.len());
    for input in &types {
        let compressed = deflate(&input.json)?;
        let mask = input.regions.iter().fold(0u64, |mask, &region| mask | (1u64 << region));
        rows.push(TypeRow(
            input.type_name.clone(),
            blobs.len() as u64,
            compressed.len() as u64,
            mask,
        ));
        blobs.extend_from_slice(&compressed);
    }
    let index = Index {
        format: 1,
        source: source.to_owned(),
        schema_date: schema_date.to_owned(),
        regions: regions.to_vec(),
        types: rows,
    };
    let index_json = serde_json::to_vec(&index).map_err(|e| SchemaError::Corrupt(e.to_string()))?;
    let index_bytes = deflate(&index_json)?;
    let mut out = Vec::with_capacity(12 + index_bytes.len() + blobs.len());
    out.extend_from_slice(MAGIC);
    let index_len = u32::try_from(index_bytes.len())
        .map_err(|_| SchemaError::Corrupt("index larger than 4 GiB".into()))?;
    out.extend_from_slice(&index_len.to_le_bytes());
    out.extend_from_slice(&index_bytes);
    out.extend_from_slice(&blobs);
    Ok(out)
}

/// Read the index of a pack; returns it with the byte offset where blobs start.
pub fn read_index(pack: &[u8]) -> Result<(Index, usize), SchemaError> {
    if pack.len() < 12 || &pack[..8] != MAGIC {
        return Err(SchemaError::Corrupt("not a schema pack (bad magic)".into()));
    }
    let index_len = u32::from_le_bytes([pack[8], pack[9], pack[10], pack[11]]) as usize;
    let end = 12usize
        .checked_add(index_len)
        .filter(|&end| end <= pack.len())
        .ok_or_else(|| SchemaError::Corrupt("truncated schema pack index".into()))?;
    let index_json = inflate(&pack[12..end])?;
    let index: Index =
        serde_json::from_slice(&index_json).map_err(|e| SchemaError::Corrupt(e.to_string()))?;
    if index.format != 1 {
        return Err(SchemaError::Corrupt(format!("unsupported schema pack format {}", index.format)));
    }
    Ok((index, end))
}

/// Inflate one schema blob.
pub fn read_blob(pack: &[u8], blobs_start: usize, row: &TypeRow) -> Result<Vec<u8>, SchemaError> {
    let start = usize::try_from(row.1).ok().and_then(|o| blobs_start.checked_add(o));
    let end = start.and_then(|s| usize::try_from(row.2).ok().and_then(|l| s.checked_add(l)));
    match (start, end) {
        (Some(start), Some(end)) if end <= pack.len() => inflate(&pack[start..end]),
        _ => Err(SchemaError::Corrupt(format!("schema of {} lies outside the pack", row.0))),
    }
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, SchemaError> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).map_err(|e| SchemaError::Corrupt(e.to_string()))?;
    encoder.finish().map_err(|e| SchemaError::Corrupt(e.to_string()))
}

fn inflate(bytes: &[u8]) -> Result<Vec<u8>, SchemaError> {
    let mut out = Vec::with_capacity(bytes.len() * 6);
    DeflateDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| SchemaError::Corrupt(format!("corrupt schema pack: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let regions = vec!["us-east-1".to_owned(), "eu-west-1".to_owned()];
        let pack = write_pack(
            "test",
            "2026-01-01",
            &regions,
            vec![
                PackInput { type_name: "B::B::B".into(), json: br#"{"b":1}"#.to_vec(), regions: vec![1] },
                PackInput { type_name: "A::A::A".into(), json: br#"{"a":1}"#.to_vec(), regions: vec![0, 1] },
            ],
        )
        .unwrap();
        let (index, start) = read_index(&pack).unwrap();
        assert_eq!(index.types[0].0, "A::A::A");
        assert_eq!(index.types[0].3, 0b11);
        assert_eq!(index.types[1].3, 0b10);
        assert_eq!(read_blob(&pack, start, &index.types[1]).unwrap(), br#"{"b":1}"#);
    }

    #[test]
    fn rejects_garbage() {
        assert!(read_index(b"nope").is_err());
        let mut pack = write_pack("t", "d", &[], vec![]).unwrap();
        pack.truncate(14);
        assert!(read_index(&pack).is_err());
    }
}
