//! Precompressed assets: `name.br` (brotli, quality 11) and `name.gz` (gzip written by Zopfli,
//! which any gzip reader inflates and which is 4–8 % smaller than zlib's level 9) beside
//! every text and wasm file of the built app, as a static host or CDN would serve them. Written
//! once per build, so the local server sends exactly the bytes a deployment would.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;

use anyhow::{Context, Result};

/// The encodings written beside each file, by file suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `Content-Encoding: br`, file `name.br`.
    Brotli,
    /// `Content-Encoding: gzip`, file `name.gz`.
    Gzip,
}

impl Encoding {
    /// Both, in the order a server prefers them.
    pub(crate) const ALL: [Encoding; 2] = [Encoding::Brotli, Encoding::Gzip];

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    /// The suffix of the precompressed file (`.br`, `.gz`).
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
        }
    }

    /// `bytes` compressed this way, at the strongest setting.
    pub(crate) fn compress(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Encoding::Brotli => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 22,
                    ..Default::default()
                };
                let mut out = Vec::with_capacity(bytes.len() / 3);
                brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
                    .expect("compressing into memory cannot fail");
                out
            }
            Encoding::Gzip => {
                let mut out = Vec::with_capacity(bytes.len() / 3);
                zopfli::compress(
                    zopfli::Options::default(),
                    zopfli::Format::Gzip,
                    bytes,
                    &mut out,
                )
                .expect("compressing into memory cannot fail");
                out
            }
        }
    }
}

/// The files that are never precompressed: `config.json` is rewritten at deploy time (a stale
/// `config.json.br` would point the app at the wrong server) and is tiny anyway.
const NEVER: [&str; 1] = ["config.json"];

/// Whether a file is worth compressing: text formats and wasm (images and fonts already are).
pub(crate) fn compressible(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    !NEVER.contains(&name)
        && matches!(
            extension,
            "html" | "js" | "mjs" | "css" | "wasm" | "json" | "webmanifest" | "svg" | "txt" | "xml"
        )
}

/// Whether `path` is itself a precompressed copy (`….br`, `….gz`).
pub(crate) fn is_variant(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz"))
}

/// The precompressed sibling of `path` for `encoding`.
pub(crate) fn variant(path: &Path, encoding: Encoding) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(encoding.suffix());
    PathBuf::from(name)
}

/// Writes `.br` and `.gz` beside every compressible file under `dir` (replacing older ones),
/// on two threads; a variant that would not be smaller is left out. Returns how many files
/// were compressed.
pub(crate) fn precompress(dir: &Path) -> Result<usize> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.retain(|file| compressible(file));
    // Largest first, so the wasm does not end up last on one thread.
    files.sort_by_key(|file| std::cmp::Reverse(fs::metadata(file).map(|m| m.len()).unwrap_or(0)));
    let jobs: Vec<(PathBuf, Encoding)> = files
        .iter()
        .flat_map(|file| Encoding::ALL.map(|encoding| (file.clone(), encoding)))
        .collect();
    let (even, odd): (Vec<_>, Vec<_>) = jobs.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = [even, odd]
            .into_iter()
            .map(|share| {
                scope.spawn(move || {
                    share
                        .into_iter()
                        .try_for_each(|(_, (file, encoding))| write_variant(&file, encoding))
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a compression thread panicked")?;
        }
        Ok(())
    })?;
    Ok(files.len())
}

/// Writes (or refreshes) both variants of one file, when it is compressible.
pub(crate) fn refresh(file: &Path) -> Result<()> {
    if !compressible(file) {
        return Ok(());
    }
    Encoding::ALL
        .into_iter()
        .try_for_each(|encoding| write_variant(file, encoding))
}

fn write_variant(file: &Path, encoding: Encoding) -> Result<()> {
    let bytes = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let packed = encoding.compress(&bytes);
    let target = variant(file, encoding);
    if packed.len() < bytes.len() {
        fs::write(&target, packed).with_context(|| format!("writing {}", target.display()))
    } else {
        match fs::remove_file(&target) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(error).with_context(|| format!("removing {}", target.display()))
            }
            _ => Ok(()),
        }
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, files)?;
        } else if !is_variant(&path) {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn text_and_wasm_are_compressible_images_and_the_config_are_not() {
        for name in [
            "index.html",
            "a-1f.js",
            "main.css",
            "app_bg.wasm",
            "manifest.webmanifest",
            "sw.js",
            "i.svg",
        ] {
            assert!(compressible(Path::new(name)), "{name}");
        }
        for name in ["config.json", "icon-192.png", "a.js.br", "a.js.gz", "blob"] {
            assert!(!compressible(Path::new(name)), "{name}");
        }
        assert!(is_variant(Path::new("dist/a.wasm.br")));
        assert_eq!(
            variant(Path::new("d/a.js"), Encoding::Gzip),
            Path::new("d/a.js.gz")
        );
    }

    #[test]
    fn both_encodings_round_trip() {
        let text = "回客 customer book ".repeat(500);
        let br = Encoding::Brotli.compress(text.as_bytes());
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, text.as_bytes());
        let gz = Encoding::Gzip.compress(text.as_bytes());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        assert!(br.len() < gz.len() && gz.len() < text.len() / 10);
    }

    #[test]
    fn precompress_writes_smaller_variants_only() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        };
        write("index.html", "<p>hello</p>".repeat(100).as_bytes());
        write("sub/app.js", "let x = 1;\n".repeat(100).as_bytes());
        write("tiny.css", b"a{}");
        write("config.json", "{\"sync_url\": \"x\"}".repeat(50).as_bytes());
        write("icon.png", &[0x89; 400]);
        write("tiny.css.br", b"stale");
        assert_eq!(precompress(dir.path()).unwrap(), 3);
        for name in [
            "index.html.br",
            "index.html.gz",
            "sub/app.js.br",
            "sub/app.js.gz",
        ] {
            assert!(dir.path().join(name).is_file(), "{name}");
        }
        for name in [
            "tiny.css.br",
            "tiny.css.gz",
            "config.json.br",
            "icon.png.gz",
        ] {
            assert!(!dir.path().join(name).exists(), "{name}");
        }
        // Again: the variants themselves are not compressed again.
        assert_eq!(precompress(dir.path()).unwrap(), 3);
        assert!(!dir.path().join("index.html.br.br").exists());
    }
}
