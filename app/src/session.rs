//! Small state kept in localStorage (through `gloo-storage`): this device's credentials, the
//! sync server's address, the UI language and the last sync time. The book itself is in
//! IndexedDB ([`crate::store`]).

use crate::i18n::Lang;
use gloo_storage::{LocalStorage, Storage};
use huike_core::domain::Role;
use huike_core::sync::DeviceCredentials;
use serde::{Deserialize, Serialize};

const CREDENTIALS: &str = "huike.credentials";
const LANG: &str = "huike.lang";
const SERVER: &str = "huike.server";
const LAST_SYNC: &str = "huike.last_sync";
const LAST_SNAPSHOT: &str = "huike.last_snapshot";

/// This device's membership of a shop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// What the server issued.
    pub credentials: DeviceCredentials,
    /// The user's display name on this device.
    pub display_name: String,
}

impl Session {
    /// The device's role.
    pub fn role(&self) -> Role {
        self.credentials.role
    }

    /// The IndexedDB database holding this shop's book on this device (the first version's,
    /// `huike-{shop}`, is migrated from: see `crate::store::legacy`).
    pub fn database(&self) -> String {
        format!("huike2-{}", self.credentials.shop_id)
    }
}

/// The stored session, if this device has joined a shop.
pub fn load() -> Option<Session> {
    LocalStorage::get(CREDENTIALS).ok()
}

/// Remembers the session (after creating or joining a shop).
pub fn store(session: &Session) -> Result<(), String> {
    LocalStorage::set(CREDENTIALS, session).map_err(|e| e.to_string())
}

/// The remembered UI language, if any.
pub fn lang() -> Option<Lang> {
    LocalStorage::get(LANG).ok()
}

/// Remembers the UI language.
pub fn set_lang(lang: Lang) {
    // Losing the preference only costs a tap, so a full storage is not worth an error here.
    let _ = LocalStorage::set(LANG, lang);
}

/// The remembered sync server address, if one was chosen.
pub fn server() -> Option<String> {
    LocalStorage::get(SERVER).ok()
}

/// Remembers the sync server address.
pub fn set_server(url: &str) {
    let _ = LocalStorage::set(SERVER, url.trim_end_matches('/'));
}

/// When this device last completed a sync (Unix ms).
pub fn last_sync() -> Option<f64> {
    LocalStorage::get(LAST_SYNC).ok()
}

/// Remembers the last completed sync.
pub fn set_last_sync(ms: f64) {
    let _ = LocalStorage::set(LAST_SYNC, ms);
}

/// When this device last uploaded the shop's snapshot (Unix ms) and how many batches it
/// covered.
pub fn last_snapshot() -> Option<(f64, u64)> {
    LocalStorage::get(LAST_SNAPSHOT).ok()
}

/// Remembers the last snapshot upload.
pub fn set_last_snapshot(at_ms: f64, batches: u64) {
    let _ = LocalStorage::set(LAST_SNAPSHOT, (at_ms, batches));
}
