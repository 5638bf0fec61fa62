//! Package references: `name@requirement`, as a registration carries it (`platform@^0.1.0`) and
//! as `Engine.toml` records a dependency.

use crate::error::{PackageError, Result};

/// A package name and the versions accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRef {
    pub name: String,
    /// `None`: any version.
    pub requirement: Option<semver::VersionReq>,
}

impl PackageRef {
    /// `platform`, `platform@^0.1`, `platform@0.1.0` (an exact-looking version means `^0.1.0`, as in
    /// Cargo), `platform@>=0.1, <0.3`.
    ///
    /// # Errors
    /// An empty name or a requirement that is not semver.
    pub fn parse(text: &str) -> Result<PackageRef> {
        let (name, requirement) = match text.split_once('@') {
            Some((name, requirement)) => (name.trim(), Some(requirement.trim())),
            None => (text.trim(), None),
        };
        if name.is_empty() {
            return Err(PackageError::Reference {
                reference: text.to_owned(),
                message: "the package name is empty".into(),
            });
        }
        let requirement = match requirement.filter(|r| !r.is_empty() && *r != "*") {
            None => None,
            Some(r) => Some(semver::VersionReq::parse(r).map_err(|e| PackageError::Reference {
                reference: text.to_owned(),
                message: format!("{r:?} is not a semver requirement: {e}"),
            })?),
        };
        Ok(PackageRef { name: name.to_owned(), requirement })
    }

    /// Whether `version` satisfies the requirement.
    #[must_use]
    pub fn accepts(&self, version: &semver::Version) -> bool {
        self.requirement.as_ref().is_none_or(|r| r.matches(version))
    }
}

impl std::fmt::Display for PackageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.requirement {
            Some(r) => write!(f, "{}@{r}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_match_like_cargo() {
        let r = PackageRef::parse("platform@^0.1.0").unwrap();
        assert!(r.accepts(&semver::Version::new(0, 1, 7)));
        assert!(!r.accepts(&semver::Version::new(0, 2, 0)));
        let r = PackageRef::parse("platform@1.2").unwrap();
        assert!(r.accepts(&semver::Version::new(1, 9, 0)) && !r.accepts(&semver::Version::new(2, 0, 0)));
        assert!(PackageRef::parse("platform").unwrap().accepts(&semver::Version::new(9, 0, 0)));
        assert!(PackageRef::parse("platform@one").unwrap_err().to_string().contains("not a semver requirement"));
        assert_eq!(PackageRef::parse("platform@^0.1.0").unwrap().to_string(), "platform@^0.1.0");
    }
}
