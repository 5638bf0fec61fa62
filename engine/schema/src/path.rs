//! Property paths as the schemas write them (`/properties/A/B/*/C`).

use std::fmt;

/// One step of a [`PropPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// An object key (a property name).
    Key(String),
    /// `*`: any item of an array (or any value of a map).
    Any,
}

/// A path to a property inside a resource model, without the leading `/properties`.
///
/// `PropPath::parse("/properties/Tags/*/Key")` has segments `Tags`, `*`, `Key`. JSON-pointer escapes
/// (`~0`, `~1`) are decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropPath {
    segments: Vec<Segment>,
}

impl PropPath {
    /// Parse a pointer as found in `readOnlyProperties` and friends. Returns `None` for pointers
    /// that do not start with `/properties/`.
    #[must_use]
    pub fn parse(pointer: &str) -> Option<Self> {
        let rest = pointer.strip_prefix("/properties/")?;
        Some(Self::from_relative(rest))
    }

    /// Parse a path relative to the properties object (`A/B/*/C` or `/A/B/*/C`).
    #[must_use]
    pub fn from_relative(path: &str) -> Self {
        let path = path.strip_prefix('/').unwrap_or(path);
        let segments = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/')
                .map(|s| match s {
                    "*" => Segment::Any,
                    other => Segment::Key(other.replace("~1", "/").replace("~0", "~")),
                })
                .collect()
        };
        Self { segments }
    }

    /// Build from segments.
    #[must_use]
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Self { segments }
    }

    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The top-level property this path starts at.
    #[must_use]
    pub fn root(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// Whether a concrete location (object keys and array indexes, as strings, relative to the
    /// properties object) equals this path, `*` matching any single step.
    #[must_use]
    pub fn matches<S: AsRef<str>>(&self, location: &[S]) -> bool {
        self.segments.len() == location.len() && self.is_prefix_of(location)
    }

    /// Whether this path is a prefix of (or equal to) a concrete location: the location lies
    /// inside the property this path names.
    #[must_use]
    pub fn is_prefix_of<S: AsRef<str>>(&self, location: &[S]) -> bool {
        self.segments.len() <= location.len()
            && self.segments.iter().zip(location).all(|(seg, step)| match seg {
                Segment::Any => true,
                Segment::Key(key) => key == step.as_ref(),
            })
    }

    /// Whether a concrete location is a strict prefix of this path: the location contains the
    /// property this path names (replacing the location's value changes the property).
    #[must_use]
    pub fn is_inside<S: AsRef<str>>(&self, location: &[S]) -> bool {
        location.len() < self.segments.len()
            && self.segments.iter().zip(location).all(|(seg, step)| match seg {
                Segment::Any => true,
                Segment::Key(key) => key == step.as_ref(),
            })
    }

    /// Whether two concrete-or-wildcard locations overlap: one contains the other.
    #[must_use]
    pub fn overlaps<S: AsRef<str>>(&self, location: &[S]) -> bool {
        self.is_prefix_of(location) || self.is_inside(location)
    }

    /// The pointer as the schema writes it: `/properties/A/*/B`.
    #[must_use]
    pub fn to_pointer(&self) -> String {
        format!("/properties{self}")
    }
}

impl fmt::Display for PropPath {
    /// Relative form, `/A/*/B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.segments {
            match segment {
                Segment::Any => f.write_str("/*")?,
                Segment::Key(key) => write!(f, "/{}", key.replace('~', "~0").replace('/', "~1"))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let path = PropPath::parse("/properties/LifecycleConfiguration/Rules/*/Transition").unwrap();
        assert_eq!(path.root(), Some("LifecycleConfiguration"));
        assert_eq!(path.segments().len(), 4);
        assert_eq!(path.to_string(), "/LifecycleConfiguration/Rules/*/Transition");
        assert_eq!(path.to_pointer(), "/properties/LifecycleConfiguration/Rules/*/Transition");
        assert!(PropPath::parse("/definitions/X").is_none());
        let escaped = PropPath::parse("/properties/a~1b").unwrap();
        assert_eq!(escaped.root(), Some("a/b"));
        assert_eq!(escaped.to_string(), "/a~1b");
    }

    #[test]
    fn matching() {
        let path = PropPath::parse("/properties/Rules/*/Transition").unwrap();
        assert!(path.matches(&["Rules", "3", "Transition"]));
        assert!(!path.matches(&["Rules", "3"]));
        assert!(path.is_prefix_of(&["Rules", "0", "Transition", "Days"]));
        assert!(!path.is_prefix_of(&["Rules", "0", "Expiration"]));
        assert!(path.is_inside(&["Rules"]));
        assert!(path.is_inside(&["Rules", "1"]));
        assert!(!path.is_inside(&["Rules", "1", "Transition"]));
        assert!(path.overlaps(&["Rules"]));
        assert!(!path.overlaps(&["Name"]));
    }
}
