//! Runs the real `linkshelf-collector` binary on a free loopback port with a fresh
//! SQLite file, and stops it by PID.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

#[allow(unused_imports)]
pub use linkshelf_collector::client::{Answer, Client};

pub const TOKEN: &str = "test-read-token-0123456789";
pub const STRIPE_SECRET: &str = "whsec_integration_secret";
pub const SHOPIFY_SECRET: &str = "shpss_integration_secret";
pub const LEMONSQUEEZY_SECRET: &str = "ls_integration_secret";
pub const ORIGIN: &str = "http://127.0.0.1:8080";

pub struct Collector {
    child: Option<Child>,
    pub base: String,
    pub db: PathBuf,
    pub log: PathBuf,
}

/// The usual settings of the tests: token, the webhook secrets, the demo origin,
/// no rate limit (tests send fast), `normal` durability (tmpfs-friendly; the crash
/// test uses `full`).
pub fn default_args() -> Vec<String> {
    [
        "--read-token",
        TOKEN,
        "--stripe-webhook-secret",
        STRIPE_SECRET,
        "--shopify-webhook-secret",
        SHOPIFY_SECRET,
        "--lemonsqueezy-webhook-secret",
        LEMONSQUEEZY_SECRET,
        "--allowed-origins",
        ORIGIN,
        "--rate-limit",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

impl Collector {
    /// Starts on `db` (in a folder the caller keeps) with `args` added.
    pub fn start_on(db: &Path, args: &[String]) -> Collector {
        Collector::start_on_with_env(db, args, &[])
    }

    /// As [`Collector::start_on`], with environment variables added (test-only hooks).
    pub fn start_on_with_env(db: &Path, args: &[String], env: &[(&str, &str)]) -> Collector {
        let log = db.with_extension(format!("log{}", std::process::id()));
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_linkshelf-collector"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(args)
            .envs(env.iter().copied())
            .env("LINKSHELF_COLLECTOR_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("the collector binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read stdout");
        let Some(base) = line.trim().strip_prefix("linkshelf-collector listening on ") else {
            let _ = child.kill();
            panic!("the collector did not start: {line:?}\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        Collector { base: base.to_owned(), child: Some(child), db: db.to_owned(), log }
    }

    /// A collector on a fresh database with only `args` (none of the test defaults).
    pub fn start_on_fresh(args: &[&str]) -> (tempfile::TempDir, Collector) {
        let dir = tempfile::tempdir().expect("tempdir");
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let c = Collector::start_on(&dir.path().join("events.sqlite"), &args);
        (dir, c)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    /// SIGTERM and wait: the graceful path.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        child.wait().expect("wait")
    }

    /// SIGKILL: the crash path.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
    }

    /// Waits up to `timeout` for the process to end by itself; its status, if it did.
    pub fn wait_exit(&mut self, timeout: std::time::Duration) -> Option<ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < timeout {
            let child = self.child.as_mut()?;
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A read connection to the database, for checking what was stored.
    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).expect("open db")
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.sqlite().query_row(sql, [], |r| r.get(0)).expect("count")
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A fresh temporary folder and a collector on a database in it.
pub fn start(extra: &[&str]) -> (tempfile::TempDir, Collector) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = default_args();
    if extra.contains(&"--rate-limit") {
        args.truncate(args.len() - 2);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let c = Collector::start_on(&dir.path().join("events.sqlite"), &args);
    (dir, c)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A valid envelope, as the storefront writes it, sent just now.
pub fn event(id: &str, name: &str) -> serde_json::Value {
    let now = now_ms();
    serde_json::json!({
        "v": 1, "event_id": id, "name": name, "occurred_at": now - 1000, "sent_at": now,
        "page_load_id": "pl-1", "seq": 0, "creator_id": "juno-park",
        "attribution": {"utm_source": null, "utm_medium": null, "utm_campaign": null, "utm_content": null,
                        "utm_term": null, "ref": null, "click_ids": [], "referrer_host": null},
        "context": {"path": "/", "locale": "en-GB", "time_zone": "Europe/London", "in_app_browser": "none"},
        "subject": {"promotion_id": null, "popup_id": null, "item_list_id": null},
        "ecommerce": null, "outbound": null
    })
}

pub fn batch(events: &[serde_json::Value]) -> String {
    serde_json::Value::Array(events.to_vec()).to_string()
}
