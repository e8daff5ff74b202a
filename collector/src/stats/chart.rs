//! The report's charts as inline SVG, drawn on the server: no script, readable at 360 px
//! (a `viewBox` scaled to the page's width), and accessible (a `<title>` and `<desc>`
//! named by `aria-labelledby`, every bar labelled with its figure in text, so nothing is
//! told by colour alone). Each chart is a pure function of its figures, so the geometry
//! is tested without a browser; the report puts the table of the same figures below it.
//!
//! Coordinates are written with one decimal and stay under 1000: a chart adds no long
//! run of digits that could be mistaken for a figure (the privacy tests look for those).

use super::sentence::grouped;
use maud::{html, Markup};

/// The drawing's width in user units: a 360 px phone shows it at scale 1, so a font
/// size here is the size read on a phone.
pub const WIDTH: f64 = 360.0;
/// The longest bar of a horizontal chart; the rest of the width holds its figure.
const BAR_MAX: f64 = 200.0;
/// Labels longer than this are cut in the drawing (the table below has them whole).
const LABEL_CHARS: usize = 44;

/// One series of bars, drawn in its own style and named in the legend and in each bar's
/// figure (e.g. verified solid, unverified hatched).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Solid,
    Hatched,
}

/// One row of a horizontal bar chart: a label above one bar per series.
#[derive(Clone, Debug, PartialEq)]
pub struct BarRow {
    pub label: String,
    /// (value, its figure as text) per series, in the chart's series order.
    pub bars: Vec<(f64, String)>,
}

fn n(x: f64) -> String {
    format!("{:.1}", if x.is_finite() { x } else { 0.0 })
}

/// `text` cut to `LABEL_CHARS` characters (on a character boundary), with an ellipsis.
pub fn cut(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// The `<svg>` frame every chart shares: role, title, description, size.
fn frame(id: &str, title: &str, desc: &str, height: f64, defs: Markup, body: Markup) -> Markup {
    html! {
        svg role="img" aria-labelledby={ (id) "-t " (id) "-d" } viewBox={ "0 0 " (n(WIDTH)) " " (n(height)) }
            width="100%" preserveAspectRatio="xMinYMin meet" {
            title id={ (id) "-t" } { (title) }
            desc id={ (id) "-d" } { (desc) }
            (defs)
            (body)
        }
    }
}

/// The hatch pattern of a [`Style::Hatched`] series, one per chart (ids are per page).
fn hatch(id: &str) -> Markup {
    html! {
        defs {
            pattern id={ (id) "-h" } patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)" {
                rect.hb width="5" height="5" {}
                line.hl x1="0" y1="0" x2="0" y2="5" {}
            }
        }
    }
}

fn bar_rect(id: &str, style: Style, x: f64, y: f64, w: f64, h: f64, tip: &str) -> Markup {
    html! {
        @match style {
            Style::Solid => rect.s0 x=(n(x)) y=(n(y)) width=(n(w)) height=(n(h)) { title { (tip) } },
            Style::Hatched => rect.s1 x=(n(x)) y=(n(y)) width=(n(w)) height=(n(h)) fill={ "url(#" (id) "-h)" } { title { (tip) } },
        }
    }
}

