//! The app's page: `index.html` at the repository root becomes `dist/index.html`, with its
//! build links done — `<link data-build rel="inline" href="style/main.css">` becomes the
//! stylesheet itself in a `<style>`, `rel="copy-file"` copies a file to `dist/` and
//! `rel="copy-dir"` a folder (each link is then left out). The app's wasm and the script that
//! starts it are [`crate::app_wasm`]'s.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// What marks a link as the build's to do.
const MARK: &str = "<link data-build ";

/// One build link of the page.
#[derive(Debug, PartialEq, Eq)]
enum Link {
    /// Put this stylesheet's text in the page.
    Inline(String),
    /// Copy this file into `dist/`.
    CopyFile(String),
    /// Copy this folder (and everything in it) into `dist/`.
    CopyDir(String),
}

/// Writes `dist/index.html` from `root/index.html` and copies what its links ask for.
pub(crate) fn build(root: &Path, dist: &Path) -> Result<()> {
    let source = root.join("index.html");
    let html =
        fs::read_to_string(&source).with_context(|| format!("reading {}", source.display()))?;
    let mut out = String::with_capacity(html.len() * 2);
    let mut rest = html.as_str();
    while let Some(start) = rest.find(MARK) {
        let end = start
            + rest[start..]
                .find('>')
                .context("index.html: a build link is not closed with `>`")?;
        let tag = &rest[start..=end];
        out.push_str(&rest[..start]);
        match parse(tag)? {
            Link::Inline(href) => {
                let css = fs::read_to_string(root.join(&href))
                    .with_context(|| format!("reading {href} (inlined by index.html)"))?;
                out.push_str("<style>\n");
                out.push_str(&css);
                out.push_str("</style>");
            }
            Link::CopyFile(href) => {
                let from = root.join(&href);
                let name = from.file_name().context("a copied file has no name")?;
                fs::copy(&from, dist.join(name))
                    .with_context(|| format!("copying {href} (index.html asks for it)"))?;
            }
            Link::CopyDir(href) => {
                let from = root.join(&href);
                let name = from.file_name().context("a copied folder has no name")?;
                copy_dir(&from, &dist.join(name))
                    .with_context(|| format!("copying {href}/ (index.html asks for it)"))?;
            }
        }
        rest = &rest[end + 1..];
        // The link's line goes with it when nothing else is on it.
        if out.ends_with(' ') && rest.starts_with('\n') {
            let trimmed = out.trim_end_matches(' ').len();
            if out[..trimmed].ends_with('\n') {
                out.truncate(trimmed);
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    fs::write(dist.join("index.html"), out).context("writing dist/index.html")
}

/// Reads one `<link data-build rel="…" href="…">`.
fn parse(tag: &str) -> Result<Link> {
    let attribute = |name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let len = tag[start..].find('"')?;
        Some(tag[start..start + len].to_owned())
    };
    let Some(href) = attribute("href") else {
        bail!("index.html: {tag} has no href");
    };
    if href.starts_with('/') || href.split('/').any(|part| part == "..") {
        bail!("index.html: {tag} must name a path inside the repository");
    }
    match attribute("rel").as_deref() {
        Some("inline") => Ok(Link::Inline(href)),
        Some("copy-file") => Ok(Link::CopyFile(href)),
        Some("copy-dir") => Ok(Link::CopyDir(href)),
        other => bail!(
            "index.html: {tag} has rel {other:?}; the build knows inline, copy-file and copy-dir"
        ),
    }
}

/// Copies `from` into `to`, folders and all.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_done_and_left_out_and_everything_else_kept() {
        let root = tempfile::tempdir().unwrap();
        let dist = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = root.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write("style/main.css", "a { color: red; }\n");
        write("static/sw.js", "// worker");
        write("static/icons/a.png", "png");
        write("static/icons/more/b.png", "png2");
        write(
            "index.html",
            "<head>\n  <link data-build rel=\"copy-file\" href=\"static/sw.js\">\n  <link data-build rel=\"copy-dir\" href=\"static/icons\">\n  <link data-build rel=\"inline\" href=\"style/main.css\">\n  <!-- keep -->\n</head>\n",
        );
        build(root.path(), dist.path()).unwrap();
        let html = fs::read_to_string(dist.path().join("index.html")).unwrap();
        assert_eq!(
            html,
            "<head>\n  <style>\na { color: red; }\n</style>\n  <!-- keep -->\n</head>\n"
        );
        assert_eq!(
            fs::read_to_string(dist.path().join("sw.js")).unwrap(),
            "// worker"
        );
        assert_eq!(
            fs::read_to_string(dist.path().join("icons/more/b.png")).unwrap(),
            "png2"
        );
    }

    #[test]
    fn a_link_it_cannot_do_is_an_error_naming_it() {
        let bad = [
            "<link data-build rel=\"rust\" href=\"app/Cargo.toml\">",
            "<link data-build rel=\"inline\">",
            "<link data-build rel=\"inline\" href=\"../secret.css\">",
            "<link data-build rel=\"copy-file\" href=\"/etc/passwd\">",
        ];
        for tag in bad {
            let error = parse(tag).unwrap_err().to_string();
            assert!(error.contains(tag), "{error}");
        }
        assert_eq!(
            parse("<link data-build rel=\"copy-dir\" href=\"app/static/icons\">").unwrap(),
            Link::CopyDir("app/static/icons".into())
        );
    }
}
