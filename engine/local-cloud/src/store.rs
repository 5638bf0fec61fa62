//! Persistence: a snapshot plus an append-only journal, in the data directory.
//!
//! ```text
//! DIR/LOCK                   held (OS file lock) while a server has DIR open
//! DIR/snapshot.json          the whole state at generation G (written to a temporary file, then renamed)
//! DIR/journal-G.log          records since that snapshot, one a line: `<crc32 hex> <json>`
//! DIR/objects/<sha256>       S3 object bodies (written to a temporary file, then renamed)
//! ```
//!
//! Every mutation appends one record (no full rewrite); after `compact_after` records (and at
//! shutdown) the state is written as snapshot G+1 and the journal restarts. A torn last line (a
//! crash mid-write) fails its checksum and is dropped on the next open; a crash between the
//! snapshot rename and the new journal leaves a consistent pair either way.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{ObjectMeta, Request, ResKey, Resource};

/// A client token's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientTokenRecord {
    pub request_token: String,
    pub fingerprint: String,
    pub created_ms: u64,
}

/// One journal record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Record {
    PutResource { key: ResKey, resource: Resource },
    DeleteResource { key: ResKey },
    PutRequest { request: Request },
    DeleteRequest { token: String },
    PutClientToken { id: String, record: ClientTokenRecord },
    DeleteClientToken { id: String },
    PutObject { bucket: String, key: String, meta: ObjectMeta },
    DeleteObject { bucket: String, key: String },
}

/// Everything persisted.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Data {
    #[serde(default)]
    pub generation: u64,
    #[serde(with = "pairs")]
    pub resources: BTreeMap<ResKey, Resource>,
    pub requests: BTreeMap<String, Request>,
    pub client_tokens: BTreeMap<String, ClientTokenRecord>,
    pub objects: BTreeMap<String, BTreeMap<String, ObjectMeta>>,
}

impl Data {
    pub fn apply(&mut self, record: Record) {
        match record {
            Record::PutResource { key, resource } => {
                self.resources.insert(key, resource);
            }
            Record::DeleteResource { key } => {
                self.resources.remove(&key);
            }
            Record::PutRequest { request } => {
                self.requests.insert(request.token.clone(), request);
            }
            Record::DeleteRequest { token } => {
                self.requests.remove(&token);
            }
            Record::PutClientToken { id, record } => {
                self.client_tokens.insert(id, record);
            }
            Record::DeleteClientToken { id } => {
                self.client_tokens.remove(&id);
            }
            Record::PutObject { bucket, key, meta } => {
                self.objects.entry(bucket).or_default().insert(key, meta);
            }
            Record::DeleteObject { bucket, key } => {
                if let Some(objects) = self.objects.get_mut(&bucket) {
                    objects.remove(&key);
                    if objects.is_empty() {
                        self.objects.remove(&bucket);
                    }
                }
            }
        }
    }
}

/// A map with structured keys, stored as a list of pairs (JSON keys must be strings).
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(map: &BTreeMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// An open data directory (holds the lock).
pub struct Store {
    dir: PathBuf,
    journal: BufWriter<File>,
    records: usize,
    generation: u64,
    _lock: File,
}

fn journal_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("journal-{generation}.log"))
}

pub fn objects_dir(dir: &Path) -> PathBuf {
    dir.join("objects")
}

