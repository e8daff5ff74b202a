//! What the static hosts in `docs/deploy.md` accept, and warnings when a built site
//! would not fit one of them.
//!
//! Measured on the real built folder rather than predicted from the config: the
//! pages, images and bundle are all there, so the figure is the one the host sees.
//! Warnings, not errors: the site is valid, and fits the other hosts.
//! Netlify publishes no per-site size or file-count limit we could check against, so
//! it has none here.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// GitHub Pages: a published site may be at most 1 GB.
pub const GITHUB_PAGES_SITE_BYTES: u64 = 1_000_000_000;
/// Cloudflare Pages: at most 20,000 files per site.
pub const CLOUDFLARE_PAGES_FILES: u64 = 20_000;
/// Cloudflare Pages: at most 25 MiB per file.
pub const CLOUDFLARE_PAGES_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// A built site's size, as a host counts it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteSize {
    pub bytes: u64,
    pub files: u64,
    /// The largest file, from the site's root, and its bytes.
    pub largest: Option<(PathBuf, u64)>,
}

/// A host the built site would not fit, in words a creator can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostWarning {
    SiteTooLarge { host: &'static str, bytes: u64, limit: u64 },
    TooManyFiles { host: &'static str, files: u64, limit: u64 },
    FileTooLarge { host: &'static str, path: PathBuf, bytes: u64, limit: u64 },
}

/// Bytes as a creator reads them (`12.3 MB`, decimal as hosts count).
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

impl fmt::Display for HostWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostWarning::SiteTooLarge { host, bytes, limit } => write!(
                f,
                "the built site is {}, more than {host} publishes ({}): use smaller images or fewer products, or host it elsewhere (docs/deploy.md)",
                megabytes(*bytes),
                megabytes(*limit)
            ),
            HostWarning::TooManyFiles { host, files, limit } => write!(
                f,
                "the built site has {files} files, more than {host} takes ({limit}): each product adds a page, its data file and its images; reuse images or host it elsewhere (docs/deploy.md)"
            ),
            HostWarning::FileTooLarge { host, path, bytes, limit } => write!(
                f,
                "{} is {}, larger than {host} takes for one file ({}): make it smaller",
                path.display(),
                megabytes(*bytes),
                megabytes(*limit)
            ),
        }
    }
}

/// Every documented host limit `size` exceeds.
pub fn warnings(size: &SiteSize) -> Vec<HostWarning> {
    let mut warnings = Vec::new();
    if size.bytes > GITHUB_PAGES_SITE_BYTES {
        warnings.push(HostWarning::SiteTooLarge {
            host: "GitHub Pages",
            bytes: size.bytes,
            limit: GITHUB_PAGES_SITE_BYTES,
        });
    }
    if size.files > CLOUDFLARE_PAGES_FILES {
        warnings.push(HostWarning::TooManyFiles {
            host: "Cloudflare Pages",
            files: size.files,
            limit: CLOUDFLARE_PAGES_FILES,
        });
    }
    if let Some((path, bytes)) = size.largest.as_ref().filter(|(_, bytes)| *bytes > CLOUDFLARE_PAGES_FILE_BYTES) {
        warnings.push(HostWarning::FileTooLarge {
            host: "Cloudflare Pages",
            path: path.clone(),
            bytes: *bytes,
            limit: CLOUDFLARE_PAGES_FILE_BYTES,
        });
    }
    warnings
}

/// Adds up every file under `dist`.
pub fn measure(dist: &Path) -> std::io::Result<SiteSize> {
    let mut size = SiteSize::default();
    let mut folders = vec![dist.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                folders.push(entry.path());
                continue;
            }
            size.bytes += meta.len();
            size.files += 1;
            if size.largest.as_ref().is_none_or(|(_, bytes)| meta.len() > *bytes) {
                let path = entry.path().strip_prefix(dist).map(Path::to_path_buf).unwrap_or_else(|_| entry.path());
                size.largest = Some((path, meta.len()));
            }
        }
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_for_each_host_limit_passed_and_only_then() {
        let fits = SiteSize { bytes: GITHUB_PAGES_SITE_BYTES, files: CLOUDFLARE_PAGES_FILES, largest: None };
        assert!(warnings(&fits).is_empty());
        let big = SiteSize {
            bytes: GITHUB_PAGES_SITE_BYTES + 1,
            files: CLOUDFLARE_PAGES_FILES + 1,
            largest: Some(("media/film.mp4".into(), CLOUDFLARE_PAGES_FILE_BYTES + 1)),
        };
        let said: Vec<String> = warnings(&big).iter().map(ToString::to_string).collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(said[0].starts_with("the built site is 1000.0 MB, more than GitHub Pages publishes (1000.0 MB)"));
        assert!(said[1].starts_with("the built site has 20001 files, more than Cloudflare Pages takes (20000)"));
        assert!(said[2].starts_with("media/film.mp4 is 26.2 MB, larger than Cloudflare Pages takes for one file"));
    }

    #[test]
    fn measures_every_file_of_a_folder() {
        let dir = std::env::temp_dir().join(format!("linkshelf-measure-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("p/mug")).expect("dirs");
        fs::write(dir.join("index.html"), "12345").expect("file");
        fs::write(dir.join("p/mug/index.html"), "1234567").expect("file");
        let size = measure(&dir).expect("measured");
        assert_eq!(size, SiteSize { bytes: 12, files: 2, largest: Some(("p/mug/index.html".into(), 7)) });
        let _ = fs::remove_dir_all(&dir);
    }
}
