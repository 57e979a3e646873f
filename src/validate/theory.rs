//! The theory files' index, built from `theory/*.md` at compile time (`build.rs`): each file's
//! title (the short claim of the stderr table) and the number of entries of its `## History`
//! (protocol changes made after a result was seen; records carry the count as `history`).

include!(concat!(env!("OUT_DIR"), "/theory_index.rs"));

fn entry(theory_id: &str) -> Option<&'static (&'static str, &'static str, usize)> {
    THEORY_INDEX
        .binary_search_by(|e| e.0.cmp(theory_id))
        .ok()
        .map(|i| &THEORY_INDEX[i])
}

/// The title of `theory/<theory_id>.md` (its first line after `# ID — `).
pub fn title(theory_id: &str) -> Option<&'static str> {
    entry(theory_id).map(|e| e.1)
}

/// The number of `## History` entries of `theory/<theory_id>.md`; `None` when it has none.
pub fn history(theory_id: &str) -> Option<usize> {
    entry(theory_id).map(|e| e.2).filter(|&n| n > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_is_sorted_and_has_titles() {
        assert!(super::THEORY_INDEX.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::THEORY_INDEX.iter().all(|e| !e.1.is_empty()));
        assert!(super::title("G-zero").is_some());
    }
}