fn lock(dir: &Path) -> Result<File, Error> {
    let path = dir.join("LOCK");
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Locked { dir: dir.to_owned(), lock: path }),
        Err(fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// Read the snapshot and journal. With `repair`, a torn journal tail is cut off.
pub fn load(dir: &Path, repair: bool) -> Result<Data, Error> {
    let snapshot = dir.join("snapshot.json");
    let mut data = match fs::read(&snapshot) {
        Ok(bytes) => serde_json::from_slice::<Data>(&bytes)
            .map_err(|e| Error::Corrupt { path: snapshot.clone(), message: e.to_string() })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Data::default(),
        Err(e) => return Err(Error::io(&snapshot, e)),
    };
    let path = journal_path(dir, data.generation);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(data),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut good = 0u64;
    loop {
        line.clear();
        let read = match reader.read_line(&mut line) {
            Ok(n) => n,
            Err(_) => break,
        };
        if read == 0 || !line.ends_with('\n') {
            break;
        }
        let Some(record) = decode_line(line.trim_end_matches('\n')) else { break };
        data.apply(record);
        good += read as u64;
    }
    if repair {
        let file = OpenOptions::new().write(true).open(&path).map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if len > good {
            file.set_len(good).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(data)
}

fn decode_line(line: &str) -> Option<Record> {
    let (crc, json) = line.split_once(' ')?;
    let expected = u32::from_str_radix(crc, 16).ok()?;
    if crc32fast::hash(json.as_bytes()) != expected {
        return None;
    }
    serde_json::from_str(json).ok()
}

fn encode_line(record: &Record) -> String {
    // Serialising these plain data types cannot fail.
    let json = serde_json::to_string(record).unwrap_or_default();
    format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes()))
}

impl Store {
    /// Open (creating if needed) and lock a data directory, returning the persisted state.
    pub fn open(dir: &Path) -> Result<(Self, Data), Error> {
        fs::create_dir_all(objects_dir(dir)).map_err(|e| Error::io(dir, e))?;
        let lock = lock(dir)?;
        let data = load(dir, true)?;
        // Leftovers of an interrupted compaction.
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let stale_journal = name.starts_with("journal-")
                    && name != format!("journal-{}.log", data.generation);
                if stale_journal || name.ends_with(".tmp") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        let path = journal_path(dir, data.generation);
        let file = OpenOptions::new().create(true).append(true).open(&path).map_err(|e| Error::io(&path, e))?;
        let store = Self { dir: dir.to_owned(), journal: BufWriter::new(file), records: 0, generation: data.generation, _lock: lock };
        Ok((store, data))
    }

    /// Append records (one write for all of them).
    pub fn append(&mut self, records: &[Record]) -> Result<(), Error> {
        for record in records {
            self.journal.write_all(encode_line(record).as_bytes()).map_err(|e| Error::io(&self.dir, e))?;
        }
        self.journal.flush().map_err(|e| Error::io(&self.dir, e))?;
        self.records += records.len();
        Ok(())
    }

    pub fn records_since_snapshot(&self) -> usize {
        self.records
    }

    /// Write `data` as the next snapshot and start a new journal.
    pub fn compact(&mut self, data: &mut Data) -> Result<(), Error> {
        self.journal.flush().map_err(|e| Error::io(&self.dir, e))?;
        let next = self.generation + 1;
        data.generation = next;
        let tmp = self.dir.join("snapshot.json.tmp");
        let target = self.dir.join("snapshot.json");
        {
            let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let mut writer = BufWriter::new(file);
            serde_json::to_writer(&mut writer, &*data).map_err(|e| Error::Corrupt { path: tmp.clone(), message: e.to_string() })?;
            let file = writer.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        }
        let new_journal = journal_path(&self.dir, next);
        let file = OpenOptions::new().create(true).write(true).truncate(true).open(&new_journal).map_err(|e| Error::io(&new_journal, e))?;
        fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))?;
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        let old = journal_path(&self.dir, self.generation);
        self.journal = BufWriter::new(file);
        let _ = fs::remove_file(old);
        self.generation = next;
        self.records = 0;
        Ok(())
    }

    /// Flush and sync the journal.
    pub fn sync(&mut self) -> Result<(), Error> {
        self.journal.flush().map_err(|e| Error::io(&self.dir, e))?;
        self.journal.get_ref().sync_data().map_err(|e| Error::io(&self.dir, e))
    }

    /// Write an object body atomically; returns its file name.
    pub fn write_object(&self, bucket: &str, key: &str, body: &[u8]) -> Result<String, Error> {
        use sha2::Digest;
        let name = hex::encode(sha2::Sha256::digest(format!("{bucket}/{key}").as_bytes()));
        let dir = objects_dir(&self.dir);
        let tmp = dir.join(format!("{name}.tmp"));
        let target = dir.join(&name);
        {
            let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            file.write_all(body).map_err(|e| Error::io(&tmp, e))?;
        }
        fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))?;
        Ok(name)
    }

    pub fn read_object(&self, file: &str) -> Result<Vec<u8>, Error> {
        let path = objects_dir(&self.dir).join(file);
        fs::read(&path).map_err(|e| Error::io(&path, e))
    }

    pub fn remove_object(&self, file: &str) {
        let _ = fs::remove_file(objects_dir(&self.dir).join(file));
    }
}

/// Empty a data directory (fails if a server holds it).
pub fn reset(dir: &Path) -> Result<(), Error> {
    if !dir.exists() {
        return Ok(());
    }
    let _lock = lock(dir)?;
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "LOCK" {
            continue;
        }
        let path = entry.path();
        let result = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
        result.map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resource;

    fn key(id: &str) -> ResKey {
        ResKey { scope: "us-east-1".into(), type_name: "AWS::S3::Bucket".into(), identifier: id.into() }
    }

    fn put(id: &str) -> Record {
        Record::PutResource { key: key(id), resource: Resource { model: serde_json::json!({"BucketName": id}), minted: vec![], created_ms: 1 } }
    }

    #[test]
    fn journal_snapshot_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut store, data) = Store::open(dir.path()).unwrap();
            assert!(data.resources.is_empty());
            store.append(&[put("a"), put("b")]).unwrap();
            store.append(&[Record::DeleteResource { key: key("a") }]).unwrap();
        }
        // Simulate a crash mid-write: half a record at the end.
        let journal = journal_path(dir.path(), 0);
        let mut file = OpenOptions::new().append(true).open(&journal).unwrap();
        file.write_all(b"deadbeef {\"t\":\"PutRes").unwrap();
        drop(file);
        let (mut store, mut data) = Store::open(dir.path()).unwrap();
        assert_eq!(data.resources.keys().map(|k| k.identifier.as_str()).collect::<Vec<_>>(), vec!["b"]);
        store.append(&[put("c")]).unwrap();
        data.apply(put("c"));
        store.compact(&mut data).unwrap();
        store.append(&[put("d")]).unwrap();
        drop(store);
        let (_store, data) = Store::open(dir.path()).unwrap();
        assert_eq!(data.resources.len(), 3);
        assert_eq!(data.generation, 1);
        assert!(!journal.exists());
    }

    #[test]
    fn lock_is_exclusive_and_reset_empties() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::open(dir.path()).unwrap();
        store.append(&[put("a")]).unwrap();
        let error = Store::open(dir.path()).err().unwrap();
        assert!(error.to_string().contains("already in use"), "{error}");
        assert!(reset(dir.path()).is_err());
        drop(store);
        reset(dir.path()).unwrap();
        let (_store, data) = Store::open(dir.path()).unwrap();
        assert!(data.resources.is_empty());
    }
}
