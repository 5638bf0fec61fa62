//! engine-state (API being written)
