//! Which earlier article a new one repeats: the near-duplicate register used while ingesting.
//!
//! Every stored article's SimHash sits in memory (with its id, date and original, ~70 bytes an
//! article), and a new article is compared with all of them: a popcount per article, tens of
//! microseconds for a 100,000-article index. Matches
//! within [`simhash::NEAR_BITS`] are duplicates; up to [`simhash::CANDIDATE_BITS`] they are
//! confirmed by shingle overlap with the candidate's text, fetched only then.
//!
//! An article is only a duplicate *of an earlier one*, in one total order: earlier publication
//! first, an undated article after every dated one, and between equal dates the lower id. A
//! match within [`simhash::NEAR_BITS`] wins over farther ones, whose texts would need
//! confirming; among several, the earliest (then the closest) wins. A chain of copies points at
//! its root.
//!
//! So each article's original is a function of the set of articles, not of the order they
//! arrive in: [`Register::decide`] registers an article and revises the later ones it may be
//! the original of (a copy that came before its original is relinked when the original
//! arrives), and `reanalyze`, which decides in the total order, never has anything to revise.
//!
//! Not here: fingerprints and shingles themselves ([`crate::analyze::simhash`]), rewriting the
//! relinked articles (the ingest and reanalyze loops).

use std::collections::HashMap;

use crate::analyze::simhash::{self, Simhash};
use crate::article::ArticleId;

#[derive(Debug, Clone)]
struct Entry {
    id: ArticleId,
    published: Option<i64>,
    duplicate_of: Option<ArticleId>,
}

/// The fingerprints of the articles known so far.
#[derive(Debug, Default)]
pub struct Register {
    /// The fingerprints alone, in the order of `entries`: every probe scans all of them, and
    /// 8 bytes apiece keep that scan in cache.
    hashes: Vec<u64>,
    entries: Vec<Entry>,
    by_id: HashMap<ArticleId, u32>,
}

/// What the register needs to know of an article.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    pub id: ArticleId,
    pub simhash: Simhash,
    /// Seconds since the epoch.
    pub published: Option<i64>,
    /// The article's text, for confirming a far candidate; `None` to have it fetched through
    /// `text_of` like a candidate's, only if one needs confirming.
    pub text: Option<&'a str>,
}

impl Register {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds or replaces the entry of `id`.
    pub fn insert(
        &mut self,
        id: ArticleId,
        simhash: Simhash,
        published: Option<i64>,
        duplicate_of: Option<ArticleId>,
    ) {
        let entry = Entry { id, published, duplicate_of };
        match self.by_id.get(&id) {
            Some(&i) => {
                self.hashes[i as usize] = simhash.0;
                self.entries[i as usize] = entry;
            }
            None => {
                self.by_id.insert(id, self.entries.len() as u32);
                self.hashes.push(simhash.0);
                self.entries.push(entry);
            }
        }
    }

    /// Registers `probe` with the earlier article it repeats ([`Register::find`]), and decides
    /// again for every registered article that `probe` may now be the original of (those within
    /// reach that come after it, and, in turn, those after each one that changed), or, when
    /// `probe` is an update that moved it, may no longer be. Returns the original of `probe`,
    /// and the other articles whose original changed, with the new one: the caller rewrites
    /// those.
    pub fn decide(
        &mut self,
        probe: Probe<'_>,
        mut text_of: impl FnMut(ArticleId) -> Option<String>,
    ) -> (Option<ArticleId>, Vec<(ArticleId, Option<ArticleId>)>) {
        let previous = self.by_id.get(&probe.id).map(|&i| {
            let e = &self.entries[i as usize];
            (i, self.hashes[i as usize], e.published, e.duplicate_of)
        });
        let own = order(probe.published, probe.id);
        let (original, reach) = self.find_within(probe, &mut text_of);
        self.insert(probe.id, probe.simhash, probe.published, original);
        let mut queue = Queue::default();
        match previous {
            // The same fingerprint and date decided the same way: nothing changed for the others
            // (a re-ingest of an unchanged or `--force`d article).
            Some((_, h, p, d)) if h == probe.simhash.0 && p == probe.published && d == original => {
                return (original, Vec::new())
            }
            Some((at, h, p, _)) => {
                // Where the article was, it may have been the original (or a candidate) of
                // others: those are decided again, whatever they hold now.
                let mut old_reach = Vec::new();
                within(&self.hashes, h, simhash::CANDIDATE_BITS, &mut old_reach);
                let before = order(p, probe.id);
                for (i, _) in old_reach.into_iter().filter(|&(i, _)| i != at) {
                    self.queue_after(before, i, None, &mut queue);
                }
                for (i, e) in self.entries.iter().enumerate() {
                    if e.duplicate_of == Some(probe.id) {
                        queue.push((order(e.published, e.id), i as u32), None);
                    }
                }
            }
            None => {}
        }
        let root = original.unwrap_or(probe.id);
        for &(i, _) in &reach {
            self.queue_after(own, i, Some(root), &mut queue);
        }
        let mut revised = Vec::new();
        while let Some(((at, i), unless_root)) = queue.0.pop_first() {
            let (id, published, before) = {
                let e = &self.entries[i as usize];
                (e.id, e.published, e.duplicate_of)
            };
            // Only one of its candidates changed, and it leads to the root this one already
            // has: whichever of them is the best, the answer is that root.
            if unless_root.is_some() && before == unless_root {
                continue;
            }
            let again = Probe { id, simhash: Simhash(self.hashes[i as usize]), published, text: None };
            let (now, reach) = self.find_within(again, &mut text_of);
            if now != before {
                self.entries[i as usize].duplicate_of = now;
                revised.push((id, now));
                let root = now.unwrap_or(id);
                for &(later, _) in &reach {
                    self.queue_after(at, later, Some(root), &mut queue);
                }
            }
        }
        (original, revised)
    }

