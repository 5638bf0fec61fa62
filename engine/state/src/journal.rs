//! Journal records, their checksummed line format, and folding them into a state.
//!
//! A journal line is `CCCCCCCC {"v":1,"seq":N,"e":{...}}\n` where `CCCCCCCC` is the CRC-32 of
//! the JSON text in lowercase hex. Reading stops at the first damaged line; if no valid line
//! follows it, the rest is a torn tail (a crash during a write) and is ignored, else the journal
//! is corrupt and refused.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, StateError};
use crate::model::{OpKind, PendingOperation, ResourceState, State};

/// The journal record version this engine writes and reads.
pub const JOURNAL_VERSION: u64 = 1;

/// One journal entry (stored form: secrets encrypted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub(crate) enum Entry {
    /// An operation is about to be sent.
    Begin { operation: Box<PendingOperation> },
    /// The cloud accepted it: its request token.
    Sent { op: u64, request_token: String },
    /// It finished; `resource` is the record to store (create/update; `None`: the desired one).
    Done {
        op: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resource: Option<Box<ResourceState>>,
    },
    /// It failed; a resource it left behind (partial create) is stored if given.
    Failed {
        op: u64,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resource: Option<Box<ResourceState>>,
    },
    /// It was resolved without effect (never created, or forgotten on purpose).
    Abandoned { op: u64, reason: String },
    /// Store a record with no cloud operation (components, same steps, refresh, import, read).
    Put { resource: Box<ResourceState> },
    /// Forget a record (retainOnDelete, state delete, a refresh that found it gone).
    Remove {
        urn: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        id: String,
    },
    /// Replace the stack outputs.
    Outputs { outputs: Map<String, Value> },
}

/// Frame one record as a journal line.
pub(crate) fn encode_line(seq: u64, entry_json: &[u8], out: &mut Vec<u8>) {
    let mut json = Vec::with_capacity(entry_json.len() + 40);
    json.extend_from_slice(format!("{{\"v\":{JOURNAL_VERSION},\"seq\":{seq},\"e\":").as_bytes());
    json.extend_from_slice(entry_json);
    json.push(b'}');
    let crc = crc32fast::hash(&json);
    out.extend_from_slice(format!("{crc:08x} ").as_bytes());
    out.extend_from_slice(&json);
    out.push(b'\n');
}

#[derive(Deserialize)]
struct RawRecord {
    v: u64,
    seq: u64,
    e: Value,
}

/// A journal read back.
#[derive(Debug, Default)]
pub(crate) struct ParsedJournal {
    pub records: Vec<(u64, Entry)>,
    /// Bytes up to the end of the last valid record.
    pub valid_len: u64,
    /// Bytes after it (a torn tail), ignored.
    pub torn_bytes: u64,
}

/// Check one line (without its newline): `Some(record)` if intact.
fn check_line(line: &[u8]) -> Option<RawRecord> {
    if line.len() < 10 || line[8] != b' ' {
        return None;
    }
    let crc = u32::from_str_radix(std::str::from_utf8(&line[..8]).ok()?, 16).ok()?;
    let json = &line[9..];
    if crc32fast::hash(json) != crc {
        return None;
    }
    serde_json::from_slice(json).ok()
}

pub(crate) fn parse_journal(data: &[u8], location: &str) -> Result<ParsedJournal> {
    let mut parsed = ParsedJournal::default();
    let mut position = 0usize;
    let mut line_number = 0usize;
    let mut first_bad: Option<(usize, usize)> = None;
    let mut last_seq = 0u64;
    while position < data.len() {
        line_number += 1;
        let Some(newline) = data[position..].iter().position(|b| *b == b'\n') else {
            // No newline: an unfinished write.
            first_bad.get_or_insert((position, line_number));
            break;
        };
        let line = &data[position..position + newline];
        let start = position;
        position += newline + 1;
        match check_line(line) {
            None => {
                first_bad.get_or_insert((start, line_number));
            }
            Some(record) => {
                if let Some((bad_at, bad_line)) = first_bad {
                    return Err(StateError::corrupt(
                        location,
                        format!("line {bad_line} (byte {bad_at}) is damaged, but intact records follow it"),
                    ));
                }
                if record.v > JOURNAL_VERSION {
                    return Err(StateError::NewerVersion {
                        location: location.to_owned(),
                        found: record.v,
                        supported: JOURNAL_VERSION,
                    });
                }
                if record.seq <= last_seq {
                    return Err(StateError::corrupt(
                        location,
                        format!("line {line_number}: sequence {} after {last_seq}", record.seq),
                    ));
                }
                last_seq = record.seq;
                let entry: Entry = serde_json::from_value(record.e).map_err(|e| {
                    StateError::corrupt(location, format!("line {line_number}: not a journal entry ({e})"))
                })?;
                parsed.records.push((record.seq, entry));
                parsed.valid_len = position as u64;
            }
        }
    }
    parsed.torn_bytes = data.len() as u64 - parsed.valid_len;
    Ok(parsed)
}

