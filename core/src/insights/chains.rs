//! Referral chains (issue 11, Stats: who brought whom, 裂变): the customers who brought the
//! most new customers, with the spend of those they brought, and the tree of one introducer's
//! referrals down the chain.
//!
//! Built from each customer's referrer (their [`Traits`], read from the book once for all the
//! Stats figures) and the day's [`Analysis`] (net spend). [`Chains::of`] lays the referrals out
//! per introducer (a counting sort, no walk over the book), so the top list and any number of
//! trees cost little after it.
//!
//! Referrers are typed by hand and synced from several devices, so the data may hold cycles
//! (A names B as referrer and B names A). Every customer names at most one referrer, so each
//! appears in at most one introducer's list: a walk down from a customer meets nobody twice
//! except that customer again, whom it skips — so every walk ends, visiting each customer once.

use super::portraits::{Referrer, Traits};
use crate::domain::Money;
use crate::id::Id;
use crate::segment::Analysis;

/// A customer who brought others ([`Chains::top`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introducer {
    /// The customer.
    pub customer: Id,
    /// How many customers name them as referrer (direct referrals).
    pub brought: usize,
    /// The net spend of those customers as of `D` (all their purchases, refunds deducted).
    pub brought_spend: Money,
    /// How many customers are down their chain: those they brought, those these brought, and
    /// so on.
    pub chain: usize,
}

/// A customer in a referral tree ([`Chains::tree`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralNode {
    /// The customer.
    pub customer: Id,
    /// Their own net spend as of `D`.
    pub spend: Money,
    /// How many customers name them as referrer. More than `children` holds below the depth
    /// limit, or when one of them is the tree's root (a cycle).
    pub brought: usize,
    /// How many customers are down their chain (below the depth limit too; the tree's root
    /// not again).
    pub chain: usize,
    /// Those they brought, in id order (the order they were added), down to the depth limit.
    pub children: Vec<ReferralNode>,
}

/// Who brought whom among the customers of one analysis (see the module doc).
#[derive(Clone, Debug)]
pub struct Chains<'a> {
    analysis: &'a Analysis,
    /// Where each customer's referrals start in `referred` (one more entry than customers).
    starts: Vec<u32>,
    /// The customers referred, introducer after introducer, each introducer's in id order.
    referred: Vec<u32>,
}

/// "No parent" in a walk's order.
const ROOT: u32 = u32::MAX;

