//! Settings, from flags or environment variables (a flag wins), checked before the
//! collector starts so a mistake is reported at once and in words an operator can act on.

use crate::credential;
use crate::store::Durability;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The attribution window a collector runs with unless told otherwise: a week.
pub const DEFAULT_WINDOW_HOURS: u32 = 168;

#[derive(Clone, Debug, Parser)]
#[command(
    name = "linkshelf-collector",
    version,
    about = "Linkshelf's event collector: ingest, verified purchases and stats on one SQLite file."
)]
pub struct Config {
    /// Address to listen on. The demo storefront sends to 127.0.0.1:8787.
    #[arg(long, env = "LINKSHELF_COLLECTOR_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// The SQLite database file (created if missing; WAL mode adds -wal and -shm files beside it).
    #[arg(long, env = "LINKSHELF_COLLECTOR_DB", default_value = "linkshelf-events.sqlite")]
    pub db: PathBuf,

    /// Storefront origins allowed to send events, comma-separated (e.g. `https://shop.example`).
    /// Browser requests from any other origin get 403; requests without an Origin header
    /// (servers, curl) are accepted.
    #[arg(long, env = "LINKSHELF_COLLECTOR_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Token for the stats API and report (`Authorization: Bearer …` or `?token=`), at
    /// least 16 characters. Without it the stats endpoints are off.
    #[arg(long, env = "LINKSHELF_COLLECTOR_READ_TOKEN", hide_env_values = true)]
    pub read_token: Option<String>,

    /// Secret that signs affiliates' own report links (`affiliate-link`), at least 32
    /// bytes (e.g. `openssl rand -hex 32`). Without it affiliate links are off; changing it
    /// revokes every link issued with it.
    #[arg(long, env = "LINKSHELF_COLLECTOR_REPORT_SECRET", hide_env_values = true, global = true)]
    pub report_secret: Option<String>,

    /// Stripe webhook endpoint secret (whsec_…). Without it the Stripe webhook is off.
    #[arg(long, env = "LINKSHELF_COLLECTOR_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// Shopify webhook secret (the app's client secret). Without it the Shopify webhook is off.
    #[arg(long, env = "LINKSHELF_COLLECTOR_SHOPIFY_WEBHOOK_SECRET", hide_env_values = true)]
    pub shopify_webhook_secret: Option<String>,

    /// Lemon Squeezy webhook signing secret. Without it the Lemon Squeezy webhook is off.
    #[arg(long, env = "LINKSHELF_COLLECTOR_LEMONSQUEEZY_WEBHOOK_SECRET", hide_env_values = true)]
    pub lemonsqueezy_webhook_secret: Option<String>,

    /// Forward every stored event to PostHog (e.g. `https://eu.i.posthog.com`), server-side.
    #[arg(long, env = "LINKSHELF_COLLECTOR_FORWARD_POSTHOG_HOST", requires = "forward_posthog_key")]
    pub forward_posthog_host: Option<String>,

