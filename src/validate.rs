//! Identifier and value validators.