/// State being folded from a snapshot and journal records (stored form).
#[derive(Debug, Default, Clone)]
pub(crate) struct Folded {
    resources: BTreeMap<u64, ResourceState>,
    by_urn: HashMap<String, Vec<u64>>,
    next_order: u64,
    pub outputs: Map<String, Value>,
    pub in_flight: BTreeMap<u64, PendingOperation>,
    pub last_seq: u64,
    pub next_op: u64,
}

impl Folded {
    pub fn new(resources: Vec<ResourceState>, outputs: Map<String, Value>, pending: Vec<PendingOperation>) -> Self {
        let mut folded = Self { outputs, next_op: 1, ..Self::default() };
        for resource in resources {
            folded.insert(resource);
        }
        for operation in pending {
            folded.next_op = folded.next_op.max(operation.op + 1);
            folded.in_flight.insert(operation.op, operation);
        }
        folded
    }

    /// [`Folded::to_state`] without copying (when the fold is not needed afterwards).
    pub fn into_state(self) -> (State, Vec<PendingOperation>) {
        (
            State { resources: self.resources.into_values().collect(), outputs: self.outputs },
            self.in_flight.into_values().collect(),
        )
    }

    pub fn to_state(&self) -> (State, Vec<PendingOperation>) {
        (
            State { resources: self.resources.values().cloned().collect(), outputs: self.outputs.clone() },
            self.in_flight.values().cloned().collect(),
        )
    }

    fn insert(&mut self, resource: ResourceState) {
        let order = self.next_order;
        self.next_order += 1;
        self.by_urn.entry(resource.urn.clone()).or_default().push(order);
        self.resources.insert(order, resource);
    }

    fn find(&self, urn: &str, predicate: impl Fn(&ResourceState) -> bool) -> Option<u64> {
        self.by_urn.get(urn)?.iter().copied().find(|order| self.resources.get(order).is_some_and(&predicate))
    }

    /// Store a record: replaces the live record of its URN (or, for a pending delete, the one
    /// with the same identifier), else appends.
    fn upsert(&mut self, resource: ResourceState) {
        let existing = if resource.pending_delete {
            self.find(&resource.urn, |r| r.pending_delete && r.id == resource.id)
        } else {
            self.find(&resource.urn, |r| !r.pending_delete)
        };
        match existing {
            Some(order) => {
                self.resources.insert(order, resource);
            }
            None => self.insert(resource),
        }
    }

    fn remove(&mut self, urn: &str, id: &str) {
        let target = self
            .find(urn, |r| r.pending_delete && r.id == id)
            .or_else(|| self.find(urn, |r| !r.pending_delete && r.id == id))
            .or_else(|| if id.is_empty() { self.find(urn, |r| !r.pending_delete) } else { None });
        if let Some(order) = target {
            self.resources.remove(&order);
            if let Some(orders) = self.by_urn.get_mut(urn) {
                orders.retain(|o| *o != order);
                if orders.is_empty() {
                    self.by_urn.remove(urn);
                }
            }
        }
    }

    fn mark_pending_delete(&mut self, urn: &str) {
        if let Some(order) = self.find(urn, |r| !r.pending_delete)
            && let Some(record) = self.resources.get_mut(&order)
        {
            record.pending_delete = true;
        }
    }

    /// Whether `entry` can be applied (its operation is in flight), without applying it.
    pub fn check(&self, entry: &Entry) -> std::result::Result<(), u64> {
        match entry {
            Entry::Sent { op, .. } | Entry::Done { op, .. } | Entry::Failed { op, .. } | Entry::Abandoned { op, .. }
                if !self.in_flight.contains_key(op) =>
            {
                Err(*op)
            }
            _ => Ok(()),
        }
    }