    /// The PostHog project's public API key (phc_…), for --forward-posthog-host.
    #[arg(
        long,
        env = "LINKSHELF_COLLECTOR_FORWARD_POSTHOG_KEY",
        hide_env_values = true,
        requires = "forward_posthog_host"
    )]
    pub forward_posthog_key: Option<String>,

    /// Seconds between forwarding rounds when there is nothing waiting.
    #[arg(long, env = "LINKSHELF_COLLECTOR_FORWARD_INTERVAL_SECS", default_value_t = 10)]
    pub forward_interval_secs: u64,

    /// Event requests per second allowed per client (IP address); 0 turns the limit off.
    #[arg(long, env = "LINKSHELF_COLLECTOR_RATE_LIMIT", default_value_t = 20)]
    pub rate_limit: u32,

    /// Requests a client may send in a burst above the rate.
    #[arg(long, env = "LINKSHELF_COLLECTOR_RATE_BURST", default_value_t = 60)]
    pub rate_burst: u32,

    /// Take the client address from the last X-Forwarded-For entry (only behind a
    /// reverse proxy you run, which sets it).
    #[arg(long, env = "LINKSHELF_COLLECTOR_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// How far back an order looks for the click that led to it, by code or UTM, in hours.
    #[arg(long, env = "LINKSHELF_COLLECTOR_ATTRIBUTION_WINDOW_HOURS", default_value_t = DEFAULT_WINDOW_HOURS)]
    pub attribution_window_hours: u32,

    /// The creator a verified order counts for when neither the shop nor its click names one.
    #[arg(long, env = "LINKSHELF_COLLECTOR_DEFAULT_CREATOR")]
    pub default_creator: Option<String>,

    /// full: an acknowledged event survives a power cut; normal: survives a killed
    /// process only, faster on slow disks.
    #[arg(long, env = "LINKSHELF_COLLECTOR_DURABILITY", value_enum, default_value = "full")]
    pub durability: Durability,

    /// Ship every stored event, order and refund to this ClickHouse (its HTTP interface,
    /// e.g. http://127.0.0.1:8123) and read stats from there, so several collectors behind
    /// a load balancer answer the same figures. SQLite stays the local outbox.
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_URL")]
    pub clickhouse_url: Option<String>,

    /// The ClickHouse database (created when missing).
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_DATABASE", default_value = "linkshelf")]
    pub clickhouse_database: String,

    /// A cluster of the servers' `remote_servers`: the tables are then
    /// ReplicatedReplacingMergeTree, created ON CLUSTER (macros `shard` and `replica` needed).
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_CLUSTER")]
    pub clickhouse_cluster: Option<String>,

    /// The ClickHouse user.
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_USER", default_value = "default")]
    pub clickhouse_user: String,

    /// The ClickHouse user's password (best given in the environment).
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_PASSWORD", hide_env_values = true)]
    pub clickhouse_password: Option<String>,

    /// Rows per insert into ClickHouse, 1 to 100000. 50,000 by default: measured on the
    /// test cluster (docs/collector.md, Benchmark), 5000-row blocks shipped 24,000 rows/s
    /// and fell behind a busy ingest, while 50,000-row blocks shipped 72,500 rows/s and
    /// cost ClickHouse less than half the CPU (fewer parts to write, replicate and merge).
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_BATCH_ROWS", default_value_t = 50_000)]
    pub clickhouse_batch_rows: usize,

    /// Milliseconds between shipping rounds when nothing is waiting, 10 to 60000.
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_INTERVAL_MS", default_value_t = 1000)]
    pub clickhouse_interval_ms: u64,

    /// Seconds between looks for newly settled days to write into ClickHouse's day
    /// rollup (`event_days`, see `ch_days`) and for days not yet settled whose data
    /// changed, to count again (`recent_days`, `recent_purchases`), 1 to 86400.
    #[arg(long, env = "LINKSHELF_COLLECTOR_CLICKHOUSE_DAYS_EVERY_SECS", default_value_t = 600)]
    pub clickhouse_days_every_secs: u64,

    /// How much (MB, estimated) may wait in SQLite for ClickHouse. A warning is logged at
    /// each tenth; at the budget, ingest answers 503 with Retry-After (the storefront
    /// keeps and retries the events) until ClickHouse has caught up.
    #[arg(long, env = "LINKSHELF_COLLECTOR_BUFFER_BUDGET_MB", default_value_t = 1024)]
    pub buffer_budget_mb: u64,

    /// Purge raw events older than this many days (from SQLite and ClickHouse), keeping
    /// their daily counts (the `daily` table). At least 9, and at least the attribution
    /// window. Without it nothing is purged.
    #[arg(long, env = "LINKSHELF_COLLECTOR_RETENTION_DAYS")]
    pub retention_days: Option<u32>,

    /// With ClickHouse and a --read-token or --report-secret: how many days, up to today,
    /// the collector reads once at start, so the first report over them answers as fast
    /// as the next (a report remembers what it read of settled days). 90 by default, the
    /// report's longest preset ("Last 90 days"; its default 30 days are read first): at
    /// 10^8 events a season that is 2.9 s of CPU and 1.2 GB at each start, against 1.3 s
    /// and 0.67 GB for 30, and a collector holds as much after its first season report
    /// anyway (docs/collector.md). 0 reads nothing ahead. At most 366.
    #[arg(long, env = "LINKSHELF_COLLECTOR_WARM_DAYS", default_value_t = 90)]
    pub warm_days: u32,

    /// Log format: text for a terminal, json for a log collector.
    #[arg(long, env = "LINKSHELF_COLLECTOR_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Without a command the collector serves.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// Print an affiliate's own report link: their figures only, signed with
    /// --report-secret (best given as LINKSHELF_COLLECTOR_REPORT_SECRET, so it stays out
    /// of the shell history), valid for --days.
    AffiliateLink(AffiliateLink),
}

