//! Slicing a validation run into shards of about equal cost (`steepest validate --shard I/N`).
//!
//! A shard is a set of checks; shards of one run are disjoint and together hold every selected
//! check, so their reports merge into the unsharded report ([`super::merge_reports`]). Checks are
//! assigned by cost, not by count: one paper-profile check (P1-e) costs more than a hundred
//! geometry checks together, so a round-robin slice would make the slowest shard the whole run.
//!
//! **Rule** (longest processing time first, Graham 1969): sort the checks by estimated cost,
//! largest first (ties by registry position), and give each to the shard with the least total cost
//! so far (ties to the lowest shard). The makespan is at most 4/3 − 1/(3N) of the optimum
//! (Graham, "Bounds on multiprocessing timing anomalies", SIAM J. Appl. Math. 17, 1969, Thm. 2).
//! The assignment depends only on the check ids, their registry order, N and the cost table — never
//! on the machine — so every job of an array computes the same partition.
//!
//! **Costs** are the `elapsed_ms` of each record in measured reports, per profile, kept in
//! `validations/costs.json` (regenerate with `steepest report costs QUICK.json PAPER.json --out
//! validations/costs.json`), or taken from a report of one's own with `--shard-costs R.json`. A
//! check the table does not know costs the table's median for its profile (a new check is neither
//! free nor the most expensive).

use super::{Profile, Report};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Estimated wall time (ms) of each record id, per profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostTable {
    /// How the table was measured (commands, machine, commit).
    pub about: String,
    /// Quick-profile costs by record id.
    pub quick: BTreeMap<String, f64>,
    /// Paper-profile costs by record id.
    pub paper: BTreeMap<String, f64>,
}

const BUILT_IN: &str = include_str!("../../validations/costs.json");

impl CostTable {
    /// The table shipped with this build (`validations/costs.json`).
    pub fn built_in() -> Self {
        serde_json::from_str(BUILT_IN).expect("validations/costs.json is a valid cost table")
    }

    /// The costs of one profile.
    pub fn profile(&self, profile: Profile) -> &BTreeMap<String, f64> {
        match profile {
            Profile::Quick => &self.quick,
            Profile::Paper => &self.paper,
        }
    }

    /// A table from measured reports: each record's `elapsed_ms` (rounded to whole ms) under its
    /// report's profile. Two reports of one profile: the later one wins for ids in both.
    pub fn from_reports(reports: &[Report], about: impl Into<String>) -> Self {
        let mut t = CostTable {
            about: about.into(),
            ..Default::default()
        };
        for r in reports {
            let map = match r.profile {
                Profile::Quick => &mut t.quick,
                Profile::Paper => &mut t.paper,
            };
            for rec in &r.records {
                map.insert(rec.id.clone(), rec.elapsed_ms.round().max(1.0));
            }
        }
        t
    }

    /// The estimated cost of each id. An id the profile's table lacks costs, in the paper
    /// profile, its quick cost times the median paper/quick ratio of the ids measured in both (1
    /// when none is); otherwise the median of the profile's table (1 ms if it is empty).
    pub fn estimate(&self, profile: Profile, ids: &[String]) -> Vec<f64> {
        let map = self.profile(profile);
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied()
        };
        let fallback = median(map.values().copied().collect()).unwrap_or(1.0);
        let ratio = median(
            self.paper
                .iter()
                .filter_map(|(id, p)| self.quick.get(id).map(|q| p / q))
                .collect(),
        )
        .unwrap_or(1.0);
        ids.iter()
            .map(|id| match (map.get(id), profile, self.quick.get(id)) {
                (Some(&c), _, _) => c,
                (None, Profile::Paper, Some(&q)) => q * ratio,
                _ => fallback,
            })
            .collect()
    }
}

/// The shard (0-based, `< n`) of each check, by longest processing time first (see the module
/// documentation). `costs[k]` is check k's estimated cost, in registry order.
pub fn assign(costs: &[f64], n: usize) -> Vec<usize> {
    assert!(n >= 1, "at least one shard");
    let mut order: Vec<usize> = (0..costs.len()).collect();
    // Largest first; ties keep registry order (the sort is stable).
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]));
    let mut load = vec![0.0_f64; n];
    let mut shard = vec![0; costs.len()];
    for k in order {
        let (s, _) = load
            .iter()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (s, &l)| {
                    if l < best.1 {
                        (s, l)
                    } else {
                        best
                    }
                },
            );
        shard[k] = s;
        load[s] += costs[k].max(0.0);
    }
    shard
}

