//! Dominated pairs. If an interpreter could take an appointment without giving up anything —
//! it clashes with none of their other candidate appointments and their caps hold even if they
//! took all of them — then every optimal plan may give it to them: the appointment is settled
//! and its other pairs are dominated. Only done when that interpreter is also among the most
//! preferred for the appointment, so the lower objective levels lose nothing either.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::components::Component;
use super::instance::Instance;

/// The pairs settled outright, and the pairs left for the MILP.
#[derive(Debug, Clone, Default)]
pub struct Reduced {
    pub settled: Vec<usize>,
    pub open: Vec<usize>,
}

/// Settles what dominance allows in one component.
pub fn reduce(instance: &Instance, component: &Component) -> Reduced {
    let mut by_interp: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut day_total: HashMap<(usize, NaiveDate), i64> = HashMap::new();
    let mut week_total: HashMap<(usize, (i32, u32)), i64> = HashMap::new();
    for &p in &component.pairs {
        let pair = instance.pairs[p];
        let appt = &instance.appts[pair.appt];
        by_interp.entry(pair.interp).or_default().push(pair.appt);
        *day_total.entry((pair.interp, appt.date)).or_default() += appt.secs;
        *week_total.entry((pair.interp, appt.week)).or_default() += appt.secs;
    }
    // Appointments of an interpreter that clash with another candidate of theirs.
    let mut clashing: HashMap<(usize, usize), bool> = HashMap::new();
    for (&interp, appts) in &mut by_interp {
        appts.sort_by_key(|&a| instance.appts[a].busy.start);
        for (k, &a) in appts.iter().enumerate() {
            for &b in &appts[k + 1..] {
                let (x, y) = (&instance.appts[a].busy, &instance.appts[b].busy);
                if y.start >= x.end + 24 * 3600 {
                    break;
                }
                if instance.conflict(x, y) {
                    clashing.insert((interp, a), true);
                    clashing.insert((interp, b), true);
                }
            }
        }
    }
    let free = |p: usize| {
        let pair = instance.pairs[p];
        let appt = &instance.appts[pair.appt];
        let interp = &instance.interps[pair.interp];
        !clashing.contains_key(&(pair.interp, pair.appt))
            && interp.fixed_day.get(&appt.date).copied().unwrap_or(0)
                + day_total[&(pair.interp, appt.date)]
                <= interp.daily_cap
            && interp.fixed_week.get(&appt.week).copied().unwrap_or(0)
                + week_total[&(pair.interp, appt.week)]
                <= interp.weekly_cap
    };
    let mut by_appt: HashMap<usize, Vec<usize>> = HashMap::new();
    for &p in &component.pairs {
        by_appt.entry(instance.pairs[p].appt).or_default().push(p);
    }
    let mut reduced = Reduced::default();
    let mut appts: Vec<usize> = by_appt.keys().copied().collect();
    appts.sort_unstable();
    for a in appts {
        let pairs = &by_appt[&a];
        let best = pairs.iter().map(|&p| instance.pairs[p].preference).max().unwrap_or(0);
        let settled = pairs
            .iter()
            .copied()
            .filter(|&p| instance.pairs[p].preference == best && free(p))
            .min_by_key(|&p| instance.pairs[p].interp);
        match settled {
            Some(p) => reduced.settled.push(p),
            None => reduced.open.extend(pairs.iter().copied()),
        }
    }
    reduced
}
