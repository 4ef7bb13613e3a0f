//! harmonise: maps English local authorities' EHC needs assessment request forms onto one national template.
#![warn(missing_docs)]

pub mod validate;
