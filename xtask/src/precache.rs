//! Finishes the built app: writes `dist/config.json` (where the app finds the sync
//! server) and fills in the service worker's placeholders — the list of every file to precache
//! (the app's folder is named by a hash, so only the build can know it) and a version that changes
//! whenever any of those files (or the service worker itself) changes. Precompressed variants
//! (`.br`, `.gz`) are not listed: the browser asks for the plain URL and the server picks the
//! encoding.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::compress;

/// Replaced by a JSON array of absolute URLs (`["/", "/index.html", …]`).
pub(crate) const PRECACHE_TOKEN: &str = "\"__HUIKE_PRECACHE__\"";
/// Replaced by a JSON string: a short hash of everything precached plus the service worker.
pub(crate) const VERSION_TOKEN: &str = "\"__HUIKE_VERSION__\"";
/// The service worker, at the root of `dist/`.
pub(crate) const SERVICE_WORKER: &str = "sw.js";
/// The runtime configuration the app fetches at start.
pub(crate) const CONFIG: &str = "config.json";

/// Characters escaped in a URL path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/');

/// One file of the built app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Asset {
    /// Its path under `dist/`, with `/` separators (`assets/icon-192.png`).
    pub path: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Writes `config.json` for `sync_url`, then fills in `sw.js` (which the build has just copied
/// with its placeholders) so that the precache list includes `config.json` too.
pub(crate) fn finalize(dist: &Path, sync_url: &str) -> Result<()> {
    let config_path = dist.join(CONFIG);
    fs::write(&config_path, config_json(sync_url))
        .with_context(|| format!("writing {}", config_path.display()))?;
    let sw_path = dist.join(SERVICE_WORKER);
    let template = fs::read_to_string(&sw_path).with_context(|| {
        format!(
            "reading {} (the app's index.html must copy sw.js)",
            sw_path.display()
        )
    })?;
    let assets = collect(dist)?;
    let filled = fill(
        &template,
        &precache_urls(&assets),
        &version(&assets, template.as_bytes()),
    )
    .with_context(|| format!("filling in {}", sw_path.display()))?;
    fs::write(&sw_path, filled).with_context(|| format!("writing {}", sw_path.display()))?;
    compress::refresh(&sw_path)
}

/// Copies the built app (`dist`, service worker still a template) into `to` and finalises the
/// copy for `sync_url`: each run serves its own copy, so a `cargo xtask test` that rebuilds
/// `dist/` does not disturb a `cargo xtask dev` serving beside it.
pub(crate) fn stage(dist: &Path, to: &Path, sync_url: &str) -> Result<()> {
    copy_dir(dist, to)?;
    finalize(to, sync_url)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).with_context(|| {
                format!("copying {} to {}", entry.path().display(), target.display())
            })?;
        }
    }
    Ok(())
}

/// `{"sync_url": "…"}`.
pub(crate) fn config_json(sync_url: &str) -> String {
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "sync_url": sync_url }))
        .expect("a JSON object serialises");
    text.push('\n');
    text
}

/// Every file under `dist` except the service worker and hidden files, sorted by path.
pub(crate) fn collect(dist: &Path) -> Result<Vec<Asset>> {
    let mut assets = Vec::new();
    walk(dist, "", &mut assets)?;
    assets.retain(|asset| asset.path != SERVICE_WORKER);
    assets.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(assets)
}

fn walk(dir: &Path, prefix: &str, assets: &mut Vec<Asset>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            bail!("{} has a name that is not UTF-8", entry.path().display());
        };
        if name.starts_with('.') || compress::is_variant(Path::new(name)) {
            continue;
        }
        let path = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &format!("{path}/"), assets)?;
        } else {
            let bytes = fs::read(entry.path())
                .with_context(|| format!("reading {}", entry.path().display()))?;
            assets.push(Asset { path, bytes });
        }
    }
    Ok(())
}

/// The URLs to precache: `/` (the start URL, when there is an `index.html`), then every
/// asset as an absolute, percent-encoded path.
pub(crate) fn precache_urls(assets: &[Asset]) -> Vec<String> {
    let has_index = assets.iter().any(|asset| asset.path == "index.html");
    let root = has_index.then(|| "/".to_owned());
    root.into_iter()
        .chain(assets.iter().map(|asset| url_of(&asset.path)))
        .collect()
}

fn url_of(path: &str) -> String {
    path.split('/')
        .map(|segment| format!("/{}", utf8_percent_encode(segment, SEGMENT)))
        .collect()
}

/// A short hash (12 hex digits) of every asset's path and content and of the service worker
/// template: a new build with any change gets a new version (and so new caches).
pub(crate) fn version(assets: &[Asset], service_worker: &[u8]) -> String {
    let mut hash = Sha256::new();
    for asset in assets {
        hash.update(asset.path.as_bytes());
        hash.update([0]);
        hash.update((asset.bytes.len() as u64).to_le_bytes());
        hash.update(&asset.bytes);
    }
    hash.update(service_worker);
    hex::encode(&hash.finalize()[..6])
}

