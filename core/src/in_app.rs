//! In-app browsers: which app's browser a shopper is in, and how (if at all) the page
//! can hand itself to the phone's own browser.
//!
//! Most shoppers open a creator's link inside TikTok's, Instagram's or Facebook's
//! browser, where `.ics` downloads do nothing, the clipboard is unreliable and a tab
//! dies when the shopper swipes back. The apps document no way out, so each method here
//! is one that was observed to work on that app and system, with its date and source
//! (the README's "In-app browsers" table says the same): a method not known to work is
//! never offered, so there is never a dead button. "Copy link" is always there.
//!
//! Pure rules: the page reads the user agent once and asks this module; the early-tap
//! script gets the same table ([`IN_APP_BROWSERS`]) at build time.

use crate::locale::Key;

/// The app whose built-in browser shows the page; sent in every event's context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub enum InAppBrowser {
    #[cfg_attr(test, serde(rename = "instagram"))]
    Instagram,
    #[cfg_attr(test, serde(rename = "tiktok"))]
    Tiktok,
    #[cfg_attr(test, serde(rename = "facebook"))]
    Facebook,
    #[cfg_attr(test, serde(rename = "messenger"))]
    Messenger,
    #[cfg_attr(test, serde(rename = "snapchat"))]
    Snapchat,
    #[cfg_attr(test, serde(rename = "x"))]
    X,
    #[cfg_attr(test, serde(rename = "linkedin"))]
    Linkedin,
    #[cfg_attr(test, serde(rename = "pinterest"))]
    Pinterest,
    #[cfg_attr(test, serde(rename = "none"))]
    None,
}

/// Every value, [`InAppBrowser::None`] last.
pub const ALL: [InAppBrowser; 9] = [
    InAppBrowser::Instagram,
    InAppBrowser::Tiktok,
    InAppBrowser::Facebook,
    InAppBrowser::Messenger,
    InAppBrowser::Snapchat,
    InAppBrowser::X,
    InAppBrowser::Linkedin,
    InAppBrowser::Pinterest,
    InAppBrowser::None,
];

impl InAppBrowser {
    pub fn as_str(self) -> &'static str {
        match self {
            InAppBrowser::Instagram => "instagram",
            InAppBrowser::Tiktok => "tiktok",
            InAppBrowser::Facebook => "facebook",
            InAppBrowser::Messenger => "messenger",
            InAppBrowser::Snapchat => "snapchat",
            InAppBrowser::X => "x",
            InAppBrowser::Linkedin => "linkedin",
            InAppBrowser::Pinterest => "pinterest",
            InAppBrowser::None => "none",
        }
    }

    /// The app's name as shoppers know it.
    pub fn app_name(self) -> &'static str {
        match self {
            InAppBrowser::Instagram => "Instagram",
            InAppBrowser::Tiktok => "TikTok",
            InAppBrowser::Facebook => "Facebook",
            InAppBrowser::Messenger => "Messenger",
            InAppBrowser::Snapchat => "Snapchat",
            InAppBrowser::X => "X",
            InAppBrowser::Linkedin => "LinkedIn",
            InAppBrowser::Pinterest => "Pinterest",
            InAppBrowser::None => "",
        }
    }

    /// Reads the name [`InAppBrowser::as_str`] writes; anything else is `None`.
    pub fn parse(name: &str) -> InAppBrowser {
        ALL.into_iter().find(|b| b.as_str() == name).unwrap_or(InAppBrowser::None)
    }

    /// Detects from the user agent (which is read for this and never sent): the
    /// first entry of [`IN_APP_BROWSERS`] whose mark the user agent contains.
    pub fn detect(user_agent: &str) -> InAppBrowser {
        IN_APP_BROWSERS.iter().find(|(mark, _)| user_agent.contains(mark)).map_or(InAppBrowser::None, |(_, b)| *b)
    }
}

/// What each in-app browser writes into its user agent, checked in this order (the
/// more specific marks first: Messenger's before Facebook's, Instagram's before the
/// `FBAV` some of its versions also carry). One table for the app and for the page's
/// early-tap script (written into each page at build time), so both name a visit's
/// browser alike. Snapchat, X and LinkedIn on Android open links in a Custom Tab (the
/// shopper's own browser, with its own user agent), so they are found on iOS only;
/// that is right: there they are not in an in-app browser at all.
pub const IN_APP_BROWSERS: [(&str, InAppBrowser); 14] = [
    ("Instagram", InAppBrowser::Instagram),
    ("musical_ly", InAppBrowser::Tiktok),
    ("BytedanceWebview", InAppBrowser::Tiktok),
    ("TikTok", InAppBrowser::Tiktok),
    ("FB_IAB/MESSENGER", InAppBrowser::Messenger),
    ("MessengerForiOS", InAppBrowser::Messenger),
    ("FBAN", InAppBrowser::Facebook),
    ("FBAV", InAppBrowser::Facebook),
    ("FB_IAB", InAppBrowser::Facebook),
    ("MetaIAB", InAppBrowser::Facebook),
    ("Snapchat", InAppBrowser::Snapchat),
    ("Twitter", InAppBrowser::X),
    ("LinkedInApp", InAppBrowser::Linkedin),
    ("Pinterest", InAppBrowser::Pinterest),
];