/// Read a cost source for `--shard-costs`: a steepest report (its records' `elapsed_ms`) or a cost
/// table in the format of `validations/costs.json`.
pub fn read_costs(path: &std::path::Path) -> Result<CostTable> {
    let what = path.display();
    let value = crate::io::read_json(path)?;
    if value.get("records").is_some() {
        crate::report::check_report(&value, &what.to_string())?;
        let report: Report = serde_json::from_value(value).map_err(|e| {
            Error::argument(
                "--shard-costs",
                format!("'{what}'"),
                format!("not a complete steepest.report/v1 report ({e})"),
                "give a report written by `steepest validate --report` or a cost table like validations/costs.json",
            )
        })?;
        return Ok(CostTable::from_reports(&[report], format!("from {what}")));
    }
    serde_json::from_value(value).map_err(|e| {
        Error::argument(
            "--shard-costs",
            format!("'{what}'"),
            format!("not a cost table ({e})"),
            "expected {\"about\": …, \"quick\": {id: ms}, \"paper\": {id: ms}} or a steepest report",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_first_balances_one_heavy_check_against_many_light_ones() {
        // Round robin would put the 10 with two 1s (12 vs 2); LPT isolates it.
        let costs = [1.0, 10.0, 1.0, 1.0, 1.0];
        let s = assign(&costs, 2);
        assert_eq!(s, vec![1, 0, 1, 1, 1]);
    }

    #[test]
    fn every_check_lands_in_exactly_one_shard_and_the_makespan_obeys_graham() {
        let table = CostTable::built_in();
        let ids: Vec<String> = table.quick.keys().cloned().collect();
        let costs = table.estimate(Profile::Quick, &ids);
        for n in 1..=9 {
            let s = assign(&costs, n);
            assert_eq!(s.len(), ids.len());
            assert!(s.iter().all(|&k| k < n));
            let mut load = vec![0.0; n];
            for (k, &c) in costs.iter().enumerate() {
                load[s[k]] += c;
            }
            let total: f64 = costs.iter().sum();
            let biggest = costs.iter().copied().fold(0.0, f64::max);
            // Any list schedule (LPT is one) ends by total/n + (1 − 1/n)·max (Graham 1966), and
            // no partition beats max(total/n, max).
            let bound = total / n as f64 + (1.0 - 1.0 / n as f64) * biggest;
            let makespan = load.iter().copied().fold(0.0, f64::max);
            assert!(
                makespan <= bound * (1.0 + 1e-12),
                "n = {n}: {makespan} > {bound}"
            );
            assert!(makespan >= (total / n as f64).max(biggest) * (1.0 - 1e-12));
        }
    }

    #[test]
    fn unknown_ids_cost_the_median_or_their_scaled_quick_cost() {
        let mut t = CostTable::default();
        t.quick.insert("a".into(), 1.0);
        t.quick.insert("b".into(), 5.0);
        t.quick.insert("c".into(), 100.0);
        let e = t.estimate(Profile::Quick, &["new".to_string(), "c".to_string()]);
        assert_eq!(e, vec![5.0, 100.0]);
        assert_eq!(t.estimate(Profile::Paper, &["x".to_string()]), vec![1.0]);
        // Paper ids not yet measured scale their quick cost by the measured paper/quick ratio.
        t.paper.insert("a".into(), 30.0);
        let e = t.estimate(Profile::Paper, &["b".to_string(), "a".to_string()]);
        assert_eq!(e, vec![150.0, 30.0]);
    }

    #[test]
    fn the_built_in_table_covers_the_quick_registry() {
        let table = CostTable::built_in();
        let missing: Vec<String> = super::super::registry::SUITES
            .iter()
            .flat_map(|s| (s.checks)())
            .map(|c| c.id())
            .filter(|id| !table.quick.contains_key(id))
            .collect();
        // New checks may be missing until the table is regenerated; a table that has lost most of
        // the registry would make the assignment by count in disguise.
        assert!(
            missing.len() * 10 <= table.quick.len(),
            "validations/costs.json lacks {} quick ids (e.g. {:?}); regenerate it (see src/validate/shard.rs)",
            missing.len(),
            missing.iter().take(3).collect::<Vec<_>>()
        );
    }
}
