//! The subcommands large enough for a file of their own.

pub mod ingest;