#[derive(Clone, Debug, clap::Args)]
pub struct AffiliateLink {
    /// The affiliate's handle, as in the brand's config (`juno.park`).
    #[arg(long)]
    pub handle: String,
    /// How many days the link works, 1 to 365.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// The collector's public address, as the affiliate will open it
    /// (`https://stats.brand.example`).
    #[arg(long)]
    pub base_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--allowed-origins: {0:?} is not an origin; write it as scheme://host[:port] with no path, e.g. https://shop.example")]
    Origin(String),
    #[error("--read-token must be at least 16 characters (anyone who guesses it reads your sales)")]
    ShortToken,
    #[error(
        "--report-secret must be at least {} bytes (anyone who guesses it reads every affiliate's sales); \
         make one with `openssl rand -hex 32`",
        credential::MIN_SECRET_BYTES
    )]
    ShortReportSecret,
    #[error("--read-token is required when listening on {0}, which is not a loopback address: the stats would be open to anyone")]
    OpenStats(SocketAddr),
    #[error("--stripe-webhook-secret should be the endpoint's signing secret, which starts with whsec_")]
    StripeSecret,
    #[error("--{0}-webhook-secret is empty")]
    EmptySecret(&'static str),
    #[error("--rate-burst must be at least 1 when --rate-limit is on")]
    Burst,
    #[error("--forward-posthog-host must start with https:// (or http:// for a local relay)")]
    ForwardHost,
    #[error("--forward-posthog-key must be the project's public key (phc_…), never a personal API key")]
    ForwardKey,
    #[error("--forward-interval-secs must be from 1 to 3600")]
    ForwardInterval,
    #[error("--attribution-window-hours must be from 1 to 8760")]
    Window,
    #[error("--db {0}: the folder does not exist")]
    DbFolder(PathBuf),
    #[error(
        "--clickhouse-url must be the HTTP interface's address, http://host:port or https://host:port (got {0:?})"
    )]
    ClickHouseUrl(String),
    #[error(
        "--clickhouse-{0} must be a ClickHouse name: letters, digits and '_', not starting with a digit (got {1:?})"
    )]
    ClickHouseName(&'static str, String),
    #[error("--clickhouse-batch-rows must be from 1 to 100000")]
    ClickHouseBatch,
    #[error("--clickhouse-interval-ms must be from 10 to 60000")]
    ClickHouseInterval,
    #[error("--clickhouse-days-every-secs must be from 1 to 86400")]
    ClickHouseDaysEvery,
    #[error("--buffer-budget-mb must be at least 1")]
    BufferBudget,
    #[error(
        "--retention-days must be at least {0}: events arrive up to 8 days late, and an order looks back \
         --attribution-window-hours for its click"
    )]
    Retention(u32),
    #[error("--warm-days must be from 0 to {}", crate::stats_source::MAX_WARM_DAYS)]
    WarmDays,
}

