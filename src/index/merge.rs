//! Which segments the writer merges: tantivy's log-structured policy, with a cap on the size
//! of any merge.
//!
//! A merge reads every input segment through the memory map, and those pages count in the
//! process's resident memory until the inputs are dropped. Left alone, tantivy eventually
//! merges segments holding most of the index, so an ingest's peak RSS grew with the archive
//! (a 600 MB spike of file-backed pages at ~160,000 articles). Capping a merge's input at
//! [`MAX_MERGED_DOCS`] documents (deleted ones included: the merger reads them too) and
//! proposing one merge at a time bounds that spike, and the merger's own per-document
//! tables, whatever the archive's size. tantivy asks for merges after every commit and every
//! finished merge, and leaves out segments being merged, so a commit during a long merge can
//! still start a second one: the bound is a few merges, not the archive. The price is more
//! segments on a large index (one per ~`MAX_MERGED_DOCS / 2` to `MAX_MERGED_DOCS` articles),
//! which a query visits in turn.
//!
//! Segments too large for the log policy would keep their deleted documents forever (a
//! re-ingest of changed files deletes and re-adds): one whose deleted share reaches
//! [`PURGE_DELETED_SHARE`] is rewritten on its own when nothing else is to be merged.
//!
//! Not here: when merges run (tantivy's writer schedules them after commits).

use std::collections::HashMap;

use tantivy::index::{SegmentId, SegmentMeta};
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};

/// Most documents a merge may read (~190 MB of index at the corpus's ~3.7 KB per article).
pub const MAX_MERGED_DOCS: u32 = 50_000;
/// Share of deleted documents at which a segment is rewritten alone.
pub const PURGE_DELETED_SHARE: f32 = 0.25;

/// [`LogMergePolicy`] for segments of up to half [`MAX_MERGED_DOCS`], its candidates split so
/// no merge reads more than [`MAX_MERGED_DOCS`] documents.
#[derive(Debug)]
pub struct BoundedMergePolicy {
    inner: LogMergePolicy,
}

impl Default for BoundedMergePolicy {
    fn default() -> Self {
        let mut inner = LogMergePolicy::default();
        inner.set_max_docs_before_merge((MAX_MERGED_DOCS / 2) as usize);
        BoundedMergePolicy { inner }
    }
}

impl MergePolicy for BoundedMergePolicy {
    /// One merge at a time: tantivy starts every candidate at once, so a level of eight
    /// 20,000-document segments split into four merges still read 160,000 documents together.
    /// The rest are proposed again when this merge ends (tantivy asks after every merge and
    /// every commit).
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs: HashMap<SegmentId, u32> = segments.iter().map(|s| (s.id(), s.max_doc())).collect();
        let merge = self
            .inner
            .compute_merge_candidates(segments)
            .into_iter()
            .flat_map(|MergeCandidate(ids)| {
                let sized = ids.into_iter().map(|id| (id, docs.get(&id).copied().unwrap_or(0)));
                split(sized, MAX_MERGED_DOCS)
            })
            .next();
        let purge = || {
            segments
                .iter()
                .filter(|s| s.max_doc() <= MAX_MERGED_DOCS && s.num_deleted_docs() > 0)
                .find(|s| s.num_deleted_docs() as f32 >= PURGE_DELETED_SHARE * s.max_doc() as f32)
                .map(|s| vec![s.id()])
        };
        merge.or_else(purge).map(MergeCandidate).into_iter().collect()
    }
}

/// Splits one merge of `segments` (with their document counts) into merges of at least two
/// segments and at most `max_docs` documents each, in order; a segment that fits with no
/// neighbour is left out.
fn split<T>(segments: impl IntoIterator<Item = (T, u32)>, max_docs: u32) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let (mut group, mut total) = (Vec::new(), 0u32);
    for (segment, docs) in segments {
        if total.saturating_add(docs) > max_docs {
            if group.len() >= 2 {
                out.push(std::mem::take(&mut group));
            }
            group.clear();
            total = 0;
        }
        if docs <= max_docs {
            group.push(segment);
            total += docs;
        }
    }
    if group.len() >= 2 {
        out.push(group);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_are_split_at_the_cap() {
        let segments = [("a", 20), ("b", 20), ("c", 20), ("d", 5), ("e", 5)];
        assert_eq!(split(segments, 50), vec![vec!["a", "b"], vec!["c", "d", "e"]]);
    }

    #[test]
    fn a_segment_that_fits_with_nothing_is_left_alone() {
        assert_eq!(split([("big", 45), ("x", 10)], 50), Vec::<Vec<&str>>::new());
        assert_eq!(split([("huge", 80), ("x", 10), ("y", 10)], 50), vec![vec!["x", "y"]]);
        assert_eq!(split([("x", 10)], 50), Vec::<Vec<&str>>::new());
    }
}
