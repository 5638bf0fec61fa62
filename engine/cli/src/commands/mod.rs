pub(crate) mod version;