impl Config {
    /// Every rule the settings must meet; the first broken one is reported.
    pub fn check(&self) -> Result<(), ConfigError> {
        for origin in &self.allowed_origins {
            if !is_origin(origin) {
                return Err(ConfigError::Origin(origin.clone()));
            }
        }
        match &self.read_token {
            Some(t) if t.chars().count() < 16 => return Err(ConfigError::ShortToken),
            None if !self.listen.ip().is_loopback() => return Err(ConfigError::OpenStats(self.listen)),
            _ => {}
        }
        if self.report_secret.as_deref().is_some_and(|s| credential::check_secret(s).is_err()) {
            return Err(ConfigError::ShortReportSecret);
        }
        if self.stripe_webhook_secret.as_deref().is_some_and(|s| !s.starts_with("whsec_")) {
            return Err(ConfigError::StripeSecret);
        }
        let secrets = [("shopify", &self.shopify_webhook_secret), ("lemonsqueezy", &self.lemonsqueezy_webhook_secret)];
        if let Some((name, _)) = secrets.iter().find(|(_, s)| s.as_deref().is_some_and(str::is_empty)) {
            return Err(ConfigError::EmptySecret(name));
        }
        if self.rate_limit > 0 && self.rate_burst == 0 {
            return Err(ConfigError::Burst);
        }
        if self.forward_posthog_host.as_deref().is_some_and(|h| !h.starts_with("https://") && !h.starts_with("http://"))
        {
            return Err(ConfigError::ForwardHost);
        }
        if self.forward_posthog_key.as_deref().is_some_and(|k| !k.starts_with("phc_")) {
            return Err(ConfigError::ForwardKey);
        }
        if !(1..=3600).contains(&self.forward_interval_secs) {
            return Err(ConfigError::ForwardInterval);
        }
        if !(1..=8760).contains(&self.attribution_window_hours) {
            return Err(ConfigError::Window);
        }
        if let Some(url) = &self.clickhouse_url {
            let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                return Err(ConfigError::ClickHouseUrl(url.clone()));
            }
        }
        if !is_name(&self.clickhouse_database) {
            return Err(ConfigError::ClickHouseName("database", self.clickhouse_database.clone()));
        }
        if let Some(cluster) = self.clickhouse_cluster.as_ref().filter(|c| !is_name(c)) {
            return Err(ConfigError::ClickHouseName("cluster", cluster.clone()));
        }
        if !(1..=crate::ship::MAX_BATCH_ROWS).contains(&self.clickhouse_batch_rows) {
            return Err(ConfigError::ClickHouseBatch);
        }
        if !(10..=60_000).contains(&self.clickhouse_interval_ms) {
            return Err(ConfigError::ClickHouseInterval);
        }
        if !(1..=86_400).contains(&self.clickhouse_days_every_secs) {
            return Err(ConfigError::ClickHouseDaysEvery);
        }
        if self.buffer_budget_mb == 0 {
            return Err(ConfigError::BufferBudget);
        }
        let shortest = crate::retention::min_days(self.attribution_window_hours);
        if self.retention_days.is_some_and(|d| d < shortest) {
            return Err(ConfigError::Retention(shortest));
        }
        if self.warm_days > crate::stats_source::MAX_WARM_DAYS {
            return Err(ConfigError::WarmDays);
        }
        let folder = self.db.parent().filter(|p| !p.as_os_str().is_empty());
        if folder.is_some_and(|f| !f.is_dir()) {
            return Err(ConfigError::DbFolder(self.db.clone()));
        }
        Ok(())
    }
}

impl Config {
    /// The attribution window in milliseconds: how long before an order its click may be.
    pub fn window_ms(&self) -> i64 {
        i64::from(self.attribution_window_hours) * 3_600_000
    }

    /// Where ClickHouse is, when one is configured.
    pub fn clickhouse(&self) -> Option<crate::clickhouse::Settings> {
        self.clickhouse_url.as_ref().map(|url| crate::clickhouse::Settings {
            url: url.trim_end_matches('/').to_owned(),
            database: self.clickhouse_database.clone(),
            cluster: self.clickhouse_cluster.clone(),
            user: self.clickhouse_user.clone(),
            password: self.clickhouse_password.clone(),
        })
    }

    /// How the shipper runs.
    pub fn shipping(&self) -> crate::ship::Options {
        crate::ship::Options {
            batch: self.clickhouse_batch_rows,
            interval: std::time::Duration::from_millis(self.clickhouse_interval_ms),
            budget_bytes: self.buffer_budget_mb.saturating_mul(1_000_000),
        }
    }
}

/// A database or cluster name that needs no quoting in SQL (it is put into DDL as is).
fn is_name(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && text.len() <= 64
}

