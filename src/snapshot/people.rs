//! Who is who as of a day: identity stitching (`alias`, `identify` with an
//! `anonymousId`) resolved point-in-time, so links made after the day do not count.

use crate::engine::State;
use crate::engine::state::{ActorState, link_as_of};
use crate::time::DayNumber;

const NONE: u32 = u32::MAX;

/// People as of a day: each person is a root user id and the ids merged into it.
pub(crate) struct People {
    /// Root actor of each person, sorted by user id.
    pub roots: Vec<u32>,
    /// Members of person `p`: `members[starts[p]..starts[p + 1]]`, root first.
    starts: Vec<u32>,
    members: Vec<u32>,
    /// Each root's person, by actor id (`NONE` for an actor that is no root).
    person_of: Vec<u32>,
}

impl People {
    /// The people as of two days, `(day, cutoff_ms)` each. One loop over the actors
    /// follows the links for both days, so the second day reads an actor's links
    /// while the first day has just brought them into cache.
    pub fn resolve_pair(state: &State, a: (DayNumber, i64), b: (DayNumber, i64)) -> [People; 2] {
        let n = state.actors.len();
        let mut roots = [vec![NONE; n], vec![NONE; n]];
        let mut path = Vec::new();
        for actor in 0..n as u32 {
            let first_call = state.actors[actor as usize].first_call;
            for ((day, cutoff_ms), root) in [a, b].into_iter().zip(&mut roots) {
                if first_call < cutoff_ms {
                    root[actor as usize] = find_root(state, actor, day, root, &mut path);
                }
            }
        }
        let [root_a, root_b] = roots;
        [
            People::from_roots(state, &root_a, a.1),
            People::from_roots(state, &root_b, b.1),
        ]
    }

    /// The people of a day from each actor's root as of that day (`NONE`: no call
    /// by the day's end).
    #[allow(clippy::needless_range_loop)] // several parallel arrays share the index
    fn from_roots(state: &State, root: &[u32], cutoff_ms: i64) -> People {
        let n = state.actors.len();
        let is_person = |r: u32| {
            r != NONE
                && state.actors[r as usize]
                    .user_since()
                    .is_some_and(|s| s < cutoff_ms)
        };
        let mut roots: Vec<u32> = (0..n as u32)
            .filter(|&a| root[a as usize] == a && is_person(a))
            .collect();
        state.actor_ids.sort_by_name(&mut roots);
        let mut person_of = vec![NONE; n];
        for (p, &r) in roots.iter().enumerate() {
            person_of[r as usize] = p as u32;
        }
        // Counting sort of members by person, root first.
        let mut counts = vec![1u32; roots.len()];
        for a in 0..n {
            let r = root[a];
            if r != NONE && r as usize != a && person_of[r as usize] != NONE {
                counts[person_of[r as usize] as usize] += 1;
            }
        }
        let mut starts = Vec::with_capacity(roots.len() + 1);
        let mut total = 0u32;
        starts.push(0);
        for c in &counts {
            total += c;
            starts.push(total);
        }
        let mut members = vec![NONE; total as usize];
        let mut fill: Vec<u32> = starts[..roots.len()].to_vec();
        for (p, &r) in roots.iter().enumerate() {
            members[fill[p] as usize] = r;
            fill[p] += 1;
        }
        for a in 0..n {
            let r = root[a];
            if r != NONE && r as usize != a && person_of[r as usize] != NONE {
                let p = person_of[r as usize] as usize;
                members[fill[p] as usize] = a as u32;
                fill[p] += 1;
            }
        }
        People {
            roots,
            starts,
            members,
            person_of,
        }
    }

    /// The person whose root is `actor`, if it is one.
    pub fn of_root(&self, actor: u32) -> Option<usize> {
        let p = self.person_of[actor as usize];
        (p != NONE).then_some(p as usize)
    }

    pub fn len(&self) -> usize {
        self.roots.len()
    }

    pub fn members(&self, p: usize) -> &[u32] {
        &self.members[self.starts[p] as usize..self.starts[p + 1] as usize]
    }

    pub fn actors<'a>(
        &'a self,
        state: &'a State,
        p: usize,
    ) -> impl Iterator<Item = &'a ActorState> + 'a {
        self.members(p)
            .iter()
            .map(move |&a| &state.actors[a as usize])
    }
}

/// Follows alias links as of `day` to the surviving id. A cycle (A→B made later
/// than B→A) resolves to its smallest id by name, so the answer is order-free.
fn find_root(
    state: &State,
    start: u32,
    day: DayNumber,
    memo: &mut [u32],
    path: &mut Vec<u32>,
) -> u32 {
    path.clear();
    let mut current = start;
    loop {
        if memo[current as usize] != NONE && current != start {
            let r = memo[current as usize];
            for &p in path.iter() {
                memo[p as usize] = r;
            }
            return r;
        }
        if let Some(pos) = path.iter().position(|&p| p == current) {
            let cycle = &path[pos..];
            let r = *cycle
                .iter()
                .min_by(|&&a, &&b| state.actor_ids.name(a).cmp(state.actor_ids.name(b)))
                .unwrap_or(&current);
            for &p in path.iter() {
                memo[p as usize] = r;
            }
            return r;
        }
        path.push(current);
        match link_as_of(state.actors[current as usize].parents(), day) {
            Some(link) => current = link.target,
            None => {
                for &p in path.iter() {
                    memo[p as usize] = current;
                }
                return current;
            }
        }
    }
}
