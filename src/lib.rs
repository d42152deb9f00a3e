pub mod article;
pub mod clean;
pub mod parse;
pub mod pipeline;
pub mod segment;
pub mod source;
