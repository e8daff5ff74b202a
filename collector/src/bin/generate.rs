//! `linkshelf-collector-generate`: fills a SQLite file with N storefront events over a
//! season, through the collector's own parsing and insert code, so the stats benchmark
//! (scripts/bench-collector.sh with STATS_N) can time `GET /v1/stats` at 10^6 events and
//! more without waiting for ingest to send them.

use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Fill a linkshelf-collector database with generated events (a benchmark fixture)")]
struct Args {
    /// The database file to create (must not exist: a fixture is never mixed with real data).
    #[arg(long)]
    db: PathBuf,
    /// Events to write.
    #[arg(long)]
    events: u64,
    /// Days the events spread over, ending now.
    #[arg(long, default_value_t = 90)]
    days: i64,
    /// The season's end, Unix ms (default: now).
    #[arg(long)]
    end_ms: Option<i64>,
    /// Leave the events raw: no daily rollup (to time stats as they were before it).
    #[arg(long)]
    raw: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.db.exists() {
        anyhow::bail!("{} exists; the generator only creates new files", args.db.display());
    }
    let end_ms = args.end_ms.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    });
    let started = Instant::now();
    let written = linkshelf_collector::generate::fill(&args.db, args.events, end_ms, args.days, |rows| {
        eprintln!("  {rows} rows, {:.0} s", started.elapsed().as_secs_f64());
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let rolling = Instant::now();
    let rollup_rows = if args.raw { 0 } else { linkshelf_collector::generate::roll_up(&args.db)? };
    println!(
        "generated={written} seconds={seconds:.1} rows_per_second={:.0} end_ms={end_ms} days={} rollup_rows={rollup_rows} rollup_seconds={:.1}",
        written as f64 / seconds.max(1e-9),
        args.days,
        rolling.elapsed().as_secs_f64()
    );
    Ok(())
}
