//! Local stand-ins and operator tools. `local` is the server behind `cargo run`.

pub mod events;
pub mod local;
pub mod table;