    /// Apply one entry. Errors name the operation that is not in flight.
    pub fn apply(&mut self, seq: u64, entry: Entry) -> std::result::Result<(), u64> {
        self.check(&entry)?;
        self.last_seq = self.last_seq.max(seq);
        match entry {
            Entry::Begin { operation } => {
                self.next_op = self.next_op.max(operation.op + 1);
                self.in_flight.insert(operation.op, *operation);
            }
            Entry::Sent { op, request_token } => {
                if let Some(operation) = self.in_flight.get_mut(&op) {
                    operation.request_token = Some(request_token);
                }
            }
            Entry::Done { op, resource } => {
                let Some(operation) = self.in_flight.remove(&op) else { return Err(op) };
                let record = resource.map(|r| *r).or(operation.desired);
                match operation.kind {
                    OpKind::Create | OpKind::Update => {
                        if let Some(record) = record {
                            self.upsert(record);
                        }
                    }
                    OpKind::CreateReplacement => {
                        self.mark_pending_delete(&operation.urn);
                        if let Some(record) = record {
                            self.upsert(record);
                        }
                    }
                    OpKind::Delete => self.remove(&operation.urn, &operation.id),
                }
            }
            Entry::Failed { op, resource, .. } => {
                let Some(operation) = self.in_flight.remove(&op) else { return Err(op) };
                if let Some(record) = resource {
                    if operation.kind == OpKind::CreateReplacement {
                        self.mark_pending_delete(&operation.urn);
                    }
                    self.upsert(*record);
                }
            }
            Entry::Abandoned { op, .. } => {
                self.in_flight.remove(&op);
            }
            Entry::Put { resource } => self.upsert(*resource),
            Entry::Remove { urn, id } => self.remove(&urn, &id),
            Entry::Outputs { outputs } => self.outputs = outputs,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, entry: &Entry) -> Vec<u8> {
        let mut out = Vec::new();
        encode_line(seq, &serde_json::to_vec(entry).unwrap(), &mut out);
        out
    }

    fn put(urn: &str) -> Entry {
        Entry::Put {
            resource: Box::new(ResourceState { urn: urn.to_owned(), type_name: "T".to_owned(), ..ResourceState::default() }),
        }
    }

    #[test]
    fn lines_round_trip_and_a_torn_tail_is_ignored() {
        let mut data = line(1, &put("a"));
        data.extend(line(2, &put("b")));
        let intact = data.len();
        let third = line(3, &put("c"));
        for cut in 1..third.len() {
            let mut torn = data.clone();
            torn.extend_from_slice(&third[..cut]);
            let parsed = parse_journal(&torn, "j").unwrap();
            assert_eq!(parsed.records.len(), 2, "cut at {cut}");
            assert_eq!(parsed.valid_len as usize, intact);
            assert_eq!(parsed.torn_bytes as usize, cut);
        }
        // Zeros after a power loss are a torn tail too.
        let mut zeros = data.clone();
        zeros.extend_from_slice(&[0u8; 512]);
        assert_eq!(parse_journal(&zeros, "j").unwrap().records.len(), 2);
    }

    #[test]
    fn damage_before_intact_records_is_corruption() {
        let mut data = line(1, &put("a"));
        let second_start = data.len();
        data.extend(line(2, &put("b")));
        data.extend(line(3, &put("c")));
        data[second_start + 20] ^= 0x01;
        let error = parse_journal(&data, "journal.log").unwrap_err();
        assert!(matches!(error, StateError::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn newer_record_versions_and_bad_sequences_are_refused() {
        let json = br#"{"v":2,"seq":1,"e":{"t":"outputs","outputs":{}}}"#;
        let mut data = format!("{:08x} ", crc32fast::hash(json)).into_bytes();
        data.extend_from_slice(json);
        data.push(b'\n');
        assert!(matches!(parse_journal(&data, "j").unwrap_err(), StateError::NewerVersion { found: 2, .. }));
        let mut data = line(2, &put("a"));
        data.extend(line(2, &put("b")));
        assert!(matches!(parse_journal(&data, "j").unwrap_err(), StateError::Corrupt { .. }));
    }
}
