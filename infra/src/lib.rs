//! Local stand-ins and operator tools. `local` is the server behind `cargo run`.

pub mod data_dir;
pub mod events;
pub mod local;
pub mod table;
