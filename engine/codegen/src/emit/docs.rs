//! Documentation text: the schema's descriptions, wrapped and escaped for each language.

use crate::model::Property;

/// Width documentation is wrapped at (not counting indentation and comment markers).
const WIDTH: usize = 96;

/// Wrap text into lines of at most [`WIDTH`] characters (longer words stay whole). Paragraph
/// breaks (blank lines) are kept; leading indentation is dropped so that no line turns into a
/// code block (which rustdoc would compile as a doctest).
#[must_use]
pub(crate) fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split("\n\n") {
        let words: Vec<&str> = paragraph.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in words {
            if !line.is_empty() && line.len() + 1 + word.len() > WIDTH {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// The documentation of a property: its description and notes on how it behaves.
#[must_use]
pub(crate) fn property_doc(property: &Property) -> String {
    let mut text = property.doc.clone();
    let mut notes = Vec::new();
    if property.read_only {
        notes.push("Read-only: set by the cloud.");
    }
    if property.create_only {
        notes.push("Create-only: changing it replaces the resource.");
    }
    if property.write_only {
        notes.push("Write-only: never returned by a read.");
    }
    if property.deprecated {
        notes.push("Deprecated.");
    }
    if !notes.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&notes.join(" "));
    }
    text
}

/// Rust `///` lines at `indent`. Code fences are neutralised (no doctests).
pub(crate) fn rust(out: &mut String, indent: &str, text: &str) {
    for line in wrap(&text.replace("```", "'''")) {
        out.push_str(indent);
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            out.push_str("/// ");
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// A Python docstring at `indent` (nothing when the text is empty).
pub(crate) fn python(out: &mut String, indent: &str, text: &str) {
    let lines = wrap(text);
    if lines.is_empty() {
        return;
    }
    let escape = |line: &str| line.replace('\\', "\\\\").replace('"', "\\\"");
    if lines.len() == 1 {
        out.push_str(&format!("{indent}\"\"\"{}\"\"\"\n", escape(&lines[0])));
        return;
    }
    out.push_str(&format!("{indent}\"\"\"{}\n", escape(&lines[0])));
    for line in &lines[1..] {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}{}\n", escape(line)));
        }
    }
    out.push_str(&format!("{indent}\"\"\"\n"));
}

/// Lines for a field list entry (`:param name: text`): the text wrapped, continuation lines
/// indented.
pub(crate) fn param_lines(label: &str, text: &str) -> Vec<String> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines = Vec::new();
    for (i, line) in wrap(&format!("{label} {flat}")).into_iter().enumerate() {
        lines.push(if i == 0 { line } else { format!("    {line}") });
    }
    lines
}

/// A Python docstring made of prepared lines (already wrapped).
pub(crate) fn python_lines(out: &mut String, indent: &str, lines: &[String]) {
    let escape = |line: &str| line.replace('\\', "\\\\").replace('"', "\\\"");
    out.push_str(&format!("{indent}\"\"\"{}\n", escape(lines.first().map_or("", String::as_str))));
    for line in lines.iter().skip(1) {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}{}\n", escape(line)));
        }
    }
    out.push_str(&format!("{indent}\"\"\"\n"));
}

/// A JSDoc comment at `indent`, with optional tag lines (`@deprecated`).
pub(crate) fn jsdoc(out: &mut String, indent: &str, text: &str, tags: &[&str]) {
    let mut lines = wrap(&text.replace("*/", "*\\/"));
    if !tags.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(tags.iter().map(|t| (*t).to_owned()));
    }
    if lines.is_empty() {
        return;
    }
    if lines.len() == 1 {
        out.push_str(&format!("{indent}/** {} */\n", lines[0]));
        return;
    }
    out.push_str(&format!("{indent}/**\n"));
    for line in lines {
        if line.is_empty() {
            out.push_str(&format!("{indent} *\n"));
        } else {
            out.push_str(&format!("{indent} * {line}\n"));
        }
    }
    out.push_str(&format!("{indent} */\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_escapes() {
        let text = format!("{} end\n\n    indented ```code```", "word ".repeat(30));
        let lines = wrap(&text);
        assert!(lines.iter().all(|l| l.len() <= WIDTH));
        assert!(lines.contains(&String::new()));
        let mut out = String::new();
        rust(&mut out, "", &text);
        assert!(!out.contains("```") && !out.contains("///     "));
        let mut out = String::new();
        python(&mut out, "    ", r#"say "hi" \ ok"#);
        assert_eq!(out, "    \"\"\"say \\\"hi\\\" \\\\ ok\"\"\"\n");
        let mut out = String::new();
        jsdoc(&mut out, "", "a */ b", &["@deprecated"]);
        assert_eq!(out, "/**\n * a *\\/ b\n *\n * @deprecated\n */\n");
    }
}