/// A horizontal bar chart: each row's label on its own line (long names fit a phone),
/// then one bar per series, as long as its value over the chart's largest, with its
/// figure written after it. `series` names each series and its style (the legend).
pub fn hbars(id: &str, title: &str, desc: &str, series: &[(&str, Style)], rows: &[BarRow]) -> Markup {
    const LABEL: f64 = 15.0;
    const BAR: f64 = 13.0;
    const GAP: f64 = 3.0;
    const ROW_GAP: f64 = 9.0;
    let max = rows.iter().flat_map(|r| r.bars.iter().map(|b| b.0)).fold(0.0_f64, f64::max);
    let legend = if series.len() > 1 { 22.0 } else { 0.0 };
    let row_height = LABEL + series.len() as f64 * (BAR + GAP) + ROW_GAP;
    let height = legend + rows.len() as f64 * row_height + 2.0;
    let body = html! {
        @if series.len() > 1 {
            @for (i, (name, style)) in series.iter().enumerate() {
                @let x = i as f64 * 120.0;
                (bar_rect(id, *style, x, 2.0, 14.0, 12.0, name))
                text x=(n(x + 19.0)) y="12.5" { (name) }
            }
        }
        @for (i, row) in rows.iter().enumerate() {
            @let top = legend + i as f64 * row_height;
            text.l x="0" y=(n(top + 11.0)) { (cut(&row.label)) }
            @for (j, (value, figure)) in row.bars.iter().enumerate() {
                @let style = series.get(j).map_or(Style::Solid, |s| s.1);
                @let y = top + LABEL + j as f64 * (BAR + GAP);
                @let w = if max > 0.0 { (value / max * BAR_MAX).max(0.0) } else { 0.0 };
                // A bar of a non-zero figure stays visible however small its share.
                @let w = if *value > 0.0 { w.max(1.5) } else { w };
                (bar_rect(id, style, 0.0, y, w, BAR, &format!("{}: {figure}", row.label)))
                text x=(n(w + 4.0)) y=(n(y + 10.5)) { (figure) }
            }
        }
    };
    let defs = if series.iter().any(|s| s.1 == Style::Hatched) {
        hatch(id)
    } else {
        html! {}
    };
    frame(id, title, desc, height, defs, body)
}

/// One band of [`columns`]: a measure counted per period.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// What is counted, plural ("visits").
    pub name: String,
    pub style: Style,
    pub values: Vec<u64>,
}

