//! Conversions between Python values and the core's dynamic layer: a Python value becomes a
//! [`DynInput`] (JSON whose leaves may be outputs), a JSON value becomes a Python value. Nothing
//! here decides anything about outputs, secrets or unknowns: the core does.

use engine_sdk::{DynInput, binding};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PySequence, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

use crate::output::PyOutput;
use crate::resource::{PyFileArchive, PyFileAsset, PyResource};

/// A converted value: plain JSON, or a tree with outputs inside.
enum Converted {
    Plain(Value),
    Dynamic(DynInput),
}

impl Converted {
    fn into_dyn(self) -> DynInput {
        match self {
            Converted::Plain(value) => DynInput::Value(value),
            Converted::Dynamic(input) => input,
        }
    }
}

/// A Python value as an input of the core (properties, exports, component outputs, `apply`
/// results). `what` prefixes error messages (e.g. `AWS::S3::Bucket "b": `).
pub(crate) fn to_dyn(value: &Bound<'_, PyAny>, what: &str) -> PyResult<DynInput> {
    let mut path = String::new();
    convert(value, &mut path).map(Converted::into_dyn).map_err(|error| {
        Python::attach(|py| {
            if what.is_empty() {
                error
            } else {
                let message = format!("{what}{}", error.value(py));
                if error.is_instance_of::<PyValueError>(py) {
                    PyValueError::new_err(message)
                } else {
                    PyTypeError::new_err(message)
                }
            }
        })
    })
}

fn at(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("property {path}: ") }
}

fn enum_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static ENUM: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    ENUM.import(py, "enum", "Enum")
}

fn convert(value: &Bound<'_, PyAny>, path: &mut String) -> PyResult<Converted> {
    if value.is_none() {
        return Ok(Converted::Plain(Value::Null));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Converted::Plain(Value::String(text.to_cow()?.into_owned())));
    }
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(Converted::Plain(Value::Bool(flag.is_true())));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(number) = value.extract::<i64>() {
            return Ok(Converted::Plain(Value::Number(number.into())));
        }
        if let Ok(number) = value.extract::<u64>() {
            return Ok(Converted::Plain(Value::Number(number.into())));
        }
        return Err(PyValueError::new_err(format!("{}the integer {value} does not fit in 64 bits", at(path))));
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        let number = float.value();
        return Number::from_f64(number)
            .map(|number| Converted::Plain(Value::Number(number)))
            .ok_or_else(|| PyValueError::new_err(format!("{}{number} is not a JSON number", at(path))));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        return convert_entries(dict.iter(), path);
    }
    if let Ok(list) = value.cast::<PyList>() {
        return convert_items(list.iter(), path);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return convert_items(tuple.iter(), path);
    }
    if let Ok(output) = value.cast::<PyOutput>() {
        return Ok(Converted::Dynamic(DynInput::Output(output.get().inner.clone())));
    }
    if let Ok(resource) = value.cast::<PyResource>() {
        return Ok(Converted::Dynamic(DynInput::from(&resource.get().inner)));
    }
    // The core hashes them on its own threads (the GIL is not held meanwhile).
    if let Ok(asset) = value.cast::<PyFileAsset>() {
        return Ok(Converted::Dynamic(binding::file_asset(asset.get().path.clone())));
    }
    if let Ok(archive) = value.cast::<PyFileArchive>() {
        return Ok(Converted::Dynamic(binding::file_archive(archive.get().path.clone())));
    }
    let py = value.py();
    // The Python layer's wrappers (Output, Resource) hold their native handle in `_inner`.
    if let Ok(inner) = value.getattr(pyo3::intern!(py, "_inner"))
        && (inner.is_instance_of::<PyOutput>() || inner.is_instance_of::<PyResource>())
    {
        return convert(&inner, path);
    }
    if value.is_instance(enum_type(py)?)? {
        return convert(&value.getattr(pyo3::intern!(py, "value"))?, path);
    }
    if let Ok(mapping) = value.cast::<PyMapping>() {
        let items = mapping.items()?;
        let mut entries = Vec::with_capacity(items.len());
        for item in items.iter() {
            let (key, item) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            entries.push((key, item));
        }
        return convert_entries(entries.into_iter(), path);
    }
    if let Ok(sequence) = value.cast::<PySequence>()
        && !value.is_instance_of::<pyo3::types::PyBytes>()
    {
        let items: Vec<Bound<'_, PyAny>> = sequence.try_iter()?.collect::<PyResult<_>>()?;
        return convert_items(items.into_iter(), path);
    }
    let type_name = value.get_type().name().map(|name| name.to_string()).unwrap_or_else(|_| "?".to_owned());
    Err(PyTypeError::new_err(format!(
        "{}a value of type '{type_name}' cannot be a resource input (use str, int, float, bool, None, \
         dict, list, an Output, a Resource, FileAsset or FileArchive)",
        at(path)
    )))
}

fn convert_entries<'py>(
    entries: impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    path: &mut String,
) -> PyResult<Converted> {
    let mut converted = Vec::new();
    let mut dynamic = false;
    for (key, item) in entries {
        let Ok(key) = key.cast::<PyString>().map(|key| key.to_cow().map(std::borrow::Cow::into_owned)) else {
            let type_name = key.get_type().name().map(|name| name.to_string()).unwrap_or_default();
            return Err(PyTypeError::new_err(format!(
                "{}keys must be strings, found a key of type '{type_name}'",
                at(path)
            )));
        };
        let key = key?;
        let length = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&key);
        let item = convert(&item, path)?;
        path.truncate(length);
        dynamic |= matches!(item, Converted::Dynamic(_));
        converted.push((key, item));
    }
    if dynamic {
        Ok(Converted::Dynamic(DynInput::Object(
            converted.into_iter().map(|(key, item)| (key, item.into_dyn())).collect(),
        )))
    } else {
        let mut map = Map::with_capacity(converted.len());
        for (key, item) in converted {
            if let Converted::Plain(value) = item {
                map.insert(key, value);
            }
        }
        Ok(Converted::Plain(Value::Object(map)))
    }
}

fn convert_items<'py>(items: impl Iterator<Item = Bound<'py, PyAny>>, path: &mut String) -> PyResult<Converted> {
    let mut converted = Vec::new();
    let mut dynamic = false;
    for (index, item) in items.enumerate() {
        let length = path.len();
        path.push_str(&format!("[{index}]"));
        let item = convert(&item, path)?;
        path.truncate(length);
        dynamic |= matches!(item, Converted::Dynamic(_));
        converted.push(item);
    }
    if dynamic {
        Ok(Converted::Dynamic(DynInput::Array(converted.into_iter().map(Converted::into_dyn).collect())))
    } else {
        Ok(Converted::Plain(Value::Array(
            converted
                .into_iter()
                .filter_map(|item| match item {
                    Converted::Plain(value) => Some(value),
                    Converted::Dynamic(_) => None,
                })
                .collect(),
        )))
    }
}

/// A JSON value as a Python value (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                integer.into_pyobject(py)?.into_any()
            } else if let Some(integer) = number.as_u64() {
                integer.into_pyobject(py)?.into_any()
            } else {
                number.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
