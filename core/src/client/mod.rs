//! The device side of sync: what a device sends and applies ([`state::SyncState`]), and the
//! loop that pushes and pulls through a transport ([`driver`]).

pub mod driver;
pub mod state;