/// Small multiples: one band of columns per measure, each scaled to its own largest
/// period (visits outnumber orders a hundredfold; one shared axis would flatten the
/// orders to nothing), its total and peak written above it, and the periods' first and
/// last dates under the last band. Each column has a tooltip with its date and count.
/// `per` names a period ("day", "7 days").
pub fn columns(id: &str, title: &str, desc: &str, per: &str, dates: &[String], bands: &[Band]) -> Markup {
    const HEAD: f64 = 16.0;
    const PLOT: f64 = 34.0;
    const BAND_GAP: f64 = 10.0;
    let periods = dates.len().max(1) as f64;
    let slot = WIDTH / periods;
    let width = (slot * 0.8).max(0.8);
    let band_height = HEAD + PLOT + BAND_GAP;
    let height = bands.len() as f64 * band_height + 14.0;
    let body = html! {
        @for (i, band) in bands.iter().enumerate() {
            @let top = i as f64 * band_height;
            @let max = band.values.iter().copied().max().unwrap_or(0);
            @let total: u64 = band.values.iter().sum();
            text.l x="0" y=(n(top + 11.0)) {
                (band.name) ": " (grouped(total)) " in all"
                @if max > 0 { ", at most " (grouped(max)) " per " (per) }
            }
            line.axis x1="0" x2=(n(WIDTH)) y1=(n(top + HEAD + PLOT)) y2=(n(top + HEAD + PLOT)) {}
            @for (j, v) in band.values.iter().enumerate() {
                @if *v > 0 {
                    @let h = (*v as f64 / max as f64 * PLOT).max(1.5);
                    @let tip = format!("{} · {}: {}", dates.get(j).map_or("", String::as_str), band.name, grouped(*v));
                    (bar_rect(id, band.style, j as f64 * slot + (slot - width) / 2.0, top + HEAD + PLOT - h, width, h, &tip))
                }
            }
        }
        @if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
            @let y = bands.len() as f64 * band_height + 2.0;
            text x="0" y=(n(y)) { (first) }
            @if dates.len() > 1 {
                text x=(n(WIDTH)) y=(n(y)) text-anchor="end" { (last) }
            }
        }
    };
    let defs = if bands.iter().any(|b| b.style == Style::Hatched) {
        hatch(id)
    } else {
        html! {}
    };
    frame(id, title, desc, height, defs, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(svg: &str) -> Vec<f64> {
        svg.split("<rect class=\"s")
            .skip(1)
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn bars_are_as_long_as_their_share_of_the_largest() {
        let rows = vec![
            BarRow { label: "tiktok".into(), bars: vec![(600.0, "6.00 EUR verified".into())] },
            BarRow { label: "instagram".into(), bars: vec![(300.0, "3.00 EUR verified".into())] },
            BarRow { label: "(none)".into(), bars: vec![(0.0, "0.00 EUR verified".into())] },
        ];
        let svg =
            hbars("c1", "Verified revenue by source", "tiktok brought 67 %.", &[("verified", Style::Solid)], &rows)
                .into_string();
        assert_eq!(widths(&svg), [200.0, 100.0, 0.0]);
        assert!(svg.contains(r#"<svg role="img" aria-labelledby="c1-t c1-d""#), "{svg}");
        assert!(svg.contains(r#"<title id="c1-t">Verified revenue by source</title>"#), "{svg}");
        assert!(svg.contains(r#"<desc id="c1-d">tiktok brought 67 %.</desc>"#), "{svg}");
        assert!(svg.contains(">6.00 EUR verified</text>"), "every bar says its figure: {svg}");
        assert!(svg.contains(r#"width="100%""#) && svg.contains(r#"viewBox="0 0 360.0 "#), "{svg}");
        // One series: no legend, no pattern.
        assert!(!svg.contains("<pattern"), "{svg}");
    }

    #[test]
    fn a_second_series_is_hatched_and_named_in_the_legend() {
        let rows = vec![BarRow {
            label: "JUNO15".into(),
            bars: vec![(500.0, "5.00 EUR verified".into()), (1000.0, "10.00 EUR unverified".into())],
        }];
        let series = [("verified", Style::Solid), ("unverified", Style::Hatched)];
        let svg = hbars("c2", "t", "d", &series, &rows).into_string();
        assert_eq!(widths(&svg), [14.0, 14.0, 100.0, 200.0], "legend swatches, then the bars");
        assert!(svg.contains(r#"<pattern id="c2-h""#) && svg.contains(r#"fill="url(#c2-h)""#), "{svg}");
        assert!(svg.contains(">verified</text>") && svg.contains(">unverified</text>"), "{svg}");
        // A tiny share stays visible.
        let tiny = vec![
            BarRow { label: "a".into(), bars: vec![(1.0, "0.01".into())] },
            BarRow { label: "b".into(), bars: vec![(100_000.0, "1000.00".into())] },
        ];
        assert_eq!(widths(&hbars("c3", "t", "d", &[("v", Style::Solid)], &tiny).into_string()), [1.5, 200.0]);
    }

    #[test]
    fn creator_text_is_escaped_and_long_names_are_cut_on_a_character() {
        let label = "<script>alert(1)</script> & \"Ünïcødé\" ".repeat(3);
        let rows = vec![BarRow { label: label.clone(), bars: vec![(1.0, "1 <b>".into())] }];
        let svg = hbars("c4", "<t>", "\"d\"", &[("v", Style::Solid)], &rows).into_string();
        assert!(!svg.contains("<script>") && !svg.contains("<b>") && !svg.contains("<t>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Ünïcødé&quot;"), "{svg}");
        let short = cut(&label);
        assert_eq!(short.chars().count(), 44);
        assert!(short.ends_with('…'));
        assert_eq!(cut("tiktok"), "tiktok");
    }

    #[test]
    fn columns_scale_each_band_to_its_own_peak() {
        let dates: Vec<String> = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"].map(String::from).to_vec();
        let bands = vec![
            Band { name: "visits".into(), style: Style::Solid, values: vec![100, 50, 0, 25] },
            Band { name: "verified orders".into(), style: Style::Solid, values: vec![0, 2, 1, 0] },
        ];
        let svg = columns("c5", "Funnel per day", "d", "day", &dates, &bands).into_string();
        let heights: Vec<f64> = svg
            .split("<rect class=\"s0\"")
            .skip(1)
            .filter_map(|r| r.split("height=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(heights, [34.0, 17.0, 8.5, 34.0, 17.0], "each band's peak is full height");
        assert!(svg.contains(">visits: 175 in all, at most 100 per day</text>"), "{svg}");
        assert!(svg.contains("<title>2026-11-02 · verified orders: 2</title>"), "{svg}");
        assert!(svg.contains(">2026-11-01</text>") && svg.contains(">2026-11-04</text>"), "{svg}");
        // Columns sit in their slot: 90 units each, 72 wide.
        assert!(svg.contains(r#"x="9.0" y="16.0" width="72.0" height="34.0""#), "{svg}");
    }
}