    /// Queues entry `i` if it comes after `after` in the total order.
    fn queue_after(&self, after: Order, i: u32, unless_root: Option<ArticleId>, queue: &mut Queue) {
        let e = &self.entries[i as usize];
        let at = order(e.published, e.id);
        if at > after {
            queue.push((at, i), unless_root);
        }
    }

    /// The earlier article `probe` repeats, if any. `text_of` fetches a candidate's text when
    /// the fingerprints alone do not decide. (Callers use [`Register::decide`], which also
    /// registers; this is its first half, for tests.)
    #[cfg(test)]
    pub fn find(
        &self,
        probe: Probe<'_>,
        mut text_of: impl FnMut(ArticleId) -> Option<String>,
    ) -> Option<ArticleId> {
        self.find_within(probe, &mut text_of).0
    }

    /// [`Register::find`], and the entries within reach of `probe` (index, distance).
    fn find_within(
        &self,
        probe: Probe<'_>,
        text_of: &mut impl FnMut(ArticleId) -> Option<String>,
    ) -> (Option<ArticleId>, Vec<(u32, u32)>) {
        let own = probe.id;
        let own_order = order(probe.published, own);
        let mut within_reach = Vec::new();
        within(&self.hashes, probe.simhash.0, simhash::CANDIDATE_BITS, &mut within_reach);
        let eligible = |&(i, d): &(u32, u32)| {
            let e = &self.entries[i as usize];
            let may_be_original =
                e.id != own && e.duplicate_of != Some(own) && order(e.published, e.id) < own_order;
            may_be_original.then_some((e, d))
        };
        // The earliest (an undated one after every dated one), then the closest, then the
        // lower id.
        let key = |&(e, d): &(&Entry, u32)| (e.published.is_none(), e.published, d, e.id);
        // A near match needs no confirmation, so the best of them decides, and the entries of
        // the farther candidates (hundreds, where an archive holds many copies of a story) are
        // never looked at.
        let (near, far): (Vec<_>, Vec<_>) = within_reach.iter().partition(|&&(_, d)| d <= simhash::NEAR_BITS);
        let original = near.iter().filter_map(eligible).min_by_key(key).or_else(|| {
            // Otherwise the first confirmed candidate decides (its root is the original), so
            // texts are fetched for few of them.
            let mut far: Vec<(&Entry, u32)> = far.iter().filter_map(eligible).collect();
            far.sort_by_key(key);
            let mut probe_shingles: Option<Vec<u64>> = None;
            far.into_iter().find(|&(e, _)| {
                let Some(text) = text_of(e.id) else { return false };
                let shingles = match &probe_shingles {
                    Some(s) => s,
                    None => {
                        let own_text = match probe.text {
                            Some(t) => std::borrow::Cow::Borrowed(t),
                            None => std::borrow::Cow::Owned(text_of(own).unwrap_or_default()),
                        };
                        probe_shingles.insert(simhash::shingles(&own_text))
                    }
                };
                simhash::confirms(shingles, &text)
            })
        });
        // A chain of copies points at its root.
        (original.map(|(e, _)| e.duplicate_of.unwrap_or(e.id)), within_reach)
    }
}

