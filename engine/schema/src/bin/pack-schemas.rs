//! Build `data/schemas.pack` from cfn-lint's `cfnlint/data/schemas` folder.
//!
//! Usage: `pack-schemas SCHEMAS_DIR OUT_FILE SOURCE_LABEL` (see `engine/schema/refresh-schemas.sh`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use engine_schema::{PackInput, write_pack};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: pack-schemas SCHEMAS_DIR OUT_FILE SOURCE_LABEL");
        return ExitCode::from(2);
    }
    match run(Path::new(&args[1]), Path::new(&args[2]), &args[3]) {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("pack-schemas: {error}");
            ExitCode::FAILURE
        }
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(dir: &Path, out: &Path, source: &str) -> Result<String, String> {
    let version = read_json(&dir.join("version.json"))?;
    let schema_date = version.get("schema_date").and_then(|d| d.as_str()).unwrap_or("").to_owned();

    // region -> {type -> schema file id}
    let mut providers = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("providers")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let region = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            providers.insert(region, read_json(&path)?);
        }
    }
    let regions: Vec<String> = providers.keys().cloned().collect();

    // type -> (file id, regions)
    let mut types: BTreeMap<String, (String, BTreeSet<usize>)> = BTreeMap::new();
    for (region_index, (region, map)) in providers.iter().enumerate() {
        let map = map.as_object().ok_or_else(|| format!("providers/{region}.json is not an object"))?;
        for (type_name, id) in map {
            let id = id.as_str().ok_or_else(|| format!("{region}: {type_name} has no file id"))?;
            let entry = types.entry(type_name.clone()).or_insert_with(|| (id.to_owned(), BTreeSet::new()));
            if entry.0 != id {
                return Err(format!(
                    "{type_name} maps to two schema files ({} and {id}); the pack format assumes one",
                    entry.0
                ));
            }
            entry.1.insert(region_index);
        }
    }

    let mut inputs = Vec::with_capacity(types.len());
    for (type_name, (id, type_regions)) in &types {
        let value = read_json(&dir.join("resources").join(format!("{id}.json")))?;
        let declared = value.get("typeName").and_then(|t| t.as_str()).unwrap_or_default();
        if declared != type_name {
            return Err(format!("resources/{id}.json declares {declared}, expected {type_name}"));
        }
        let json = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
        inputs.push(PackInput { type_name: type_name.clone(), json, regions: type_regions.iter().copied().collect() });
    }
    let count = inputs.len();
    let pack = write_pack(source, &schema_date, &regions, inputs).map_err(|e| e.to_string())?;
    let tmp = out.with_extension("pack.tmp");
    std::fs::write(&tmp, &pack).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(format!(
        "packed {count} types in {} regions ({source}, schema date {schema_date}) into {} ({} bytes)",
        regions.len(),
        out.display(),
        pack.len()
    ))
}
