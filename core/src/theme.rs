//! Accessible colours from one creator accent, on one of the looks a creator picks.
//!
//! A look ([`Preset`]) is a coherent set: background and surface colours for light and
//! dark, a heading font (system font stacks only: no font file weighs on the first
//! load), button shape and card style. It is written into the page's `<head>` as CSS
//! custom properties ([`css_variables`]), only the chosen one.
//!
//! A creator picks any accent. Filled buttons use it as the background with black or
//! white text (whichever contrasts more: one of them always reaches 4.5:1). Text and
//! links in the accent colour are darkened (light theme) or lightened (dark theme)
//! just enough to reach WCAG AA (4.5:1) against every background they sit on, so the
//! brand colour survives and stays readable.

use crate::model::Theme;
use serde::{Deserialize, Serialize};

/// The looks a creator can pick (`theme.preset` in the config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Preset {
    /// Warm paper, system sans-serif, softly rounded buttons, outlined cards.
    #[default]
    Studio,
    /// Crisp white (or true black), heavy headings, pill buttons, flat grey cards.
    Bold,
    /// Cream pages, book serif headings, square-cut buttons, hairline cards.
    Editorial,
    /// Blush pink, rounded headings, pill buttons, soft floating cards.
    Soft,
    /// Black on white, monospace headings, square buttons, heavy outlined cards.
    Mono,
}

/// One colour scheme of a look. Every colour here is checked by tests for WCAG AA
/// against the others it is used with.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub bg: &'static str,
    pub surface: &'static str,
    pub surface_muted: &'static str,
    pub text: &'static str,
    pub text_muted: &'static str,
    pub border: &'static str,
    pub border_strong: &'static str,
    /// Text for applied codes and prices with a code (the `--success` token).
    pub success: &'static str,
    pub card_shadow: &'static str,
}

/// A whole look: both schemes plus the shapes and the heading font.
#[derive(Clone, Copy, Debug)]
pub struct Look {
    pub light: Palette,
    pub dark: Palette,
    /// A system font stack (`--font-heading`).
    pub heading_font: &'static str,
    pub heading_weight: &'static str,
    /// Buttons, code boxes and pictures (`--radius-s`).
    pub button_radius: &'static str,
    /// Cards (`--radius-m`).
    pub card_radius: &'static str,
    /// `--card-border`: an outline, or `0` for cards set apart by colour or shadow.
    pub card_border: &'static str,
}

const SANS: &str = r#"system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif"#;

impl Preset {
    pub const ALL: [Preset; 5] = [Preset::Studio, Preset::Bold, Preset::Editorial, Preset::Soft, Preset::Mono];