/// Entries to decide again, in the total order, each with the root that makes deciding
/// needless when it is the one the entry already has (known when a single candidate of the
/// entry changed; `None` when it must be decided in any case).
#[derive(Default)]
struct Queue(std::collections::BTreeMap<(Order, u32), Option<ArticleId>>);

impl Queue {
    fn push(&mut self, key: (Order, u32), unless_root: Option<ArticleId>) {
        self.0
            .entry(key)
            .and_modify(|known| {
                if *known != unless_root {
                    *known = None;
                }
            })
            .or_insert(unless_root);
    }
}

/// Where an article stands in the order of originals: by publication, an undated one after
/// every dated one, then by id.
type Order = (bool, i64, ArticleId);

fn order(published: Option<i64>, id: ArticleId) -> Order {
    (published.is_none(), published.unwrap_or(0), id)
}

/// Pushes the index and distance of every fingerprint within `max_bits` of `probe` onto `out`.
///
/// This scan runs once per ingested article over every stored fingerprint, so it is the one
/// place where the bit count's instruction matters: without POPCNT (not in the x86-64 baseline
/// Rust targets) `count_ones` is a dozen instructions, with it one, which made the scan ~10x
/// faster on a 100,000-article index. The CPU is asked once per call. (Counting blocks of
/// fingerprints side by side with AVX2 was 30 % faster alone, but made no difference inside an
/// ingest, whose other threads share the cores.)
fn within(hashes: &[u64], probe: u64, max_bits: u32, out: &mut Vec<(u32, u32)>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU supports POPCNT, checked on the line above.
        return unsafe { within_popcnt(hashes, probe, max_bits, out) };
    }
    within_portable(hashes, probe, max_bits, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn within_popcnt(hashes: &[u64], probe: u64, max_bits: u32, out: &mut Vec<(u32, u32)>) {
    within_portable(hashes, probe, max_bits, out)
}

#[inline(always)]
fn within_portable(hashes: &[u64], probe: u64, max_bits: u32, out: &mut Vec<(u32, u32)>) {
    for (i, &h) in hashes.iter().enumerate() {
        let d = (h ^ probe).count_ones();
        if d <= max_bits {
            out.push((i as u32, d));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "市场监管总局今日宣布，对某电商平台实施二选一行为处以罚款，这是反垄断法实施以来的大额罚单，执法将持续推进。";

    /// The id that `hex` spells.
    fn id(hex: &str) -> ArticleId {
        hex.parse().unwrap()
    }

    fn probe<'a>(hex: &str, text: &'a str, published: Option<i64>) -> Probe<'a> {
        Probe { id: id(hex), simhash: Simhash(simhash::simhash(text)), published, text: Some(text) }
    }

    #[test]
    fn the_scan_finds_exactly_the_fingerprints_within_the_distance() {
        let hashes = [0u64, 0b111, 0b1111, u64::MAX, 1 << 63];
        let mut out = Vec::new();
        within(&hashes, 0, 3, &mut out);
        assert_eq!(out, vec![(0, 0), (1, 3), (4, 1)]);
        let mut portable = Vec::new();
        within_portable(&hashes, 0, 3, &mut portable);
        assert_eq!(portable, out);
    }

    /// A probe with a given fingerprint (the text only matters to confirmation).
    fn probe_at(hex: &str, simhash: u64, published: Option<i64>) -> Probe<'static> {
        Probe { id: id(hex), simhash: Simhash(simhash), published, text: Some(A) }
    }

    #[test]
    fn a_near_match_decides_before_an_earlier_far_one_without_fetching_texts() {
        let mut r = Register::default();
        r.insert(id("000000000000000a"), Simhash(0xFF), Some(100), None); // 8 bits away, earlier
        r.insert(id("000000000000000b"), Simhash(0b1), Some(300), None); // 1 bit away, later
        let found = r.find(probe_at("000000000000000c", 0, Some(400)), |id| panic!("fetched {id}"));
        assert_eq!(found, Some(id("000000000000000b")));
    }

    #[test]
    fn among_equal_near_matches_the_lower_id_wins_whatever_came_first() {
        let mut r = Register::default();
        r.insert(id("0000000000000002"), Simhash(0b10), Some(100), None);
        r.insert(id("0000000000000001"), Simhash(0b01), Some(100), None);
        let found = r.find(probe_at("0000000000000003", 0, Some(200)), |id| panic!("fetched {id}"));
        assert_eq!(found, Some(id("0000000000000001")));
    }

    /// Regression: a copy that arrived before its original stayed an original for good, so one
    /// ingest of a mirror folder found fewer copies than `reanalyze`.
    #[test]
    fn a_copy_that_arrived_first_is_relinked_when_its_original_arrives() {
        let mut r = Register::default();
        let copy = format!("{A}（本文来源：网络转载）");
        let texts =
            |i: ArticleId| Some(if i == id("000000000000000b") { copy.clone() } else { A.to_string() });
        let (original, revised) = r.decide(probe("000000000000000b", &copy, Some(200)), texts);
        assert_eq!((original, revised), (None, vec![]), "nothing earlier yet");
        let (original, revised) = r.decide(probe("000000000000000a", A, Some(100)), texts);
        assert_eq!(original, None);
        assert_eq!(revised, vec![(id("000000000000000b"), Some(id("000000000000000a")))]);
    }

    /// Every order of arrival gives each article the original that deciding in publication
    /// order gives (what `reanalyze` does): clusters of near and far copies, equal dates,
    /// undated articles, chains.
    #[test]
    fn the_originals_do_not_depend_on_the_order_of_arrival() {
        let mut rng = fastrand::Rng::with_seed(7);
        // Texts of five stories, each with copies that differ by a few characters.
        let stories: Vec<String> = (0..5).map(|s| format!("{A}第{s}篇报道，").repeat(2 + s)).collect();
        let mut articles = Vec::new();
        for n in 0..40u64 {
            let story = &stories[rng.usize(..stories.len())];
            let text = match rng.u8(..3) {
                0 => story.clone(),
                1 => format!("{story}（转载）"),
                _ => story.replacen('，', ",", 2),
            };
            let published = match rng.u8(..6) {
                0 => None,
                k => Some(i64::from(k) * 100),
            };
            articles.push((id(&format!("{:016x}", n * 7919 % 1000 + 1)), text, published));
        }
        let text_of = |articles: &[(ArticleId, String, Option<i64>)], i: ArticleId| {
            articles.iter().find(|a| a.0 == i).map(|a| a.1.clone())
        };
        let run = |order: &[usize]| {
            let mut r = Register::default();
            let mut originals = std::collections::HashMap::new();
            for &i in order {
                let (a, text, published) = &articles[i];
                let p = Probe {
                    id: *a,
                    simhash: Simhash(simhash::simhash(text)),
                    published: *published,
                    text: Some(text),
                };
                let (original, revised) = r.decide(p, |other| text_of(&articles, other));
                originals.insert(*a, original);
                originals.extend(revised);
            }
            originals
        };
        let mut in_order: Vec<usize> = (0..articles.len()).collect();
        in_order.sort_by_key(|&i| (articles[i].2.is_none(), articles[i].2, articles[i].0));
        let expected = run(&in_order);
        assert!(expected.values().filter(|o| o.is_some()).count() >= 20, "the test has copies to find");
        for seed in 0..20 {
            let mut shuffled = in_order.clone();
            fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
            assert_eq!(run(&shuffled), expected, "seed {seed}");
            shuffled.reverse();
            assert_eq!(run(&shuffled), expected, "seed {seed}, reversed");
        }
    }

    /// Regression (found in review): a copy in the middle updated away from its story left the
    /// copy that had matched it on the old root, which it can no longer reach.
    #[test]
    fn an_updated_copy_releases_the_copies_that_matched_it() {
        let mut r = Register::default();
        let text = |_| Some(A.to_string());
        let at = |hex: &str, hash: u64, published: i64| Probe {
            id: id(hex),
            simhash: Simhash(hash),
            published: Some(published),
            text: Some(A),
        };
        let (p, y) = (0x3FF, 0x3FF | 0x7000); // P 10 bits from R; Y 3 from P, 13 from R
        assert_eq!(r.decide(at("000000000000000a", 0, 100), text).0, None);
        assert_eq!(r.decide(at("000000000000000b", p, 200), text).0, Some(id("000000000000000a")));
        assert_eq!(r.decide(at("000000000000000c", y, 300), text).0, Some(id("000000000000000a")));
        let (original, revised) = r.decide(at("000000000000000b", u64::MAX, 200), text);
        assert_eq!(original, None);
        assert_eq!(revised, vec![(id("000000000000000c"), None)]);
    }

    /// The same holds when articles change after they went in (a re-ingest of an edited
    /// file): an original moved later or rewritten, a copy in the middle of a chain updated.
    /// Regression: updating a copy left the articles that had matched it on their old root.
    #[test]
    fn the_originals_follow_updates_whatever_the_order() {
        let story = format!("{A}第一篇报道，").repeat(3);
        let other = format!("{A}另一篇完全不同的新闻，").repeat(4);
        let version = |n: u64, rng: &mut fastrand::Rng| {
            let text = match rng.u8(..4) {
                0 => story.clone(),
                1 => format!("{story}（转载）"),
                2 => story.replacen('，', ",", 3),
                _ => other.clone(),
            };
            let published = match rng.u8(..5) {
                0 => None,
                k => Some(i64::from(k) * 100),
            };
            (id(&format!("{:016x}", n + 1)), text, published)
        };
        for seed in 0..30 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let first: Vec<_> = (0..16).map(|n| version(n, &mut rng)).collect();
            let mut last = first.clone();
            let mut events: Vec<_> = first.clone();
            rng.shuffle(&mut events);
            for n in 0..16 {
                if rng.bool() {
                    last[n as usize] = version(n, &mut rng);
                    events.push(last[n as usize].clone());
                }
            }
            let run = |events: &[(ArticleId, String, Option<i64>)]| {
                let mut r = Register::default();
                let mut texts = std::collections::HashMap::new();
                let mut originals = std::collections::HashMap::new();
                for (a, text, published) in events {
                    texts.insert(*a, text.clone());
                    let p = Probe {
                        id: *a,
                        simhash: Simhash(simhash::simhash(text)),
                        published: *published,
                        text: Some(text),
                    };
                    let (original, revised) = r.decide(p, |other| texts.get(&other).cloned());
                    originals.insert(*a, original);
                    originals.extend(revised);
                }
                originals
            };
            let mut in_order = last.clone();
            in_order.sort_by_key(|a| (a.2.is_none(), a.2, a.0));
            assert_eq!(run(&events), run(&in_order), "seed {seed}");
        }
    }

    #[test]
    fn an_ineligible_near_match_leaves_the_decision_to_the_far_ones() {
        let mut r = Register::default();
        r.insert(id("000000000000000a"), Simhash(0b1), Some(900), None); // near, but published later
        r.insert(id("000000000000000b"), Simhash(0xFF), Some(100), None); // far, confirmed by its text
        let mut fetched = Vec::new();
        let found = r.find(probe_at("000000000000000c", 0, Some(500)), |found_id| {
            fetched.push(found_id.to_string());
            Some(A.to_string())
        });
        assert_eq!(found, Some(id("000000000000000b")));
        assert_eq!(fetched, ["000000000000000b"]);
    }

    #[test]
    fn finds_the_earlier_copy_and_not_itself() {
        let mut r = Register::default();
        r.insert(id("000000000000000a"), Simhash(simhash::simhash(A)), Some(100), None);
        let copy = format!("{A}（本文来源：网络转载）");
        assert_eq!(
            r.find(probe("000000000000000b", &copy, Some(200)), |_| Some(A.to_string())),
            Some(id("000000000000000a"))
        );
        assert_eq!(r.find(probe("000000000000000a", A, Some(100)), |_| None), None);
    }

    #[test]
    fn a_later_article_is_never_the_original() {
        let mut r = Register::default();
        r.insert(id("00000000000000ff"), Simhash(simhash::simhash(A)), Some(500), None);
        assert_eq!(r.find(probe("0000000000000001", A, Some(100)), |_| Some(A.into())), None);
    }

    #[test]
    fn reingesting_the_original_does_not_make_it_a_copy_of_its_copy() {
        let mut r = Register::default();
        r.insert(id("000000000000000a"), Simhash(simhash::simhash(A)), Some(100), None);
        r.insert(
            id("000000000000000b"),
            Simhash(simhash::simhash(A)),
            Some(100),
            Some(id("000000000000000a")),
        );
        assert_eq!(r.find(probe("000000000000000a", A, Some(100)), |_| Some(A.into())), None);
        assert_eq!(
            r.find(probe("000000000000000c", A, Some(100)), |_| Some(A.into())),
            Some(id("000000000000000a"))
        );
    }
}
