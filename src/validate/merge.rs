//! Joining report slices (`steepest validate --shard i/n` runs) into one report.

use super::{registry, Record, Report, Summary};
use crate::error::{Error, Result};

/// Merge slices of one validation run into the report an unsharded run would have written.
///
/// Every slice must carry the same schema, version, profile, seed and suite list; no record id may
/// appear twice. Records are put in registry order (the order of the checks of `suites`), so the
/// result does not depend on the order of the slices or on how checks were assigned to them; the
/// summary is recounted; `environment` is the first slice's; `wall_ms` (a timing field) is the sum
/// of the slices' wall times. Mismatched slices or ids unknown to this build's registry are
/// [`Error::Input`].
pub fn merge_reports(parts: &[Report]) -> Result<Report> {
    let first = parts
        .first()
        .ok_or_else(|| Error::input("report merge: no reports given; pass the slice files written by `steepest validate --shard i/n`"))?;
    let mut order = Vec::new();
    for name in &first.suites {
        let suite = registry::find(name).ok_or_else(|| {
            Error::input(format!(
                "report merge: suite '{name}' is not in this build's registry; merge with the steepest build that wrote the slices"
            ))
        })?;
        order.extend((suite.checks)().iter().map(|c| c.id()));
    }
    merge_reports_ordered(parts, &order)
}

/// [`merge_reports`] with an explicit order of record ids (the registry order of the run).
pub fn merge_reports_ordered(parts: &[Report], order: &[String]) -> Result<Report> {
    let first = parts
        .first()
        .ok_or_else(|| Error::input("report merge: no reports given; pass the slice files written by `steepest validate --shard i/n`"))?;
    for (k, p) in parts.iter().enumerate().skip(1) {
        let mismatch = |what: &str| {
            Error::input(format!(
                "report merge: slice {} differs from slice 1 in its {what}; merge only slices of one run (same seed, profile, suites and build)",
                k + 1
            ))
        };
        if p.schema != first.schema {
            return Err(mismatch("schema"));
        }
        if p.version != first.version {
            return Err(mismatch("version"));
        }
        if p.profile != first.profile {
            return Err(mismatch("profile"));
        }
        if p.seed != first.seed {
            return Err(mismatch("seed"));
        }
        if p.suites != first.suites {
            return Err(mismatch("suite list"));
        }
    }
    let position: std::collections::HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut slots: Vec<Option<Record>> = vec![None; order.len()];
    for r in parts.iter().flat_map(|p| &p.records) {
        let &i = position.get(r.id.as_str()).ok_or_else(|| {
            Error::input(format!(
                "report merge: record '{}' is not a check of the suites {:?} in this build; merge with the steepest build that wrote the slices",
                r.id, first.suites
            ))
        })?;
        if slots[i].is_some() {
            return Err(Error::input(format!(
                "report merge: record '{}' appears in two slices; give each slice once (shards must not overlap)",
                r.id
            )));
        }
        slots[i] = Some(r.clone());
    }
    let records: Vec<Record> = slots.into_iter().flatten().collect();
    let summary = Summary::of(&records);
    Ok(Report {
        schema: first.schema.clone(),
        version: first.version.clone(),
        profile: first.profile,
        seed: first.seed,
        suites: first.suites.clone(),
        environment: first.environment.clone(),
        records,
        summary,
        wall_ms: parts.iter().map(|p| p.wall_ms).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{run_checks, Ctx, Profile};

    fn run(ids: &[usize], seed: u64) -> Report {
        let all = registry::find("robust").expect("registered").checks;
        let checks: Vec<_> = all()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| ids.contains(i))
            .map(|(_, c)| c)
            .collect();
        let ctx = Ctx {
            profile: Profile::Quick,
            seed,
        };
        run_checks(
            &checks,
            &ctx,
            vec!["robust".into()],
            serde_json::json!({}),
            &(),
        )
    }

    #[test]
    fn slices_merged_equal_the_unsharded_report() {
        // The three P6-a records (indices 0..3 of the suite); slices given out of order.
        let whole = run(&[0, 1, 2], 7);
        let a = run(&[2], 7);
        let b = run(&[0, 1], 7);
        let order: Vec<String> = (registry::find("robust").unwrap().checks)()
            .iter()
            .map(|c| c.id())
            .collect();
        let merged = merge_reports_ordered(&[a.clone(), b.clone()], &order).unwrap();
        assert_eq!(merged.without_timing(), whole.without_timing());
        assert_eq!(
            merge_reports(&[b.clone(), a.clone()])
                .unwrap()
                .without_timing(),
            whole.without_timing()
        );
        // Overlap, mismatched seed, nothing given: input errors.
        assert!(merge_reports(&[a.clone(), a.clone()]).is_err());
        assert!(merge_reports(&[a, run(&[0], 8)]).is_err());
        assert!(merge_reports(&[]).is_err());
    }
}
