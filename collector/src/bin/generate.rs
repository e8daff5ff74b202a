//! `linkshelf-collector-generate`: fills a SQLite file with N storefront events over a
//! season, through the collector's own parsing and insert code, so the stats benchmark
//! (scripts/bench-collector.sh with STATS_N) can time `GET /v1/stats` at 10^6 events and
//! more without waiting for ingest to send them. With `--clickhouse-url` it makes the
//! same rows inside ClickHouse instead (`generate_ch`: the benchmark's 10^8, CH_STATS_N).

use clap::Parser;
use linkshelf_collector::{ch_lookup, clickhouse as ch, generate, generate_ch};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Fill a linkshelf-collector database with generated events (a benchmark fixture)")]
struct Args {
    /// The database file to create (must not exist: a fixture is never mixed with real data).
    #[arg(long, required_unless_present = "clickhouse_url", conflicts_with = "clickhouse_url")]
    db: Option<PathBuf>,
    /// Events to write.
    #[arg(long)]
    events: u64,
    /// Days the events spread over, ending now.
    #[arg(long, default_value_t = 90)]
    days: i64,
    /// The season's end, Unix ms (default: now).
    #[arg(long)]
    end_ms: Option<i64>,
    /// An order for every other purchase, as a shop's webhook sends it with the checkout's
    /// code and no click id (`generate::order_of`), so reports join orders by code.
    /// (In ClickHouse the benchmark inserts its orders itself: CH_STATS_ORDERS.)
    #[arg(long, conflicts_with = "clickhouse_url")]
    orders: bool,
    /// Leave the events raw: no daily rollup (to time stats as they were before it).
    #[arg(long)]
    raw: bool,
    /// Generate inside this ClickHouse (HTTP URL) rather than into a SQLite file.
    #[arg(long)]
    clickhouse_url: Option<String>,
    /// The ClickHouse database (must hold no events: a fixture is never mixed with real
    /// data).
    #[arg(long, default_value = "linkshelf")]
    clickhouse_database: String,
    /// The cluster the tables are replicated on, as for the collector.
    #[arg(long)]
    clickhouse_cluster: Option<String>,
}

/// One `INSERT … SELECT` of ten million generated rows takes about a minute here.
const INSERT_TIMEOUT: Duration = Duration::from_secs(3600);

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let end_ms = args.end_ms.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    });
    let started = Instant::now();
    // What was written, the rollup rows, and how long generating and rolling up took.
    let (written, rollup_rows, generating, rolling) = match (&args.db, &args.clickhouse_url) {
        (Some(db), _) => {
            if db.exists() {
                anyhow::bail!("{} exists; the generator only creates new files", db.display());
            }
            let written = generate::fill(db, args.events, end_ms, args.days, args.orders, |rows| {
                eprintln!("  {rows} rows, {:.0} s", started.elapsed().as_secs_f64());
            })?;
            let generating = started.elapsed();
            let rolling = Instant::now();
            let rollup_rows = if args.raw { 0 } else { generate::roll_up(db)? };
            let orders: i64 =
                linkshelf_collector::store::open_reader(db)?
                    .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?;
            println!("orders={orders}");
            (written, rollup_rows, generating, rolling.elapsed())
        }
        (None, Some(url)) => {
            let settings = ch::Settings {
                url: url.clone(),
                database: args.clickhouse_database.clone(),
                cluster: args.clickhouse_cluster.clone(),
                user: "default".into(),
                password: None,
            };
            tokio::runtime::Runtime::new()?.block_on(in_clickhouse(
                &settings,
                args.events,
                end_ms,
                args.days,
                started,
            ))?;
            // (ClickHouse's day rollup is the collector's to make: `ch_days`.)
            (args.events, 0, started.elapsed(), Duration::ZERO)
        }
        (None, None) => anyhow::bail!("--db or --clickhouse-url is needed"),
    };
    let seconds = generating.as_secs_f64();
    println!(
        "generated={written} seconds={seconds:.1} rows_per_second={:.0} end_ms={end_ms} days={} rollup_rows={rollup_rows} rollup_seconds={:.1}",
        written as f64 / seconds.max(1e-9),
        args.days,
        rolling.as_secs_f64()
    );
    Ok(())
}

/// Makes the tables, then the season's events and their side tables' rows.
async fn in_clickhouse(
    settings: &ch::Settings,
    n: u64,
    end_ms: i64,
    days: i64,
    started: Instant,
) -> anyhow::Result<()> {
    let client = ch::prepare(settings).await?;
    let there: u64 = ch::timed(client.query("SELECT count() FROM events").fetch_one()).await?;
    if there > 0 {
        anyhow::bail!("{}.events holds {there} rows; the generator only fills empty tables", settings.database);
    }
    let mut done = 0;
    for sql in generate_ch::inserts(&settings.database, n, end_ms, days) {
        ch::timed_within(INSERT_TIMEOUT, client.query(&sql).execute()).await?;
        done = (done + generate_ch::ROWS_PER_INSERT).min(n);
        eprintln!("  {done} rows, {:.0} s", started.elapsed().as_secs_f64());
    }
    for sql in ch_lookup::backfill(&settings.database, "events") {
        ch::timed_within(INSERT_TIMEOUT, client.query(&sql).execute()).await?;
    }
    eprintln!("  side tables filled, {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
