//! What an affiliate's own view leaves out, in one place so it can be read (and
//! audited) at once.
//!
//! `load` already keeps only the affiliate's events (`attribution.affiliate`) and the
//! orders credited to them. Those can still carry traces of others, and this module
//! removes each:
//! - **Codes**: a shopper on one affiliate's page may arrive with another's code, and a
//!   shop may report an order credited to one (by its own note) with the code of another.
//!   A code is named only when it is the reader's by the crediting rule
//!   ([`super::code_owner`]); any other code is counted under [`OTHER`].
//! - **Code views**: a `view_promotion` names its code by id. It is shown under the
//!   reader's code whose id it is (among the codes their own events carried and the
//!   crediting rule says are theirs); any other id, including a code of theirs never
//!   carried by one of their events yet, is counted under [`OTHER`]. The same rule then
//!   holds for the code column of "what sold", which is built from the shown codes.
//! - **Clicks**: an order keeps its click only when that click came through the reader's
//!   own page. A click found by code or UTM may be another affiliate's visit, and the click
//!   gives the order its products, tags and code in the breakdowns; without it the order
//!   counts under `(none)` there, like any order whose click is unknown.
//! - **Creators**: the creator breakdown and each order's `creator_id` are left out. They
//!   are the brand's storefronts (an order's may come from the shop's note or
//!   `--default-creator`), which a brand may name after people, and nothing an affiliate
//!   needs. A kept click still names the storefront of the reader's own page, which their
//!   page shows anyway.

use super::*;
use std::collections::HashMap;

/// Whether codes are the reader's, each looked up once per report.
pub struct Codes<'c> {
    conn: &'c Connection,
    me: &'c str,
    /// Code, lowercased (owners are found without case) → whether it is the reader's.
    known: HashMap<String, bool>,
    /// Code id → the reader's code text, read once when the first code view comes.
    ids: Option<HashMap<String, String>>,
}

impl<'c> Codes<'c> {
    pub fn new(conn: &'c Connection, me: &'c str) -> Codes<'c> {
        Codes { conn, me, known: HashMap::new(), ids: None }
    }

    fn is_mine(&mut self, code: &str) -> rusqlite::Result<bool> {
        let folded = code.to_ascii_lowercase();
        if let Some(mine) = self.known.get(&folded) {
            return Ok(*mine);
        }
        let mine = code_owner(self.conn, code, None)?.as_deref() == Some(self.me);
        self.known.insert(folded, mine);
        Ok(mine)
    }

    /// The code as the reader may see it: itself when theirs, else [`OTHER`].
    pub fn shown(&mut self, code: Option<String>) -> rusqlite::Result<Option<String>> {
        match code {
            Some(code) if !self.is_mine(&code)? => Ok(Some(OTHER.to_owned())),
            kept => Ok(kept),
        }
    }

    /// A code view's id as the reader may see it: their code's text, else [`OTHER`].
    pub fn shown_id(&mut self, id: Option<String>) -> rusqlite::Result<Option<String>> {
        let Some(id) = id else { return Ok(None) };
        if self.ids.is_none() {
            // A skip scan over `events_affiliate_codes`: one index seek per distinct code,
            // not one row per checkout (an affiliate of a big network has millions).
            let mut texts: Vec<String> = self
                .conn
                .prepare(
                    "WITH RECURSIVE codes(code) AS (
                       SELECT min(coupon) FROM events WHERE affiliate = ?1 AND coupon IS NOT NULL
                       UNION ALL
                       SELECT (SELECT min(coupon) FROM events WHERE affiliate = ?1 AND coupon > code)
                       FROM codes WHERE code IS NOT NULL
                     )
                     SELECT code FROM codes WHERE code IS NOT NULL",
                )?
                .query_map([self.me], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            texts.retain(|t: &String| !t.is_empty());
            let mut ids = HashMap::new();
            for text in texts {
                if self.is_mine(&text)? {
                    ids.entry(code_id(&text)).or_insert(text);
                }
            }
            self.ids = Some(ids);
        }
        let text = self.ids.as_ref().and_then(|ids| ids.get(&id)).cloned();
        Ok(Some(text.unwrap_or_else(|| OTHER.to_owned())))
    }

    pub fn reader(&self) -> &str {
        self.me
    }
}

/// One of the reader's orders, as they may see it.
pub fn order(o: &mut OrderRow, codes: &mut Codes) -> rusqlite::Result<()> {
    if o.click.as_ref().is_some_and(|c| c.affiliate.as_deref() != Some(codes.reader())) {
        o.click = None;
    }
    o.coupon = codes.shown(o.coupon.take())?;
    if let Some(click) = &mut o.click {
        let click = std::sync::Arc::make_mut(click);
        click.coupon = codes.shown(click.coupon.take())?;
    }
    o.creator_id = None;
    Ok(())
}

/// One of the reader's events, as they may see it.
pub fn event(e: &mut EventRow, codes: &mut Codes) -> rusqlite::Result<()> {
    e.coupon = codes.shown(e.coupon.take())?;
    e.promotion_id = codes.shown_id(e.promotion_id.take())?;
    Ok(())
}

/// The added-up figures, as the reader may see them.
pub fn finish(stats: &mut Stats) {
    stats.by.remove("creator");
    stats.creator = None;
    for o in &mut stats.orders {
        o.creator_id = None;
    }
}
