//! Accessible colours from one creator accent.
//!
//! A creator picks any accent. Filled buttons use it as the background with black or
//! white text (whichever contrasts more: one of them always reaches 4.5:1). Text and
//! links in the accent colour are darkened (light theme) or lightened (dark theme)
//! just enough to reach WCAG AA (4.5:1) against every background they sit on, so the
//! brand colour survives and stays readable.

use crate::model::Theme;

/// Backgrounds accent-coloured text can sit on, per scheme. These must equal the
/// `--bg` and `--surface` tokens in `style/tokens.css` (a test checks).
pub const LIGHT_BACKGROUNDS: [&str; 2] = ["#f6f3ee", "#ffffff"];
pub const DARK_BACKGROUNDS: [&str; 2] = ["#15130f", "#211e19"];

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

fn backgrounds(list: &[&str]) -> Vec<Rgb> {
    list.iter().filter_map(|h| Rgb::parse(h)).collect()
}

/// Moves `color` towards `target` in small steps until it reaches AA against every
/// background; the smallest change that works keeps the hue recognisable.
fn readable_on(color: Rgb, bgs: &[Rgb], target: Rgb) -> Rgb {
    (0..=100)
        .map(|step| color.mix(target, f64::from(step) / 100.0))
        .find(|c| bgs.iter().all(|bg| contrast(*c, *bg) >= AA))
        .unwrap_or(target)
}

/// Derives every accent colour the page uses from the creator's accent.
pub fn derive(accent: Rgb) -> Theme {
    let on_accent = if contrast(accent, BLACK) >= contrast(accent, WHITE) { BLACK } else { WHITE };
    Theme {
        accent: accent.to_hex(),
        on_accent: on_accent.to_hex(),
        accent_text_light: readable_on(accent, &backgrounds(&LIGHT_BACKGROUNDS), BLACK).to_hex(),
        accent_text_dark: readable_on(accent, &backgrounds(&DARK_BACKGROUNDS), WHITE).to_hex(),
    }
}

/// The CSS custom properties for a theme, inlined into the page's `<head>` so the
/// first paint already has the creator's colours.
pub fn css_variables(theme: &Theme) -> String {
    format!(
        ":root{{--accent:{};--on-accent:{};--accent-text-light:{};--accent-text-dark:{}}}",
        theme.accent, theme.on_accent, theme.accent_text_light, theme.accent_text_dark
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

    #[test]
    fn every_derived_pair_meets_aa_for_many_accents() {
        for hex in ["#ffff00", "#00ff00", "#c2410c", "#000000", "#ffffff", "#3b82f6", "#777777", "#ff69b4", "#1e1b4b"] {
            let t = derive(rgb(hex));
            assert!(contrast(rgb(&t.on_accent), rgb(hex)) >= AA, "{hex} on-accent");
            for bg in LIGHT_BACKGROUNDS {
                assert!(contrast(rgb(&t.accent_text_light), rgb(bg)) >= AA, "{hex} light text on {bg}");
            }
            for bg in DARK_BACKGROUNDS {
                assert!(contrast(rgb(&t.accent_text_dark), rgb(bg)) >= AA, "{hex} dark text on {bg}");
            }
        }
    }

    #[test]
    fn an_already_readable_accent_is_kept() {
        let t = derive(rgb("#1e1b4b"));
        assert_eq!(t.accent_text_light, "#1e1b4b");
        assert_eq!(t.on_accent, "#ffffff");
    }

    #[test]
    fn backgrounds_match_the_css_tokens() {
        let css = include_str!("../../style/tokens.css");
        for hex in LIGHT_BACKGROUNDS.iter().chain(DARK_BACKGROUNDS.iter()) {
            assert!(css.contains(hex), "style/tokens.css lacks {hex}");
        }
    }
}