/// `scheme://host[:port]`, as browsers send in the Origin header.
fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Config {
        let mut all = vec!["linkshelf-collector"];
        all.extend_from_slice(args);
        Config::try_parse_from(all).expect("parses")
    }

    #[test]
    fn defaults_are_valid_and_local() {
        let c = config(&[]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(c.check(), Ok(()));
    }

    #[test]
    fn refuses_bad_settings_with_a_reason() {
        let bad = |args: &[&str]| config(args).check().expect_err("refused");
        assert_eq!(
            bad(&["--allowed-origins", "https://a.example,https://b.example/"]),
            ConfigError::Origin("https://b.example/".into())
        );
        assert_eq!(bad(&["--read-token", "short"]), ConfigError::ShortToken);
        assert_eq!(bad(&["--report-secret", &"x".repeat(31)]), ConfigError::ShortReportSecret);
        assert!(matches!(bad(&["--listen", "0.0.0.0:8787"]), ConfigError::OpenStats(_)));
        assert_eq!(bad(&["--stripe-webhook-secret", "sk_live_x"]), ConfigError::StripeSecret);
        assert_eq!(bad(&["--rate-burst", "0"]), ConfigError::Burst);
        assert_eq!(bad(&["--attribution-window-hours", "0"]), ConfigError::Window);
        assert!(matches!(bad(&["--db", "/no/such/folder/x.sqlite"]), ConfigError::DbFolder(_)));
        assert_eq!(bad(&["--clickhouse-url", "127.0.0.1:8123"]), ConfigError::ClickHouseUrl("127.0.0.1:8123".into()));
        assert_eq!(bad(&["--clickhouse-url", "http://"]), ConfigError::ClickHouseUrl("http://".into()));
        assert_eq!(
            bad(&["--clickhouse-database", "shop; DROP TABLE x"]),
            ConfigError::ClickHouseName("database", "shop; DROP TABLE x".into())
        );
        assert_eq!(bad(&["--clickhouse-cluster", "1x"]), ConfigError::ClickHouseName("cluster", "1x".into()));
        assert_eq!(bad(&["--clickhouse-batch-rows", "0"]), ConfigError::ClickHouseBatch);
        assert_eq!(bad(&["--clickhouse-interval-ms", "5"]), ConfigError::ClickHouseInterval);
        assert_eq!(bad(&["--clickhouse-days-every-secs", "0"]), ConfigError::ClickHouseDaysEvery);
        assert_eq!(bad(&["--buffer-budget-mb", "0"]), ConfigError::BufferBudget);
        assert_eq!(bad(&["--retention-days", "8"]), ConfigError::Retention(9));
        assert_eq!(bad(&["--warm-days", "367"]), ConfigError::WarmDays);
        assert_eq!(bad(&["--retention-days", "20", "--attribution-window-hours", "720"]), ConfigError::Retention(30));
        assert_eq!(config(&["--retention-days", "9"]).check(), Ok(()));
        for days in ["0", "366"] {
            assert_eq!(config(&["--warm-days", days]).check(), Ok(()), "{days}");
        }
        let ch = config(&["--clickhouse-url", "http://127.0.0.1:8123/", "--clickhouse-cluster", "linkshelf"]);
        assert_eq!(ch.check(), Ok(()));
        let settings = ch.clickhouse().expect("configured");
        assert_eq!((settings.url.as_str(), settings.database.as_str()), ("http://127.0.0.1:8123", "linkshelf"));
        assert_eq!(ch.shipping().budget_bytes, 1024 * 1_000_000);
        assert!(config(&[]).clickhouse().is_none(), "SQLite alone unless a URL is given");
        let forward = |host: &str, key: &str| bad(&["--forward-posthog-host", host, "--forward-posthog-key", key]);
        assert_eq!(forward("eu.i.posthog.com", "phc_x"), ConfigError::ForwardHost);
        assert_eq!(forward("https://eu.i.posthog.com", "phx_secret"), ConfigError::ForwardKey);
        assert!(
            Config::try_parse_from(["c", "--forward-posthog-host", "https://eu.i.posthog.com"]).is_err(),
            "a host needs a key"
        );
        let ok = config(&[
            "--listen",
            "0.0.0.0:8787",
            "--read-token",
            "0123456789abcdef",
            "--allowed-origins",
            "http://127.0.0.1:8080,https://shop.example",
        ]);
        assert_eq!(ok.check(), Ok(()));
        assert_eq!(ok.allowed_origins.len(), 2);
    }

    #[test]
    fn the_affiliate_link_command_takes_the_secret_before_or_after_it() {
        let secret = "0123456789abcdef0123456789abcdef";
        for args in [
            vec![
                "c",
                "--report-secret",
                secret,
                "affiliate-link",
                "--handle",
                "juno.park",
                "--base-url",
                "https://s.example",
            ],
            vec![
                "c",
                "affiliate-link",
                "--handle",
                "juno.park",
                "--base-url",
                "https://s.example",
                "--report-secret",
                secret,
            ],
        ] {
            let c = Config::try_parse_from(&args).expect("parses");
            assert_eq!(c.report_secret.as_deref(), Some(secret));
            let Some(Command::AffiliateLink(link)) = c.command else { panic!("no command: {args:?}") };
            assert_eq!(
                (link.handle.as_str(), link.days, link.base_url.as_str()),
                ("juno.park", 90, "https://s.example")
            );
        }
        assert!(
            Config::try_parse_from(["c", "affiliate-link", "--base-url", "https://s.example"]).is_err(),
            "a handle"
        );
        assert!(config(&[]).command.is_none(), "without a command it serves");
    }
}