/// The phone's system, which decides the way out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    Android,
    Ios,
    Other,
}

impl System {
    pub fn detect(user_agent: &str) -> System {
        if user_agent.contains("Android") {
            System::Android
        } else if ["iPhone", "iPad", "iPod"].iter().any(|d| user_agent.contains(d)) {
            System::Ios
        } else {
            System::Other
        }
    }
}

/// A way out of an in-app browser to one the shopper owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// Android: an `intent://` link without a package, which the system hands to the
    /// default browser.
    AndroidIntent,
    /// iOS: the `x-safari-https://` scheme, which opens Safari (not the shopper's
    /// default browser, so the button says Safari).
    SafariScheme,
}

impl Escape {
    /// The documented way out for `app` on `system`, if one is known to work.
    ///
    /// Sources (shalanah/inapp-debugger, tested on each app's then-latest version):
    /// Android intent links work in Instagram and Facebook (2024-11-03) and are "not
    /// dependable" in TikTok and broken in Messenger (its issue #11); iOS's Safari
    /// scheme works in Facebook, Messenger, TikTok and LinkedIn (2024-10-16), not in
    /// Snapchat. Instagram on iOS is left out on purpose: its issue #22 reports the
    /// Safari escape broken on iOS 26.4.1, the current system as of this table.
    /// Pinterest and X are untested there, so they get "Copy link" only.
    pub fn for_app(app: InAppBrowser, system: System) -> Option<Escape> {
        use InAppBrowser as App;
        match (system, app) {
            (System::Android, App::Instagram | App::Facebook) => Some(Escape::AndroidIntent),
            (System::Ios, App::Facebook | App::Messenger | App::Tiktok | App::Linkedin) => Some(Escape::SafariScheme),
            _ => None,
        }
    }

    /// The link that opens `url` (an absolute `http(s)` URL) outside the app; `None`
    /// for anything else.
    pub fn link(self, url: &str) -> Option<String> {
        let (scheme, rest) = url.split_once("://")?;
        if !matches!(scheme, "http" | "https") || rest.is_empty() {
            return None;
        }
        Some(match self {
            // The fragment is the intent's; a page fragment would end up inside it.
            Escape::AndroidIntent => {
                let rest = rest.split('#').next().unwrap_or(rest);
                format!("intent://{rest}#Intent;scheme={scheme};end")
            }
            Escape::SafariScheme => format!("x-safari-{scheme}://{rest}"),
        })
    }

