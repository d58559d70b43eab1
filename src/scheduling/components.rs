//! Independent parts of a problem. Two appointments interact only through an interpreter who
//! could take both in the same ISO week (time, travel, daily and weekly caps are all within a
//! week), so the connected parts of the graph appointment — (interpreter, week) are solved
//! separately. Languages and sites split it further by themselves: nobody links them.

use std::collections::HashMap;

use super::instance::Instance;

/// A set of appointments with the pairs that may serve them.
#[derive(Debug, Clone, Default)]
pub struct Component {
    pub appts: Vec<usize>,
    pub pairs: Vec<usize>,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, x: usize) -> usize {
        let mut root = x;
        while self.0[root] != root {
            root = self.0[root];
        }
        let mut node = x;
        while self.0[node] != root {
            let next = self.0[node];
            self.0[node] = root;
            node = next;
        }
        root
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra] = rb;
        }
    }
}

/// Splits the appointments that have candidates into independent components, largest first.
pub fn split(instance: &Instance, pairs: &[usize]) -> Vec<Component> {
    let n = instance.appts.len();
    let mut week_nodes: HashMap<(usize, (i32, u32)), usize> = HashMap::new();
    for &p in pairs {
        let pair = instance.pairs[p];
        let next = n + week_nodes.len();
        week_nodes.entry((pair.interp, instance.appts[pair.appt].week)).or_insert(next);
    }
    let mut uf = UnionFind((0..n + week_nodes.len()).collect());
    let mut by_interp: HashMap<usize, Vec<usize>> = HashMap::new();
    for &p in pairs {
        let pair = instance.pairs[p];
        uf.union(pair.appt, week_nodes[&(pair.interp, instance.appts[pair.appt].week)]);
        by_interp.entry(pair.interp).or_default().push(pair.appt);
    }
    // A late Sunday and an early Monday appointment at different sites can still clash through
    // travel time: such weeks are joined.
    for (interp, mut appts) in by_interp {
        appts.sort_by_key(|&a| instance.appts[a].busy.start);
        for (k, &a) in appts.iter().enumerate() {
            for &b in &appts[k + 1..] {
                let (x, y) = (&instance.appts[a], &instance.appts[b]);
                if y.busy.start >= x.busy.end + 24 * 3600 {
                    break;
                }
                if x.week != y.week && instance.conflict(&x.busy, &y.busy) {
                    uf.union(week_nodes[&(interp, x.week)], week_nodes[&(interp, y.week)]);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Component> = HashMap::new();
    for &p in pairs {
        let root = uf.find(instance.pairs[p].appt);
        groups.entry(root).or_default().pairs.push(p);
    }
    let mut components: Vec<Component> = groups
        .into_values()
        .map(|mut c| {
            c.appts = c.pairs.iter().map(|&p| instance.pairs[p].appt).collect();
            c.appts.sort_unstable();
            c.appts.dedup();
            c
        })
        .collect();
    components.sort_by_key(|c| (std::cmp::Reverse(c.pairs.len()), c.appts.first().copied()));
    components
}
