//! One interpreter's best week at given prices, found exactly: per day every choice of
//! appointments that fits the clashes, travel and the daily cap (few, since a day holds few
//! appointments), reduced to its Pareto frontier of minutes against value; then the days
//! combined under the weekly cap, and the fairness penalty of the week's load subtracted.

/// Enumeration steps allowed for one day; beyond them the week is not known to be best.
const DAY_NODES: usize = 20_000;

/// A point of a frontier: seconds, value, and how it was reached (the point of the days
/// before and the day's choice as a mask).
type Point = (i64, f64, (usize, u128));

/// One interpreter's week: the days with their candidate appointments.
#[derive(Debug, Clone)]
pub struct Week {
    pub interp: usize,
    pub days: Vec<Day>,
    /// Seconds the weekly cap leaves after confirmed work.
    pub weekly_left: i64,
    /// Weekly cap and confirmed load, in minutes, for the fairness penalty.
    pub cap_min: f64,
    pub fixed_min: f64,
}

/// One day of a week: its candidates (local pair numbers) sorted by start.
#[derive(Debug, Clone)]
pub struct Day {
    pub pairs: Vec<usize>,
    pub secs: Vec<i64>,
    /// Bit `k`: clashes with the day's `k`-th candidate.
    pub clashes: Vec<u128>,
    /// Seconds the daily cap leaves after confirmed work.
    pub left: i64,
}

/// The best week found.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// Value of the pairs minus the fairness penalty.
    pub value: f64,
    pub pairs: Vec<usize>,
    /// Whether it is proven best (the enumeration was complete).
    pub exact: bool,
}

impl Week {
    /// The fairness penalty at `secs` planned seconds, `weight` being the most it can take.
    pub fn penalty(&self, secs: i64, weight: f64) -> f64 {
        if self.cap_min <= 0.0 {
            return 0.0;
        }
        let load = self.fixed_min + secs as f64 / 60.0;
        weight / self.cap_min
            * ((load - 0.5 * self.cap_min).max(0.0) + 2.0 * (load - 0.75 * self.cap_min).max(0.0))
    }

    /// The best week when local pair `p` is worth `profit[p]`.
    pub fn best(&self, profit: &[f64], fairness: f64) -> Choice {
        let mut exact = true;
        // Per day, the combined frontier so far: (seconds, value, index in the previous
        // stage, the day's choice as a mask).
        let mut stages: Vec<Vec<Point>> = Vec::with_capacity(self.days.len());
        let mut frontier: Vec<(i64, f64)> = vec![(0, 0.0)];
        for day in &self.days {
            let values: Vec<f64> = day.pairs.iter().map(|&p| profit[p]).collect();
            let mut search = DaySearch { day, values: &values, options: Vec::new(), nodes: 0 };
            search.enumerate(0, 0, 0, 0.0, 0);
            exact &= search.nodes < DAY_NODES;
            let options = pareto(search.options);
            let mut next = Vec::with_capacity(frontier.len() * options.len());
            for (from, &(s1, v1)) in frontier.iter().enumerate() {
                for &(s2, v2, mask) in &options {
                    if s1 + s2 <= self.weekly_left {
                        next.push((s1 + s2, v1 + v2, (from, mask)));
                    }
                }
            }
            let kept = pareto(next);
            frontier = kept.iter().map(|&(s, v, ..)| (s, v)).collect();
            stages.push(kept);
        }
        let (mut at, value) = frontier
            .iter()
            .enumerate()
            .map(|(k, &(s, v))| (k, v - self.penalty(s, fairness)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        let mut pairs = Vec::new();
        for (day, stage) in self.days.iter().zip(&stages).rev() {
            let Some(&(_, _, (from, mask))) = stage.get(at) else { break };
            pairs.extend(
                (0..day.pairs.len()).filter(|&k| mask & (1 << k) != 0).map(|k| day.pairs[k]),
            );
            at = from;
        }
        pairs.sort_unstable();
        Choice { value, pairs, exact }
    }
}

/// Depth-first enumeration of one day's feasible choices with positive value.
struct DaySearch<'a> {
    day: &'a Day,
    values: &'a [f64],
    options: Vec<(i64, f64, u128)>,
    nodes: usize,
}

impl DaySearch<'_> {
    fn enumerate(&mut self, from: usize, mask: u128, secs: i64, value: f64, forbidden: u128) {
        self.options.push((secs, value, mask));
        for k in from..self.day.pairs.len() {
            if self.nodes >= DAY_NODES {
                return;
            }
            if self.values[k] <= 1e-12
                || forbidden & (1 << k) != 0
                || secs + self.day.secs[k] > self.day.left
            {
                continue;
            }
            self.nodes += 1;
            self.enumerate(
                k + 1,
                mask | (1 << k),
                secs + self.day.secs[k],
                value + self.values[k],
                forbidden | self.day.clashes[k],
            );
        }
    }
}

/// The points that no other point beats with as few or fewer seconds.
fn pareto<T: Copy>(mut points: Vec<(i64, f64, T)>) -> Vec<(i64, f64, T)> {
    points.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let mut kept: Vec<(i64, f64, T)> = Vec::with_capacity(points.len());
    for point in points {
        if kept.last().is_none_or(|last| point.1 > last.1 + 1e-12) {
            kept.push(point);
        }
    }
    kept
}