    /// Its name in the config.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Studio => "studio",
            Preset::Bold => "bold",
            Preset::Editorial => "editorial",
            Preset::Soft => "soft",
            Preset::Mono => "mono",
        }
    }

    pub fn parse(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn look(self) -> Look {
        match self {
            // The defaults of `style/tokens.css` (a test checks they agree).
            Preset::Studio => Look {
                light: Palette {
                    bg: "#f6f3ee",
                    surface: "#ffffff",
                    surface_muted: "#efeae2",
                    text: "#1f1b16",
                    text_muted: "#5c554c",
                    border: "#e4ddd2",
                    border_strong: "#b9afa1",
                    success: "#1d6b3a",
                    card_shadow: "none",
                },
                dark: Palette {
                    bg: "#15130f",
                    surface: "#211e19",
                    surface_muted: "#2d2923",
                    text: "#f3eee7",
                    text_muted: "#b8afa3",
                    border: "#39342c",
                    border_strong: "#6b6357",
                    success: "#5cc283",
                    card_shadow: "none",
                },
                heading_font: SANS,
                heading_weight: "700",
                button_radius: "10px",
                card_radius: "16px",
                card_border: "1px solid var(--border)",
            },
            Preset::Bold => Look {
                light: Palette {
                    bg: "#ffffff",
                    surface: "#f4f4f5",
                    surface_muted: "#e7e7ea",
                    text: "#0a0a0a",
                    text_muted: "#52525b",
                    border: "#e4e4e7",
                    border_strong: "#a1a1aa",
                    success: "#166534",
                    card_shadow: "none",
                },
                dark: Palette {
                    bg: "#09090b",
                    surface: "#18181b",
                    surface_muted: "#27272a",
                    text: "#fafafa",
                    text_muted: "#a1a1aa",
                    border: "#27272a",
                    border_strong: "#52525b",
                    success: "#4ade80",
                    card_shadow: "none",
                },
                heading_font: r#""Arial Black", "Helvetica Neue", Helvetica, Arial, system-ui, sans-serif"#,
                heading_weight: "900",
                button_radius: "999px",
                card_radius: "20px",
                card_border: "0",
            },
            Preset::Editorial => Look {
                light: Palette {
                    bg: "#fbf8f1",
                    surface: "#fffdf8",
                    surface_muted: "#f1ebdf",
                    text: "#231f1a",
                    text_muted: "#5e564b",
                    border: "#e6dccb",
                    border_strong: "#b3a58e",
                    success: "#1d6b3a",
                    card_shadow: "none",
                },
                dark: Palette {
                    bg: "#1a1714",
                    surface: "#221e1a",
                    surface_muted: "#2e2924",
                    text: "#f2ece2",
                    text_muted: "#bdb2a3",
                    border: "#3a332b",
                    border_strong: "#6e6456",
                    success: "#6fcf97",
                    card_shadow: "none",
                },
                heading_font: r#""Iowan Old Style", "Palatino Linotype", Palatino, "Book Antiqua", Georgia, serif"#,
                heading_weight: "700",
                button_radius: "2px",
                card_radius: "4px",
                card_border: "1px solid var(--border)",
            },
            Preset::Soft => Look {
                light: Palette {
                    bg: "#fdf2f4",
                    surface: "#ffffff",
                    surface_muted: "#fbe4e9",
                    text: "#2a1a1f",
                    text_muted: "#69474f",
                    border: "#f5d5dd",
                    border_strong: "#d4a5b3",
                    success: "#17643a",
                    card_shadow: "0 6px 20px rgba(120, 40, 70, 0.10)",
                },
                dark: Palette {
                    bg: "#1c1418",
                    surface: "#271c21",
                    surface_muted: "#34262c",
                    text: "#fbeef2",
                    text_muted: "#c9afb8",
                    border: "#3f2d34",
                    border_strong: "#7a5a66",
                    success: "#6fd49a",
                    card_shadow: "0 6px 20px rgba(0, 0, 0, 0.35)",
                },
                heading_font: r#"ui-rounded, "SF Pro Rounded", "Arial Rounded MT Bold", Nunito, system-ui, sans-serif"#,
                heading_weight: "800",
                button_radius: "999px",
                card_radius: "24px",
                card_border: "0",
            },
            Preset::Mono => Look {
                light: Palette {
                    bg: "#ffffff",
                    surface: "#ffffff",
                    surface_muted: "#f0f0f0",
                    text: "#000000",
                    text_muted: "#4a4a4a",
                    border: "#000000",
                    border_strong: "#000000",
                    success: "#115e2d",
                    card_shadow: "none",
                },
                dark: Palette {
                    bg: "#000000",
                    surface: "#0b0b0b",
                    surface_muted: "#1f1f1f",
                    text: "#ffffff",
                    text_muted: "#b5b5b5",
                    border: "#ffffff",
                    border_strong: "#ffffff",
                    success: "#5ee08f",
                    card_shadow: "none",
                },
                heading_font: r#"ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace"#,
                heading_weight: "700",
                button_radius: "0",
                card_radius: "0",
                card_border: "2px solid var(--border)",
            },
        }
    }
}

/// Backgrounds accent-coloured text can sit on, per scheme, in a look.
pub fn backgrounds_of(palette: &Palette) -> [&'static str; 2] {
    [palette.bg, palette.surface]
}

