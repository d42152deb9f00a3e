//! Keeping the index in step with the sources: deleting articles by id, and pruning those whose
//! local file is gone. Both forget the deleted articles' file stamps (see [`FileState`]), so a
//! file that comes back is read again rather than skipped as unchanged.
//!
//! Not here: links from other articles' `duplicate_of` to a deleted original stay until
//! `reanalyze` decides duplicates afresh.

use std::collections::HashSet;

use serde::Serialize;

use super::FileState;
use crate::article::{ArticleId, SourceKind};
use crate::index::{IndexError, Store};

/// What `remove` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RemoveReport {
    pub removed: Vec<ArticleId>,
    /// The ids given that the index did not have (or that are not ids), as given.
    pub unknown: Vec<String>,
}

/// Deletes the articles `ids` (as the user gave them) and commits.
pub fn remove(store: &Store, ids: &[String]) -> Result<RemoveReport, IndexError> {
    let mut report = RemoveReport::default();
    let mut writer = store.writer()?;
    for given in ids {
        match given.parse() {
            Ok(id) if writer.delete(id)? => report.removed.push(id),
            _ => report.unknown.push(given.clone()),
        }
    }
    commit_and_forget(store, &mut writer, &report.removed)?;
    Ok(report)
}

/// An article whose source file is gone.
#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    pub id: ArticleId,
    pub path: String,
}

/// What `prune --missing` did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PruneReport {
    /// Articles from local files that were checked.
    pub checked: usize,
    pub missing: Vec<Missing>,
    pub dry_run: bool,
}

/// Deletes every article whose source is a local file that no longer exists. Articles from
/// URLs and feeds are not touched.
pub fn prune_missing(store: &Store, dry_run: bool) -> Result<PruneReport, IndexError> {
    let mut report = PruneReport { dry_run, ..Default::default() };
    store.for_each_article(|article| -> Result<(), IndexError> {
        if article.source.kind == SourceKind::File {
            report.checked += 1;
            // `try_exists`: an unreadable parent is not proof the file is gone.
            if let Ok(false) = std::path::Path::new(&article.source.location).try_exists() {
                report.missing.push(Missing { id: article.id, path: article.source.location });
            }
        }
        Ok(())
    })?;
    if !dry_run && !report.missing.is_empty() {
        let mut writer = store.writer()?;
        let ids: Vec<ArticleId> = report.missing.iter().map(|m| m.id).collect();
        for &id in &ids {
            writer.delete(id)?;
        }
        commit_and_forget(store, &mut writer, &ids)?;
    }
    Ok(report)
}

fn commit_and_forget(
    store: &Store,
    writer: &mut crate::index::StoreWriter<'_>,
    ids: &[ArticleId],
) -> Result<(), IndexError> {
    writer.commit()?;
    if !ids.is_empty() {
        let mut state = FileState::load(store.path());
        state.forget_ids(&ids.iter().copied().collect::<HashSet<_>>());
        state.save(store.path()).map_err(|e| IndexError::Io {
            path: store.path().join(FileState::FILE),
            message: e.to_string(),
        })?;
    }
    Ok(())
}