/// Replaces both placeholders in the service worker; fails if either is absent.
pub(crate) fn fill(template: &str, urls: &[String], version: &str) -> Result<String> {
    for token in [PRECACHE_TOKEN, VERSION_TOKEN] {
        if !template.contains(token) {
            bail!("the service worker has no {token} placeholder");
        }
    }
    let list = serde_json::to_string(urls)?;
    let version = serde_json::to_string(version)?;
    Ok(template
        .replace(PRECACHE_TOKEN, &list)
        .replace(VERSION_TOKEN, &version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(path: &str, bytes: &str) -> Asset {
        Asset {
            path: path.into(),
            bytes: bytes.as_bytes().to_vec(),
        }
    }

    #[test]
    fn urls_start_with_the_root_and_are_absolute_and_encoded() {
        let assets = [
            asset("index.html", "<html>"),
            asset("huike-app-1a2b.js", "js"),
            asset("icons/icon 192.png", "png"),
        ];
        assert_eq!(
            precache_urls(&assets),
            [
                "/",
                "/index.html",
                "/huike-app-1a2b.js",
                "/icons/icon%20192.png"
            ]
        );
    }

    #[test]
    fn urls_without_index_html_have_no_root() {
        assert_eq!(precache_urls(&[asset("a.js", "")]), ["/a.js"]);
    }

    #[test]
    fn version_changes_with_any_content_name_or_the_service_worker() {
        let base = [asset("a.js", "one"), asset("b.wasm", "two")];
        let v = version(&base, b"sw");
        assert_eq!(v.len(), 12);
        assert!(v.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(v, version(&base.clone(), b"sw"), "same input, same version");
        assert_ne!(
            v,
            version(&[asset("a.js", "one"), asset("b.wasm", "twO")], b"sw")
        );
        assert_ne!(
            v,
            version(&[asset("a.js", "one"), asset("c.wasm", "two")], b"sw")
        );
        assert_ne!(v, version(&base, b"sw2"));
        // Moving bytes from one file to the next is a different build.
        assert_ne!(
            v,
            version(&[asset("a.js", "onet"), asset("b.wasm", "wo")], b"sw")
        );
    }

    #[test]
    fn fill_replaces_both_placeholders_with_json() {
        let template =
            "const ASSETS = \"__HUIKE_PRECACHE__\";\nconst VERSION = \"__HUIKE_VERSION__\";";
        let filled = fill(template, &["/".into(), "/a\"b.js".into()], "abc123").unwrap();
        assert_eq!(
            filled,
            "const ASSETS = [\"/\",\"/a\\\"b.js\"];\nconst VERSION = \"abc123\";"
        );
    }

    #[test]
    fn fill_refuses_a_template_without_placeholders() {
        let error = fill("const VERSION = \"__HUIKE_VERSION__\";", &[], "v").unwrap_err();
        assert!(error.to_string().contains("__HUIKE_PRECACHE__"), "{error}");
    }

    #[test]
    fn finalize_lists_every_file_but_the_service_worker_and_writes_the_config() {
        let dist = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let file = dist.path().join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, text).unwrap();
        };
        write("index.html", "<html></html>");
        write("huike-app-abc_bg.wasm", "\0asm");
        write("huike-app-abc_bg.wasm.br", "packed");
        write("huike-app-abc_bg.wasm.gz", "packed");
        write("icons/icon-512.png", "png");
        write(".stage/leftover", "x");
        write(
            SERVICE_WORKER,
            "self.ASSETS = \"__HUIKE_PRECACHE__\"; self.V = \"__HUIKE_VERSION__\";",
        );
        finalize(dist.path(), "http://127.0.0.1:8787").unwrap();

        let config: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dist.path().join(CONFIG)).unwrap()).unwrap();
        assert_eq!(
            config,
            serde_json::json!({ "sync_url": "http://127.0.0.1:8787" })
        );
        let sw = fs::read_to_string(dist.path().join(SERVICE_WORKER)).unwrap();
        assert!(
            sw.starts_with(r#"self.ASSETS = ["/","/config.json","/huike-app-abc_bg.wasm","/icons/icon-512.png","/index.html"]; self.V = ""#),
            "{sw}"
        );
        assert!(!sw.contains("__HUIKE_"));
    }

    #[test]
    fn stage_copies_and_finalises_leaving_the_template_alone() {
        let dist = tempfile::tempdir().unwrap();
        let template = format!(
            "const A = {PRECACHE_TOKEN}; const V = {VERSION_TOKEN}; // {}",
            "pad ".repeat(100)
        );
        fs::write(dist.path().join(SERVICE_WORKER), &template).unwrap();
        fs::create_dir_all(dist.path().join("icons")).unwrap();
        fs::write(dist.path().join("icons/a.png"), "png").unwrap();
        fs::write(dist.path().join("index.html"), "<html>").unwrap();
        let site = tempfile::tempdir().unwrap();
        stage(dist.path(), site.path(), "http://127.0.0.1:9").unwrap();
        assert_eq!(
            fs::read_to_string(dist.path().join(SERVICE_WORKER)).unwrap(),
            template
        );
        let sw = fs::read_to_string(site.path().join(SERVICE_WORKER)).unwrap();
        assert!(sw.contains(r#""/icons/a.png""#), "{sw}");
        assert!(site.path().join("sw.js.br").is_file());
        assert!(
            fs::read_to_string(site.path().join(CONFIG))
                .unwrap()
                .contains("127.0.0.1:9")
        );
    }

    #[test]
    fn a_different_worker_url_is_a_different_version() {
        let build = |url: &str| {
            let dist = tempfile::tempdir().unwrap();
            fs::write(dist.path().join("index.html"), "<html>").unwrap();
            fs::write(
                dist.path().join(SERVICE_WORKER),
                "\"__HUIKE_PRECACHE__\" \"__HUIKE_VERSION__\"",
            )
            .unwrap();
            finalize(dist.path(), url).unwrap();
            fs::read_to_string(dist.path().join(SERVICE_WORKER)).unwrap()
        };
        assert_eq!(build("http://a"), build("http://a"));
        assert_ne!(build("http://a"), build("http://b"));
    }
}