/// WCAG AA for normal text.
pub const AA: f64 = 4.5;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Reads `#rgb` or `#rrggbb` (any case).
    pub fn parse(hex: &str) -> Option<Rgb> {
        let digits = hex.strip_prefix('#')?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match digits.len() {
            3 => {
                let d: Vec<String> = digits.chars().map(|c| format!("{c}{c}")).collect();
                Some(Rgb(channel(&d[0])?, channel(&d[1])?, channel(&d[2])?))
            }
            6 => Some(Rgb(channel(&digits[0..2])?, channel(&digits[2..4])?, channel(&digits[4..6])?)),
            _ => None,
        }
    }

    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2.x relative luminance.
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

const BLACK: Rgb = Rgb(0, 0, 0);
const WHITE: Rgb = Rgb(255, 255, 255);

fn backgrounds(palette: &Palette) -> Vec<Rgb> {
    backgrounds_of(palette).iter().filter_map(|h| Rgb::parse(h)).collect()
}

/// Moves `color` towards `target` in small steps until it reaches AA against every
/// background; the smallest change that works keeps the hue recognisable.
fn readable_on(color: Rgb, bgs: &[Rgb], target: Rgb) -> Rgb {
    (0..=100)
        .map(|step| color.mix(target, f64::from(step) / 100.0))
        .find(|c| bgs.iter().all(|bg| contrast(*c, *bg) >= AA))
        .unwrap_or(target)
}

/// Derives every accent colour the page uses from the creator's accent, for the
/// backgrounds of `preset`.
pub fn derive(accent: Rgb, preset: Preset) -> Theme {
    let on_accent = if contrast(accent, BLACK) >= contrast(accent, WHITE) { BLACK } else { WHITE };
    let look = preset.look();
    Theme {
        preset,
        accent: accent.to_hex(),
        on_accent: on_accent.to_hex(),
        accent_text_light: readable_on(accent, &backgrounds(&look.light), BLACK).to_hex(),
        accent_text_dark: readable_on(accent, &backgrounds(&look.dark), WHITE).to_hex(),
    }
}

fn palette_css(p: &Palette) -> String {
    format!(
        "--bg:{};--surface:{};--surface-muted:{};--text:{};--text-muted:{};--border:{};--border-strong:{};--success:{};--card-shadow:{}",
        p.bg, p.surface, p.surface_muted, p.text, p.text_muted, p.border, p.border_strong, p.success, p.card_shadow
    )
}

