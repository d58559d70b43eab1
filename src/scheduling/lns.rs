//! Neighbourhood search with exact sub-models ("fix and optimise") for components too large to
//! solve whole in time. The interpreters are split into groups that share languages; for one
//! group at a time, every appointment planned with someone outside the group stays as it is,
//! and the group's whole weeks are re-planned exactly by HiGHS — its members' caps, clashes
//! and travel are all inside the sub-model, so its plan fits with the rest as it stands.
//! Sub-models of about [`GROUP_PAIRS`] pairs solve in well under a second.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use super::instance::Instance;
use super::milp;

/// Pairs per sub-model: small enough to solve exactly in a fraction of a second.
pub const GROUP_PAIRS: usize = 1500;

/// Scrambled groupings after the two by language and by site.
const SCRAMBLED: u64 = 4;

/// A fixed pseudo-random order of the interpreters, one per salt (SplitMix64's finaliser).
fn scramble(i: usize, salt: u64) -> usize {
    let mut z = (i as u64).wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    usize::try_from((z ^ (z >> 31)) >> 32).unwrap_or(0)
}

fn value(instance: &Instance, chosen: &[usize]) -> u64 {
    chosen.iter().map(|&p| u64::from(instance.appts[instance.pairs[p].appt].priority)).sum()
}

/// Groups of interpreters, ordered by `key`, each with about `GROUP_PAIRS` open pairs.
fn groups(
    instance: &Instance,
    open: &[usize],
    key: &dyn Fn(usize) -> (String, usize),
) -> Vec<HashSet<usize>> {
    let mut per_interp: BTreeMap<usize, usize> = BTreeMap::new();
    for &p in open {
        *per_interp.entry(instance.pairs[p].interp).or_default() += 1;
    }
    let mut interps: Vec<usize> = per_interp.keys().copied().collect();
    interps.sort_by_key(|&i| (key(i), i));
    let mut groups = Vec::new();
    let mut current = HashSet::new();
    let mut size = 0;
    for i in interps {
        current.insert(i);
        size += per_interp[&i];
        if size >= GROUP_PAIRS {
            groups.push(std::mem::take(&mut current));
            size = 0;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// Improves `chosen` (a feasible choice among `open`) group by group until `deadline`, or
/// until a turn of all groupings improves nothing; `better` hears of every improvement.
pub fn improve(
    instance: &Instance,
    open: &[usize],
    mut chosen: Vec<usize>,
    deadline: Instant,
    better: &dyn Fn(&[usize]),
) -> Vec<usize> {
    // Groupings, taken in turn: by first language (colleagues who can stand in for each
    // other), by home site, then scrambled ones that mix both, so that exchanges between any
    // two interpreters come up in some group.
    let by_language =
        |i: usize| (instance.interps[i].first_language.clone(), instance.interps[i].site);
    let by_site = |i: usize| (String::new(), instance.interps[i].site);
    let mut groupings =
        vec![groups(instance, open, &by_language), groups(instance, open, &by_site)];
    if groupings[0].len() < 2 {
        return chosen;
    }
    for salt in 1..=SCRAMBLED {
        let scrambled = |i: usize| (String::new(), scramble(i, salt));
        groupings.push(groups(instance, open, &scrambled));
    }
    // Stops when a whole turn of all groupings improved nothing.
    let mut idle = 0;
    for sweep in 0.. {
        let mut improved = false;
        for group in &groupings[sweep % groupings.len()] {
            let left = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
            if left < 0.1 {
                return chosen;
            }
            let taken_outside: HashSet<usize> = chosen
                .iter()
                .filter(|&&p| !group.contains(&instance.pairs[p].interp))
                .map(|&p| instance.pairs[p].appt)
                .collect();
            let free: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&p| {
                    group.contains(&instance.pairs[p].interp)
                        && !taken_outside.contains(&instance.pairs[p].appt)
                })
                .collect();
            let (inside, outside): (Vec<usize>, Vec<usize>) =
                chosen.iter().partition(|&&p| group.contains(&instance.pairs[p].interp));
            let Ok(outcome) = milp::solve(instance, &free, &inside, left.min(2.0)) else {
                continue;
            };
            if value(instance, &outcome.chosen) > value(instance, &inside) {
                chosen = outside;
                chosen.extend(outcome.chosen);
                improved = true;
                better(&chosen);
            }
        }
        idle = if improved { 0 } else { idle + 1 };
        if idle >= groupings.len() {
            break;
        }
    }
    chosen
}
