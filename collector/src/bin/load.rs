//! Load generator for the collector's benchmark (filled in by the benchmark commit).
fn main() {}