/// The CSS custom properties for a theme, inlined into the page's `<head>` so the
/// first paint already has the creator's look and colours: the accent's, and the
/// preset's (only when it is not the default, whose values `style/tokens.css` holds).
pub fn css_variables(theme: &Theme) -> String {
    let accent = format!(
        ":root{{--accent:{};--on-accent:{};--accent-text-light:{};--accent-text-dark:{}}}",
        theme.accent, theme.on_accent, theme.accent_text_light, theme.accent_text_dark
    );
    if theme.preset == Preset::Studio {
        return accent;
    }
    let look = theme.preset.look();
    // `html:root`: this `<style>` comes before the stylesheet, whose `:root` holds the
    // default look; the higher specificity wins whatever the order.
    format!(
        "{accent}html:root{{{};--font-heading:{};--heading-weight:{};--radius-s:{};--radius-m:{};--card-border:{}}}\
         @media (prefers-color-scheme: dark){{html:root{{{}}}}}",
        palette_css(&look.light),
        look.heading_font,
        look.heading_weight,
        look.button_radius,
        look.card_radius,
        look.card_border,
        palette_css(&look.dark),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(hex: &str) -> Rgb {
        Rgb::parse(hex).expect("test colour")
    }

    #[test]
    fn parses_hex() {
        assert_eq!(Rgb::parse("#fff"), Some(WHITE));
        assert_eq!(Rgb::parse("#C2410C"), Some(Rgb(0xc2, 0x41, 0x0c)));
        assert_eq!(Rgb::parse("c2410c"), None);
        assert_eq!(Rgb::parse("#c2410"), None);
        assert_eq!(Rgb::parse("#ggg"), None);
        assert_eq!(Rgb::parse("#ééé"), None);
    }

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((contrast(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(rgb("#777777"), WHITE) - 4.48).abs() < 0.01);
    }

    const SAMPLE_ACCENTS: [&str; 12] = [
        "#ffff00", "#00ff00", "#c2410c", "#000000", "#ffffff", "#3b82f6", "#777777", "#ff69b4", "#1e1b4b", "#a9502c",
        "#0e7490", "#f5f5dc",
    ];

    #[test]
    fn every_preset_and_accent_meets_aa_in_light_and_dark() {
        for preset in Preset::ALL {
            let look = preset.look();
            for hex in SAMPLE_ACCENTS {
                let t = derive(rgb(hex), preset);
                assert!(contrast(rgb(&t.on_accent), rgb(hex)) >= AA, "{preset:?} {hex} on-accent");
                for (scheme, palette, text) in
                    [("light", look.light, &t.accent_text_light), ("dark", look.dark, &t.accent_text_dark)]
                {
                    for bg in backgrounds_of(&palette) {
                        assert!(contrast(rgb(text), rgb(bg)) >= AA, "{preset:?} {scheme}: {hex} as text on {bg}");
                    }
                }
            }
        }
    }

    /// The preset's own text colours read on every surface they sit on; focus rings
    /// and the live badge stay visible (3:1 for non-text).
    #[test]
    fn every_preset_palette_is_readable() {
        for preset in Preset::ALL {
            let look = preset.look();
            for (scheme, p, focus) in [("light", look.light, "#1a5fd0"), ("dark", look.dark, "#8ab4ff")] {
                for bg in [p.bg, p.surface, p.surface_muted] {
                    for (what, fg) in [("text", p.text), ("muted text", p.text_muted), ("success", p.success)] {
                        let c = contrast(rgb(fg), rgb(bg));
                        assert!(c >= AA, "{preset:?} {scheme}: {what} {fg} on {bg} is {c:.2}");
                    }
                    assert!(contrast(rgb(focus), rgb(bg)) >= 3.0, "{preset:?} {scheme}: focus ring on {bg}");
                }
                // Badges keep their own colours; the sold-out badge is text on bg inverted.
                assert!(contrast(rgb(p.bg), rgb(p.text)) >= AA, "{preset:?} {scheme}: sold-out badge");
            }
        }
    }

    #[test]
    fn presets_round_trip_by_name() {
        for preset in Preset::ALL {
            assert_eq!(Preset::parse(preset.name()), Some(preset));
        }
        assert_eq!(Preset::parse("Studio"), None, "names are lower case, as the config writes them");
        assert_eq!(Preset::default(), Preset::Studio);
    }

    #[test]
    fn an_already_readable_accent_is_kept() {
        let t = derive(rgb("#1e1b4b"), Preset::Studio);
        assert_eq!(t.accent_text_light, "#1e1b4b");
        assert_eq!(t.on_accent, "#ffffff");
    }

    #[test]
    fn the_default_preset_is_what_the_css_tokens_hold() {
        let css = include_str!("../../style/tokens.css");
        let look = Preset::Studio.look();
        for p in [look.light, look.dark] {
            for (token, value) in palette_css(&p).split(';').filter_map(|pair| pair.split_once(':')) {
                assert!(css.contains(&format!("{token}: {value};")), "style/tokens.css lacks {token}: {value}");
            }
        }
        for (token, value) in [
            ("--radius-s", look.button_radius),
            ("--radius-m", look.card_radius),
            ("--card-border", look.card_border),
            ("--heading-weight", look.heading_weight),
        ] {
            assert!(css.contains(&format!("{token}: {value};")), "style/tokens.css lacks {token}: {value}");
        }
    }

    #[test]
    fn only_another_preset_writes_its_tokens() {
        let studio = derive(rgb("#a9502c"), Preset::Studio);
        assert!(!css_variables(&studio).contains("--bg"));
        let mono = css_variables(&derive(rgb("#a9502c"), Preset::Mono));
        assert!(mono.contains("--bg:#ffffff") && mono.contains("--bg:#000000") && mono.contains("--radius-s:0;"));
        assert!(mono.contains("@media (prefers-color-scheme: dark)"));
    }
}