impl<'a> Chains<'a> {
    /// The referrals among `analysis`'s customers, as their records name them (`traits`, read
    /// for this analysis; a customer naming someone who is not in the analysis, or themselves,
    /// is nobody's referral).
    pub fn of(traits: &Traits, analysis: &'a Analysis) -> Chains<'a> {
        let n = analysis.history.customers.len();
        let referrers: Vec<Referrer> = (0..n).map(|c| traits.referrer(c)).collect();
        let mut starts = vec![0u32; n + 1];
        for r in &referrers {
            if let Referrer::Customer(r) = r {
                starts[*r + 1] += 1;
            }
        }
        for i in 1..=n {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut referred = vec![0u32; starts[n] as usize];
        // Customers in id order, so each introducer's list is in id order.
        for (c, r) in referrers.iter().enumerate() {
            if let Referrer::Customer(r) = r {
                let at = &mut next[*r];
                referred[*at as usize] = c as u32;
                *at += 1;
            }
        }
        Chains {
            analysis,
            starts,
            referred,
        }
    }

    /// The customers that customer `c` (a dense index of the analysis) brought, as dense
    /// indices in id order; empty for an index out of range.
    pub fn referred(&self, c: usize) -> &[u32] {
        match (self.starts.get(c), self.starts.get(c + 1)) {
            (Some(&from), Some(&to)) => &self.referred[from as usize..to as usize],
            _ => &[],
        }
    }

    /// The `limit` customers who brought the most customers — ties by the net spend of those
    /// they brought, then by id (who was added first) — with that spend and the length of
    /// their chain; empty when nobody referred anyone.
    pub fn top(&self, limit: usize) -> Vec<Introducer> {
        let history = &self.analysis.history;
        let mut ranked: Vec<(usize, usize, Money)> = (0..history.customers.len())
            .filter_map(|c| {
                let brought = self.referred(c);
                let spend = brought
                    .iter()
                    .map(|&b| history.customers[b as usize].net_spend)
                    .sum();
                (!brought.is_empty()).then_some((c, brought.len(), spend))
            })
            .collect();
        crate::sorting::sort_by_key(&mut ranked, |&(c, brought, spend)| {
            (std::cmp::Reverse(brought), std::cmp::Reverse(spend), c)
        });
        ranked
            .into_iter()
            .take(limit)
            .map(|(c, brought, brought_spend)| Introducer {
                customer: Id::trusted(history.id(c)),
                brought,
                brought_spend,
                chain: self.walk(c as u32).len() - 1,
            })
            .collect()
    }

    /// The referral tree of `root`: the customers they brought, those these brought, and so
    /// on, `max_depth` levels below the root (0: the root alone), each customer once however
    /// the data loops. `None` when `root` is not a customer of the analysis.
    pub fn tree(&self, root: &Id, max_depth: usize) -> Option<ReferralNode> {
        let history = &self.analysis.history;
        let root = self.analysis.index_of(root)? as u32;
        let order = self.walk(root);
        // Chain lengths, children before parents (a parent comes before its children).
        let mut chain = vec![0usize; order.len()];
        for at in (1..order.len()).rev() {
            let parent = order[at].1 as usize;
            chain[parent] += chain[at] + 1;
        }
        // Nodes, children first: each waits in its parent's list, the last child first.
        let mut waiting: Vec<Vec<ReferralNode>> = vec![Vec::new(); order.len()];
        for at in (0..order.len()).rev() {
            let (c, parent, depth) = order[at];
            if depth as usize > max_depth {
                continue;
            }
            let mut children = std::mem::take(&mut waiting[at]);
            children.reverse();
            let node = ReferralNode {
                customer: Id::trusted(history.id(c as usize)),
                spend: history.customers[c as usize].net_spend,
                brought: self.referred(c as usize).len(),
                chain: chain[at],
                children,
            };
            if parent == ROOT {
                return Some(node);
            }
            waiting[parent as usize].push(node);
        }
        None
    }

    /// Everyone down `root`'s chain, `root` first, as (customer, position of their introducer
    /// in the list or [`ROOT`], depth), each introducer before those they brought, siblings in
    /// id order. Cycle-safe: see the module doc.
    fn walk(&self, root: u32) -> Vec<(u32, u32, u32)> {
        let mut order = Vec::new();
        let mut stack = vec![(root, ROOT, 0u32)];
        while let Some((c, parent, depth)) = stack.pop() {
            let at = order.len() as u32;
            order.push((c, parent, depth));
            for &child in self.referred(c as usize).iter().rev() {
                if child != root {
                    stack.push((child, at, depth + 1));
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::RecordKind;
    use crate::test_shop::Shop;
    use serde_json::json;

    /// Twelve customers, spend in yuan:
    /// - A (10) brought B (100) and C (50); B brought D (300) and E (0); D brought F (0);
    /// - X (0) brought Y (150) and Z (0);
    /// - P (10) and Q (20) name each other (a cycle);
    /// - S names themselves.
    fn shop() -> (Shop, Vec<Id>) {
        let mut s = Shop::new();
        let names = ["A", "B", "C", "D", "E", "F", "X", "Y", "Z", "P", "Q", "S"];
        let ids: Vec<Id> = names.iter().map(|n| s.customer(n, json!({}))).collect();
        let id = |n: &str| ids[names.iter().position(|x| *x == n).unwrap()].clone();
        for (who, by) in [
            ("B", "A"),
            ("C", "A"),
            ("D", "B"),
            ("E", "B"),
            ("F", "D"),
            ("Y", "X"),
            ("Z", "X"),
            ("P", "Q"),
            ("Q", "P"),
            ("S", "S"),
        ] {
            s.set(RecordKind::Customer, &id(who), "referrer", json!(id(by)));
        }
        for (who, y) in [
            ("A", 10),
            ("B", 100),
            ("C", 50),
            ("D", 300),
            ("Y", 150),
            ("P", 10),
            ("Q", 20),
        ] {
            s.sale(&id(who), "2026-01-10", y);
        }
        // A refund lowers D's spend to 300 (a 20 sale, then 20 back).
        s.sale(&id("D"), "2026-02-01", 20);
        s.refund(&id("D"), "2026-02-02", 20, None);
        (s, ids)
    }

    fn yuan(y: i64) -> Money {
        Money(y * 100)
    }

    #[test]
    fn chains_top_introducers_rank_by_brought_then_spend_then_id() {
        let (s, ids) = shop();
        let analysis = s.analysis("2026-06-15");
        let chains = Chains::of(&Traits::read(&s.book, &analysis), &analysis);
        let top = chains.top(10);
        let rows: Vec<(&Id, usize, Money, usize)> = top
            .iter()
            .map(|i| (&i.customer, i.brought, i.brought_spend, i.chain))
            .collect();
        let [a, b, _, d, ..] = &ids[..] else {
            unreachable!()
        };
        let (x, p, q) = (&ids[6], &ids[9], &ids[10]);
        // B, A and X brought 2: B's spent 300, A's and X's 150 (A added first). Then P (Q
        // spent 20), Q (P spent 10), D (F spent nothing). S naming themselves does not count.
        assert_eq!(
            rows,
            [
                (b, 2, yuan(300), 3),
                (a, 2, yuan(150), 5),
                (x, 2, yuan(150), 2),
                (p, 1, yuan(20), 1),
                (q, 1, yuan(10), 1),
                (d, 1, yuan(0), 1),
            ]
        );
        assert_eq!(chains.top(2).len(), 2);
        assert_eq!(chains.referred(0), [1, 2]);
        assert!(chains.referred(99).is_empty());
    }

    #[test]
    fn chains_tree_nests_down_to_the_depth_limit() {
        let (s, ids) = shop();
        let analysis = s.analysis("2026-06-15");
        let chains = Chains::of(&Traits::read(&s.book, &analysis), &analysis);
        let a = &ids[0];
        let root = chains.tree(a, 0).unwrap();
        assert_eq!(
            (&root.customer, root.spend, root.brought, root.chain),
            (a, yuan(10), 2, 5)
        );
        assert!(root.children.is_empty());
        let shallow = chains.tree(a, 1).unwrap();
        let kids: Vec<(&Id, usize, usize, usize)> = shallow
            .children
            .iter()
            .map(|n| (&n.customer, n.brought, n.chain, n.children.len()))
            .collect();
        assert_eq!(kids, [(&ids[1], 2, 3, 0), (&ids[2], 0, 0, 0)]);
        let deep = chains.tree(a, 10).unwrap();
        let b = &deep.children[0];
        assert_eq!(b.spend, yuan(100));
        let under_b: Vec<&Id> = b.children.iter().map(|n| &n.customer).collect();
        assert_eq!(under_b, [&ids[3], &ids[4]]);
        assert_eq!(b.children[0].spend, yuan(300));
        assert_eq!(b.children[0].children[0].customer, ids[5]);
        assert!(b.children[0].children[0].children.is_empty());
    }

    #[test]
    fn chains_tree_survives_a_cycle_and_unknown_roots() {
        let (s, ids) = shop();
        let analysis = s.analysis("2026-06-15");
        let chains = Chains::of(&Traits::read(&s.book, &analysis), &analysis);
        let (p, q) = (&ids[9], &ids[10]);
        let tree = chains.tree(p, 50).unwrap();
        assert_eq!((tree.brought, tree.chain), (1, 1));
        let below = &tree.children[0];
        assert_eq!(&below.customer, q);
        // Q brought P, the root: not shown again.
        assert_eq!((below.brought, below.chain), (1, 0));
        assert!(below.children.is_empty());
        let lone = chains.tree(&ids[11], 3).unwrap();
        assert_eq!((lone.brought, lone.chain, lone.children.len()), (0, 0, 0));
        assert!(chains.tree(&Id::parse("nobody").unwrap(), 3).is_none());
    }

    #[test]
    fn chains_empty_shop_has_no_introducers() {
        let s = Shop::new();
        let analysis = s.analysis("2026-06-15");
        let chains = Chains::of(&Traits::read(&s.book, &analysis), &analysis);
        assert!(chains.top(10).is_empty());
        assert!(chains.referred(0).is_empty());
    }
}
