pub(crate) mod cancel;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod deploy;
pub(crate) mod graph;
pub(crate) mod logging;
pub(crate) mod stack;
pub(crate) mod version;