    /// The button's words.
    pub fn label(self) -> Key {
        match self {
            Escape::AndroidIntent => Key::OpenInBrowser,
            Escape::SafariScheme => Key::OpenInSafari,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real user agents, as the apps sent them (collected by shalanah/inapp-spy's test
    /// suite and this project's own phones), with what each must be read as.
    const USER_AGENTS: [(&str, InAppBrowser, System); 22] = [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22F76 Instagram 393.1.0.36.70 (iPhone15,3; iOS 18_5; en_US; en; scale=3.00; 1290x2796; IABMV/1; 776538208) Safari/604.1", InAppBrowser::Instagram, System::Ios),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.58 Mobile Safari/537.36 Instagram 355.1.0.44.103 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 658190016)", InAppBrowser::Instagram, System::Android),
        ("Mozilla/5.0 (Linux; Android 11; Mi A3 Build/RKQ1.200903.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.14 Mobile Safari/537.36 Instagram 355.0.0.37.103 Android (30/11; 320dpi; 720x1411; Xiaomi; Mi A3; laurel_sprout; qcom; pt_BR; 657300861)", InAppBrowser::Instagram, System::Android),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22B83 [FBAN/FBIOS;FBAV/488.0.0.68.101;FBBV/658219612;FBDV/iPhone12,8;FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/2;FBID/phone;FBLC/en_US;FBOP/5;FBRV/0;IABMV/1]", InAppBrowser::Facebook, System::Ios),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22G100 Safari/604.1 MetaIAB Facebook", InAppBrowser::Facebook, System::Ios),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.83 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/488.0.0.62.79;IABMV/1;]", InAppBrowser::Facebook, System::Android),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 10_2_1 like Mac OS X) AppleWebKit/602.4.6 (KHTML, like Gecko) Mobile/14D27 [FBAN/MessengerForiOS;FBAV/117.0.0.36.70;FBBV/57539258;FBDV/iPhone7,2;FBMD/iPhone;FBSN/iOS;FBSV/10.2.1;FBSS/2;FBID/phone;FBLC/zh_TW;FBOP/5;FBRV/0]", InAppBrowser::Messenger, System::Ios),
        ("Mozilla/5.0 (Linux; Android 6.0.1; SM-N9208 Build/MMB29K; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/58.0.3029.83 Mobile Safari/537.36 [FB_IAB/MESSENGER;FBAV/118.0.0.19.82;]", InAppBrowser::Messenger, System::Android),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 BytedanceWebview/d8a21c6 musical_ly_33.2.1 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US FalconTag/BDB55B46-0286-4504-847E-C8300CB9F79D", InAppBrowser::Tiktok, System::Ios),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1 musical_ly_41.9.0", InAppBrowser::Tiktok, System::Ios),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240105.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/121.0.6167.143 Mobile Safari/537.36 musical_ly_2023303040 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/33.3.4 ByteLocale/en ByteFullLocale/en Region/US AppId/1233 Spark/1.5.0.5-alpha.2 AppVersion/33.3.4 BytedanceWebview/d8a21c6", InAppBrowser::Tiktok, System::Android),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Mobile/15E148 Snapchat/12.72.0.39 (like Safari/8617.2.4.10.8, panda)", InAppBrowser::Snapchat, System::Ios),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 10_2_1 like Mac OS X) AppleWebKit/602.3.12 (KHTML, like Gecko) Mobile/14D27 Twitter for iPhone", InAppBrowser::X, System::Ios),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.30.1753", InAppBrowser::Linkedin, System::Ios),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]", InAppBrowser::Pinterest, System::Ios),
        ("Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36 [Pinterest/Android]", InAppBrowser::Pinterest, System::Android),
        // Not in an app: browsers, and apps' Custom Tabs / Safari views (their own UA).
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", InAppBrowser::None, System::Ios),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/130.0.6723.90 Mobile/15E148 Safari/604.1", InAppBrowser::None, System::Ios),
        ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36", InAppBrowser::None, System::Android),
        ("Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", InAppBrowser::None, System::Android),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", InAppBrowser::None, System::Other),
        ("", InAppBrowser::None, System::Other),
    ];

    #[test]
    fn reads_real_user_agents() {
        for (ua, app, system) in USER_AGENTS {
            assert_eq!(InAppBrowser::detect(ua), app, "{ua}");
            assert_eq!(System::detect(ua), system, "{ua}");
        }
        for app in ALL {
            if app != InAppBrowser::None {
                assert!(USER_AGENTS.iter().any(|(_, a, _)| *a == app), "a real user agent for {app:?}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for b in ALL {
            assert_eq!(InAppBrowser::parse(b.as_str()), b);
            assert_eq!(miniserde::json::to_string(&b), format!("\"{}\"", b.as_str()));
        }
        assert_eq!(InAppBrowser::parse("Instagram"), InAppBrowser::None, "names are lowercase");
        assert_eq!(InAppBrowser::parse("wechat"), InAppBrowser::None);
    }

    #[test]
    fn offers_only_the_ways_out_known_to_work() {
        use InAppBrowser::*;
        let offered = |system| ALL.into_iter().filter(|a| Escape::for_app(*a, system).is_some()).collect::<Vec<_>>();
        assert_eq!(offered(System::Android), [Instagram, Facebook]);
        assert_eq!(offered(System::Ios), [Tiktok, Facebook, Messenger, Linkedin]);
        assert!(offered(System::Other).is_empty(), "a desktop app's browser gets Copy link only");
        assert_eq!(Escape::for_app(None, System::Android), Option::None, "a real browser needs no way out");
    }

    #[test]
    fn builds_the_escape_links() {
        let url = "https://juno.example/p/mug/?utm_source=tiktok&from_visit=0190#top";
        assert_eq!(
            Escape::AndroidIntent.link(url).as_deref(),
            Some("intent://juno.example/p/mug/?utm_source=tiktok&from_visit=0190#Intent;scheme=https;end")
        );
        assert_eq!(
            Escape::SafariScheme.link(url).as_deref(),
            Some("x-safari-https://juno.example/p/mug/?utm_source=tiktok&from_visit=0190#top")
        );
        assert_eq!(
            Escape::AndroidIntent.link("http://127.0.0.1:8080/").as_deref(),
            Some("intent://127.0.0.1:8080/#Intent;scheme=http;end")
        );
        for bad in ["javascript:alert(1)", "ftp://x/", "https://", "juno.example/"] {
            assert_eq!(Escape::AndroidIntent.link(bad), Option::None, "{bad}");
            assert_eq!(Escape::SafariScheme.link(bad), Option::None, "{bad}");
        }
    }
}
