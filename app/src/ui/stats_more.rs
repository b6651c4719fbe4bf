//! The Stats tab's cards after the charts (issue 11), from core's `insights` figures: the
//! sources funnel (`funnel::sources_funnel`), the four steps 引流 → 截流 → 回流 → 裂变 by month
//! and channel (`funnel::four_steps`), the referral chains (`chains::Chains`), each staff
//! member's follow-ups (`staff_work::staff_work`) and the customer portrait of a group
//! (`portraits::portrait`).
//!
//! The customers' [`Traits`] those figures share are read from the book once per analysis
//! ([`Basis`]), and each figure is a memo over it, so nothing is worked out again while the
//! analysis stands. Bars are drawn by [`BarList`] (an HTML label that wraps, an SVG track that
//! scales, a `<title>` per mark) or as an SVG chart; every card has a "Show data" table
//! ([`ShowData`]) and says what to record when it has nothing to show. Part of the lazily
//! loaded Stats module.

use super::compose::outcome_name;
use super::customer_form::source_name;
use super::stats_charts::DataTable;
use super::widgets::AfterPaint;
use crate::i18n::{Lang, Texts, Words};
use crate::route::Link;
use crate::state::use_app;
use huike_core::domain::{Money, Outcome, Source};
use huike_core::id::Id;
use huike_core::insights::chains::{Chains, Introducer, ReferralNode};
use huike_core::insights::filter::{Facets, Filter, Sort, filter};
use huike_core::insights::funnel::{
    SOURCE_KEYS, SourceFunnel, Steps, four_steps, source_slot, sources_funnel,
};
use huike_core::insights::portraits::{Portrait, Traits, portrait};
use huike_core::insights::staff_work::{StaffWork, staff_work};
use huike_core::insights::{Insights, Today};
use huike_core::segment::class::RfmClass;
use huike_core::segment::stage::Stage;
use leptos::prelude::*;
use std::sync::Arc;

/// How many introducers the chains card lists.
const TOP_INTRODUCERS: usize = 10;
/// How many levels below an introducer their tree shows.
const TREE_DEPTH: usize = 6;
/// How many areas and categories a portrait lists by name (the rest as "others").
const TOP_NAMES: usize = 8;
/// The days of the staff card's period, today included.
const STAFF_DAYS: u64 = 30;

/// The day's analysis and its customers' traits, read from the book once per analysis: what
/// every figure on these cards is worked out from. Equal while the analysis is the same one.
#[derive(Clone)]
struct Basis {
    /// The day's analysis (and follow-ups).
    today: Arc<Today>,
    /// Source, referrer, gender and area of the analysis's customers.
    traits: Arc<Traits>,
}

impl PartialEq for Basis {
    fn eq(&self, other: &Basis) -> bool {
        Arc::ptr_eq(&self.today, &other.today)
    }
}

/// A figure worked out by `f` from the basis and the views kept beside the book: anew when
/// the analysis changes (or what `f` itself reads, such as a chosen filter), not per render.
fn figure<T>(
    basis: Memo<Option<Basis>>,
    f: impl Fn(&Basis, &Insights) -> T + Send + Sync + 'static,
) -> Memo<Option<T>>
where
    T: PartialEq + Send + Sync + 'static,
{
    let app = use_app();
    Memo::new(move |_| {
        basis.with(|b| {
            let b = b.as_ref()?;
            app.insights.with_untracked(|v| v.as_ref().map(|v| f(b, v)))
        })
    })
}

/// The cards: sources, four steps, referral chains, staff work, portraits.
#[component]
pub(super) fn StatsMore() -> impl IntoView {
    let app = use_app();
    // Follows the analysis and the book's opening, not every change of the book: the traits
    // are read for one analysis (its dense indices), and a new analysis follows each change.
    let basis = Memo::new(move |_| {
        let today = app.today.get()?;
        let traits = app
            .replica
            .with(|r| r.as_ref().map(|r| Traits::read(r.book(), &today.analysis)))?;
        Some(Basis {
            today,
            traits: Arc::new(traits),
        })
    });
    let funnel = figure(basis, |b, _| sources_funnel(&b.traits, &b.today.analysis));
    view! {
        <SourcesCard funnel=funnel />
        <StepsCard basis=basis funnel=funnel />
        <AfterPaint><ChainsCard basis=basis /></AfterPaint>
        <AfterPaint><StaffCard basis=basis /></AfterPaint>
        <AfterPaint><PortraitsCard basis=basis /></AfterPaint>
    }
}

/// The UI language and its words, untracked: a figure's parts are drawn anew by their card,
/// which follows the language.
fn words() -> (Lang, &'static Texts) {
    let lang = use_app().lang.get_untracked();
    (lang, lang.t())
}

/// `part` of `whole` as a whole percentage; "—" without a whole.
fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".to_owned()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

/// A source key's name: the channel, or "not recorded".
fn source_label(source: Option<Source>, t: &Texts, en: bool) -> &'static str {
    source.map_or(t.sm_unknown, |s| source_name(s, en))
}

/// A card of this module: its heading, then `children` (a figure, or what to record).
#[component]
fn MoreCard(
    /// The card's class (the end-to-end tests find a card by it).
    class: &'static str,
    /// The card's heading in a language.
    title: fn(&Texts) -> &'static str,
    children: Children,
) -> impl IntoView {
    let app = use_app();
    view! {
        <div class=format!("card chart-card more-card {class}")>
            <h2>{move || title(app.t())}</h2>
            {children()}
        </div>
    }
}

/// A card's body while the analysis is being worked out, when it is empty (`empty`: what to
/// record to fill it), or drawn by `draw`.
fn body<T>(
    figure: Option<T>,
    is_empty: impl FnOnce(&T) -> bool,
    empty: &'static str,
    draw: impl FnOnce(T) -> AnyView,
) -> AnyView {
    let t = words().1;
    match figure {
        None => view! { <p class="muted">{t.working}</p> }.into_any(),
        Some(f) if is_empty(&f) => view! { <p class="muted empty-note">{empty}</p> }.into_any(),
        Some(f) => draw(f),
    }
}

/// A mark on a [`BarList`] track, which is 100 units wide.
struct Mark {
    /// Where it starts, 0–100.
    from: f64,
    /// How wide it is, 0–100.
    width: f64,
    /// Its colour's class.
    class: String,
    /// What it stands for, with its number.
    title: String,
}

impl Mark {
    /// A mark from `from` for `n` of a track whose full width stands for `most`.
    fn of(from: f64, n: usize, most: usize, class: String, title: String) -> Mark {
        let width = 100.0 * n as f64 / most.max(1) as f64;
        Mark {
            from,
            width,
            class,
            title,
        }
    }
}

/// One row of a [`BarList`].
struct Bar {
    /// What the row is (text, or a link).
    label: AnyView,
    /// The marks on its track: nested (all from 0) or stacked.
    marks: Vec<Mark>,
    /// The number shown after the track.
    value: String,
    /// A line under the track.
    note: Option<AnyView>,
}

impl Bar {
    /// A row of one mark: `n` of the longest row's `most`, with its share of `whole`.
    fn count(label: &str, n: usize, most: usize, whole: usize) -> Bar {
        let share = percent(n, whole);
        Bar {
            label: label.to_owned().into_any(),
            marks: vec![Mark::of(
                0.0,
                n,
                most,
                "chart-bar".into(),
                format!("{label}: {n} ({share})"),
            )],
            value: format!("{n} · {share}"),
            note: None,
        }
    }
}

/// Horizontal bars: each row's label (wrapping, however long), its track (an SVG that scales
/// to the width left, a `<title>` per mark) and its number.
#[component]
fn BarList(
    /// What the list shows (its accessible name).
    label: &'static str,
    rows: Vec<Bar>,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|bar| {
            let summary = bar
                .marks
                .iter()
                .map(|m| m.title.as_str())
                .collect::<Vec<_>>()
                .join(" · ");
            let marks = bar
                .marks
                .into_iter()
                .map(|m| {
                    view! {
                        <rect x=format!("{:.2}", m.from) y="0" width=format!("{:.2}", m.width) height="10" class=m.class>
                            <title>{m.title}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! {
                <li class="bar-row">
                    <span class="bar-label">{bar.label}</span>
                    <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=summary>
                        {marks}
                    </svg>
                    <span class="bar-value">{bar.value}</span>
                    {bar.note.map(|note| view! { <span class="bar-note">{note}</span> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="bar-list" aria-label=label>{rows}</ul> }
}

/// Column headings.
fn heads(names: &[&'static str]) -> impl IntoView + use<> {
    names
        .iter()
        .map(|n| view! { <th scope="col">{*n}</th> })
        .collect_view()
}

/// A legend of `(class, name)` swatches.
fn legend(items: impl IntoIterator<Item = (String, &'static str)>) -> AnyView {
    let items = items
        .into_iter()
        .map(|(class, name)| {
            view! { <span class="legend-item"><span class=format!("swatch {class}")></span>{name}</span> }
        })
        .collect_view();
    view! { <p class="legend">{items}</p> }.into_any()
}

/// A select labelled `label` over `options` (value, text), showing `value`; `on_pick` gets the
/// value picked. The value "" stands for "all".
#[component]
fn Pick(
    label: Signal<&'static str>,
    options: Signal<Vec<(String, String)>>,
    value: Signal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <select prop:value=move || value.get() on:change=move |ev| on_pick.run(event_target_value(&ev))>
                {move || {
                    let current = value.get();
                    options
                        .get()
                        .into_iter()
                        .map(|(v, text)| {
                            let selected = v == current;
                            view! { <option value=v selected=selected>{text}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

// ---- 1. Sources ------------------------------------------------------------------------

/// Each source channel's customers, and how many of them visited, bought and bought again.
#[component]
fn SourcesCard(funnel: Memo<Option<Vec<SourceFunnel>>>) -> impl IntoView {
    let app = use_app();
    view! {
        <MoreCard class="sources-card" title=|t| t.sm_sources>
            {move || {
                let t = app.t();
                body(
                    funnel.get(),
                    |rows| rows.iter().all(|r| r.source.is_none()),
                    t.sm_sources_empty,
                    |rows| view! { <SourcesFunnel rows=rows /> }.into_any(),
                )
            }}
        </MoreCard>
    }
}

/// A funnel row's counts: customers, visited, bought, bought again.
fn funnel_counts(r: &SourceFunnel) -> [usize; 4] {
    [r.customers, r.visited, r.bought, r.bought_again]
}

/// The funnel as nested bars (each step inside the one before), the conversions under each.
#[component]
fn SourcesFunnel(rows: Vec<SourceFunnel>) -> impl IntoView {
    let (lang, t) = words();
    let en = lang == Lang::En;
    let most = rows.iter().map(|r| r.customers).max().unwrap_or(0);
    let steps = t.sm_funnel_steps;
    let bars = rows
        .iter()
        .map(|r| {
            let name = source_label(r.source, t, en);
            let counts = funnel_counts(r);
            let marks = counts
                .iter()
                .enumerate()
                .map(|(k, &n)| {
                    let rate = match k {
                        0 => String::new(),
                        _ => format!(" ({})", percent(n, counts[k - 1])),
                    };
                    let title = format!("{name} · {}: {n}{rate}", steps[k]);
                    Mark::of(0.0, n, most, format!("funnel-{k}"), title)
                })
                .collect();
            let note = (1..4)
                .map(|k| format!("{} {}", steps[k], percent(counts[k], counts[k - 1])))
                .collect::<Vec<_>>()
                .join(" → ");
            Bar {
                label: name.into_any(),
                marks,
                value: r.customers.to_string(),
                note: Some(note.into_any()),
            }
        })
        .collect();
    let row = |name: &'static str, r: &SourceFunnel| {
        let counts = funnel_counts(r);
        let cells = (0..4)
            .map(|k| {
                let text = match k {
                    0 => counts[0].to_string(),
                    _ => format!("{} ({})", counts[k], percent(counts[k], counts[k - 1])),
                };
                view! { <td>{text}</td> }
            })
            .collect_view();
        view! { <tr><th scope="row">{name}</th>{cells}</tr> }
    };
    let mut total = [0usize; 4];
    for r in &rows {
        for (sum, n) in total.iter_mut().zip(funnel_counts(r)) {
            *sum += n;
        }
    }
    let [customers, visited, bought, again] = total;
    let all = SourceFunnel::new(None, customers, visited, bought, again);
    let table = rows
        .iter()
        .map(|r| row(source_label(r.source, t, en), r))
        .chain(std::iter::once(row(t.sm_all_channels, &all)))
        .collect_view();
    view! {
        <BarList label=t.sm_sources rows=bars />
        {legend((0..4).map(|k| (format!("funnel-{k}"), steps[k])))}
        <DataTable corner=t.source head=heads(&steps) rows=table />
    }
}

// ---- 2. Four steps ---------------------------------------------------------------------

/// A month's four steps: 引流, 截流, 回流, 裂变.
fn step_counts(s: &Steps) -> [usize; 4] {
    [s.new_customers, s.first_buyers, s.came_back, s.referred]
}

/// The four steps in each of the last 12 months, for all channels or the one picked.
#[component]
fn StepsCard(basis: Memo<Option<Basis>>, funnel: Memo<Option<Vec<SourceFunnel>>>) -> impl IntoView {
    let app = use_app();
    let months = figure(basis, |b, v| four_steps(&b.traits, v, &b.today.analysis));
    // "" for all channels, else the position of the source key (`source_slot`).
    let chosen = RwSignal::new(String::new());
    let options = Signal::derive(move || {
        let (t, en) = (app.t(), app.lang.get() == Lang::En);
        let channels = funnel.with(|rows| {
            rows.iter()
                .flatten()
                .map(|r| {
                    let name = source_label(r.source, t, en).to_owned();
                    (source_slot(r.source).to_string(), name)
                })
                .collect::<Vec<_>>()
        });
        std::iter::once((String::new(), t.sm_all_channels.to_owned()))
            .chain(channels)
            .collect::<Vec<_>>()
    });
    let source = move || {
        chosen
            .with(|c| c.parse::<usize>().ok())
            .and_then(|i| SOURCE_KEYS.get(i).copied())
    };
    view! {
        <MoreCard class="steps-card" title=|t| t.sm_four_steps>
            <Pick
                label=Signal::derive(move || app.t().source)
                options=options
                value=chosen.into()
                on_pick=Callback::new(move |v| chosen.set(v))
            />
            {move || {
                let t = app.t();
                let source = source();
                let picked = months.get().map(|months| {
                    months
                        .iter()
                        .map(|m| (m.month.first, source.map_or_else(|| m.total(), |s| m.of(s))))
                        .collect::<Vec<_>>()
                });
                body(
                    picked,
                    |months| months.iter().all(|(_, s)| *s == Steps::default()),
                    t.sm_steps_empty,
                    |months| view! { <StepsChart months=months /> }.into_any(),
                )
            }}
        </MoreCard>
    }
}

/// The four steps by month, as groups of four bars.
#[component]
fn StepsChart(months: Vec<(chrono::NaiveDate, Steps)>) -> impl IntoView {
    let t = words().1;
    let (width, height, left, bottom) = (360.0, 190.0, 30.0, 22.0);
    let most = months
        .iter()
        .flat_map(|(_, s)| step_counts(s))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = (width - left) / months.len().max(1) as f64;
    let bar = step * 0.8 / 4.0;
    let base = height - bottom;
    let groups = months
        .iter()
        .enumerate()
        .map(|(i, (first, s))| {
            let name = first.format("%Y-%m").to_string();
            let x0 = left + step * i as f64 + step * 0.1;
            let bars = step_counts(s)
                .into_iter()
                .enumerate()
                .map(|(k, n)| {
                    let h = (base - 12.0) * n as f64 / most as f64;
                    let title = format!("{name} · {}: {n}", t.sm_steps[k]);
                    view! {
                        <rect x=format!("{:.1}", x0 + bar * k as f64) y=format!("{:.1}", base - h) width=format!("{bar:.1}") height=format!("{h:.1}") class=format!("step-{k}")>
                            <title>{title}</title>
                        </rect>
                    }
                })
                .collect_view();
            let label = format!("{:.1}", x0 + step * 0.4);
            view! {
                <g>
                    {bars}
                    <text x=label y=format!("{:.1}", height - 6.0) class="chart-axis" text-anchor="middle">{name[5..].to_owned()}</text>
                </g>
            }
        })
        .collect_view();
    let rows = months
        .iter()
        .map(|(first, s)| {
            let cells = step_counts(s)
                .into_iter()
                .map(|n| view! { <td>{n}</td> })
                .collect_view();
            view! { <tr><th scope="row">{first.format("%Y-%m").to_string()}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=t.sm_four_steps>
            <text x="0" y="10" class="chart-axis">{most}</text>
            <line x1=left y1=base x2=width y2=base class="chart-baseline"></line>
            {groups}
        </svg>
        {legend((0..4).map(|k| (format!("step-{k}"), t.sm_steps[k])))}
        <p class="muted small">{t.sm_steps_hint}</p>
        <DataTable corner=t.sm_month head=heads(&t.sm_steps) rows=rows />
    }
}

// ---- 3. Referral chains ----------------------------------------------------------------

/// A customer's name as the kept list has it (their id when it no longer has them).
fn name_of(views: &Insights, id: &Id) -> String {
    views
        .roster()
        .row(id)
        .map_or_else(|| id.to_string(), |r| r.name.clone())
}

/// A customer in a referral tree, named.
#[derive(Clone, Debug, PartialEq)]
struct Branch {
    /// The customer.
    id: Id,
    /// Their name.
    name: String,
    /// Their own net spend.
    spend: Money,
    /// How many customers they brought.
    brought: usize,
    /// Those they brought, down to the depth shown.
    children: Vec<Branch>,
}

impl Branch {
    /// A tree's node with its customers named from the kept list.
    fn of(node: &ReferralNode, views: &Insights) -> Branch {
        Branch {
            id: node.customer.clone(),
            name: name_of(views, &node.customer),
            spend: node.spend,
            brought: node.brought,
            children: node.children.iter().map(|n| Branch::of(n, views)).collect(),
        }
    }
}

/// The customers who brought the most new ones; tapping one's Chain shows their tree below.
#[component]
fn ChainsCard(basis: Memo<Option<Basis>>) -> impl IntoView {
    let app = use_app();
    let top = figure(basis, |b, v| {
        Chains::of(&b.traits, &b.today.analysis)
            .top(TOP_INTRODUCERS)
            .into_iter()
            .map(|i| (name_of(v, &i.customer), i))
            .collect::<Vec<_>>()
    });
    let open = RwSignal::new(None::<Id>);
    let tree = figure(basis, move |b, v| {
        let root = open.get()?;
        let chains = Chains::of(&b.traits, &b.today.analysis);
        chains.tree(&root, TREE_DEPTH).map(|n| Branch::of(&n, v))
    });
    view! {
        <MoreCard class="chains-card" title=|t| t.sm_chains>
            {move || {
                let t = app.t();
                body(
                    top.get(),
                    Vec::is_empty,
                    t.sm_chains_empty,
                    |rows| view! { <Introducers rows=rows open=open tree=tree /> }.into_any(),
                )
            }}
        </MoreCard>
    }
}

/// The top introducers: name (to their card), how many they brought (bar), what those spent,
/// and the button that opens their tree, shown under the list.
#[component]
fn Introducers(
    rows: Vec<(String, Introducer)>,
    open: RwSignal<Option<Id>>,
    tree: Memo<Option<Option<Branch>>>,
) -> impl IntoView {
    let t = words().1;
    let most = rows.iter().map(|(_, i)| i.brought).max().unwrap_or(0);
    let bars = rows
        .iter()
        .map(|(name, i)| {
            let (name, id) = (name.clone(), i.customer.clone());
            let spend = i.brought_spend.with_sign("¥");
            let title = format!("{name} · {}: {} · {}: {spend}", t.sm_brought, i.brought, t.sm_brought_spend);
            let expanded = {
                let id = id.clone();
                move || open.with(|o| o.as_ref() == Some(&id)).to_string()
            };
            let toggle = {
                let id = id.clone();
                move |_| open.update(|o| *o = if o.as_ref() == Some(&id) { None } else { Some(id.clone()) })
            };
            let aria = t.sm_chain_of.replace("{name}", &name);
            Bar {
                label: view! { <Link href=format!("/customers/{id}")>{name.clone()}</Link> }.into_any(),
                marks: vec![Mark::of(0.0, i.brought, most, "chart-bar".into(), title)],
                value: i.brought.to_string(),
                note: Some(view! {
                    <span>{format!("{} {spend}", t.sm_brought_spend)}</span>
                    <button type="button" class="chip chain-toggle" aria-expanded=expanded aria-label=aria on:click=toggle>
                        {t.sm_show_chain}
                    </button>
                }.into_any()),
            }
        })
        .collect();
    let table = rows
        .iter()
        .map(|(name, i)| {
            view! {
                <tr>
                    <th scope="row">{name.clone()}</th>
                    <td>{i.brought}</td>
                    <td>{i.brought_spend.with_sign("¥")}</td>
                    <td>{i.chain}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <BarList label=t.sm_chains rows=bars />
        {move || tree.get().flatten().map(|root| view! { <ChainTree root=root /> })}
        <DataTable corner=t.sm_introducer head=heads(&[t.sm_brought, t.sm_brought_spend, t.sm_chain_size]) rows=table />
    }
}

/// One introducer's tree, as nested lists.
#[component]
fn ChainTree(root: Branch) -> impl IntoView {
    let t = words().1;
    let heading = t.sm_chain_of.replace("{name}", &root.name);
    let label = heading.clone();
    view! {
        <section class="chain-tree" aria-label=label>
            <h3>{heading}</h3>
            <ul>{branch(root, t)}</ul>
        </section>
    }
}

/// A customer of a tree with those they brought below.
fn branch(b: Branch, t: &'static Texts) -> AnyView {
    let below = (!b.children.is_empty()).then(|| {
        let children = b.children.into_iter().map(|c| branch(c, t)).collect_view();
        view! { <ul>{children}</ul> }
    });
    let facts = format!(
        " · {} · {} {}",
        b.spend.with_sign("¥"),
        t.sm_brought,
        b.brought
    );
    view! {
        <li>
            <Link href=format!("/customers/{}", b.id)>{b.name}</Link>
            <span class="muted">{facts}</span>
            {below}
        </li>
    }
    .into_any()
}

// ---- 4. Staff work ---------------------------------------------------------------------

/// Each staff member's contacts in the last 30 days by outcome, and who bought after.
#[component]
fn StaffCard(basis: Memo<Option<Basis>>) -> impl IntoView {
    let app = use_app();
    let work = figure(basis, |b, v| {
        let through = b.today.analysis.as_of();
        let from = through - chrono::Days::new(STAFF_DAYS - 1);
        staff_work(v, from, through)
            .into_iter()
            .map(|w| {
                let name = w.staff.as_ref().map_or_else(
                    || "—".to_owned(),
                    |id| {
                        v.team()
                            .name_of(id.as_str())
                            .filter(|n| !n.is_empty())
                            .map_or_else(|| id.to_string(), str::to_owned)
                    },
                );
                (name, w)
            })
            .collect::<Vec<_>>()
    });
    view! {
        <MoreCard class="staff-card" title=|t| t.sm_staff>
            {move || {
                let t = app.t();
                body(
                    work.get(),
                    Vec::is_empty,
                    t.sm_staff_empty,
                    |rows| view! { <StaffRows rows=rows /> }.into_any(),
                )
            }}
        </MoreCard>
    }
}

/// Staff members' contacts as bars stacked by outcome; buyers after and the conversion.
#[component]
fn StaffRows(rows: Vec<(String, StaffWork)>) -> impl IntoView {
    let t = words().1;
    let most = rows.iter().map(|(_, w)| w.contacts).max().unwrap_or(0);
    let bars = rows
        .iter()
        .map(|(name, w)| {
            let mut from = 0.0;
            let marks = Outcome::ALL
                .iter()
                .zip(w.by_outcome)
                .enumerate()
                .map(|(k, (&outcome, n))| {
                    let title = format!("{name} · {}: {n}", outcome_name(outcome, t));
                    let mark = Mark::of(from, n, most, format!("outcome-{k}"), title);
                    from += mark.width;
                    mark
                })
                .collect();
            let conversion = percent(w.bought_after, w.customers);
            let note = format!(
                "{} {} · {} {} ({conversion})",
                t.sm_contacted, w.customers, t.sm_bought_after, w.bought_after
            );
            Bar {
                label: name.clone().into_any(),
                marks,
                value: w.contacts.to_string(),
                note: Some(note.into_any()),
            }
        })
        .collect();
    let table = rows
        .iter()
        .map(|(name, w)| {
            let outcomes = w.by_outcome.map(|n| view! { <td>{n}</td> });
            view! {
                <tr>
                    <th scope="row">{name.clone()}</th>
                    <td>{w.contacts}</td>
                    {outcomes.into_iter().collect_view()}
                    <td>{w.customers}</td>
                    <td>{w.bought_after}</td>
                    <td>{percent(w.bought_after, w.customers)}</td>
                </tr>
            }
        })
        .collect_view();
    let mut head = vec![t.sm_contacts];
    head.extend(Outcome::ALL.map(|o| outcome_name(o, t)));
    head.extend([t.sm_contacted, t.sm_bought_after, t.sm_conversion]);
    view! {
        <BarList label=t.sm_staff rows=bars />
        {legend(Outcome::ALL.iter().enumerate().map(|(k, &o)| (format!("outcome-{k}"), outcome_name(o, t))))}
        <DataTable corner=t.sm_staff_member head=heads(&head) rows=table />
    }
}

// ---- 5. Portraits ----------------------------------------------------------------------

/// One of a portrait's lists: its heading, and (name, count) of a whole.
struct Section {
    /// The trait's name.
    title: &'static str,
    /// Its values and how many have each.
    items: Vec<(String, usize)>,
    /// What the shares are of: the group's customers, or (children's ages) their children.
    whole: usize,
}

/// Named counts, the first [`TOP_NAMES`] by name, the rest as "others", then those without.
fn top_names(counts: &[(String, usize)], without: usize, t: &Texts) -> Vec<(String, usize)> {
    let others: usize = counts.iter().skip(TOP_NAMES).map(|(_, n)| n).sum();
    counts
        .iter()
        .take(TOP_NAMES)
        .cloned()
        .chain([
            (t.sm_other.to_owned(), others),
            (t.sm_unknown.to_owned(), without),
        ])
        .collect()
}

/// Counts of a fixed list of bands, named.
fn bands(names: &[&'static str], counts: &[usize]) -> Vec<(String, usize)> {
    names
        .iter()
        .zip(counts)
        .map(|(name, &n)| ((*name).to_owned(), n))
        .collect()
}

/// A portrait's lists (rows without anyone left out).
fn sections(p: &Portrait, t: &'static Texts) -> Vec<Section> {
    let g = &p.genders;
    let genders = vec![
        (t.female.to_owned(), g.female),
        (t.male.to_owned(), g.male),
        (t.sm_unknown.to_owned(), g.unknown),
    ];
    let children = p.children.iter().sum();
    let mut out = vec![
        Section {
            title: t.gender,
            items: genders,
            whole: p.customers,
        },
        Section {
            title: t.sm_age,
            items: bands(&t.sm_age_bands, &p.ages),
            whole: p.customers,
        },
        Section {
            title: t.area,
            items: top_names(&p.areas, p.no_area, t),
            whole: p.customers,
        },
        Section {
            title: t.sm_children_ages,
            items: bands(&t.sm_child_bands, &p.children),
            whole: children,
        },
        Section {
            title: t.sm_category,
            items: top_names(&p.categories, p.no_category, t),
            whole: p.customers,
        },
    ];
    for s in &mut out {
        s.items.retain(|(_, n)| *n > 0);
    }
    out
}

/// The portrait of the customers a class, stage and tag pick (everyone at first).
#[component]
fn PortraitsCard(basis: Memo<Option<Basis>>) -> impl IntoView {
    let app = use_app();
    let chosen = RwSignal::new(Filter::default());
    let figures = figure(basis, move |b, v| {
        let analysis = &b.today.analysis;
        let filtered = chosen.with(|f| filter(v.roster(), analysis, f, Sort::Name));
        let group = filtered.ids.iter().filter_map(|id| analysis.index_of(id));
        let portrait = portrait(&b.traits, v, analysis, group);
        (filtered.facets, portrait)
    });
    let facets = Signal::derive(move || {
        figures.with(|f| {
            f.as_ref()
                .map(|(facets, _)| facets.clone())
                .unwrap_or_default()
        })
    });
    let meaningful = move || {
        app.today
            .with(|d| d.as_ref().is_some_and(|d| d.analysis.classes_meaningful()))
    };
    view! {
        <MoreCard class="portraits-card" title=|t| t.sm_portraits>
            <div class="picks">
                <Show when=meaningful>
                    <ListPick
                        label=|t| t.rfm_class
                        all=&RfmClass::ALL
                        name=|k, en| if en { k.en() } else { k.zh() }
                        counts=|f| &f.classes
                        get=|f| &f.classes
                        set=|f| &mut f.classes
                        chosen=chosen
                        facets=facets
                    />
                </Show>
                <ListPick
                    label=|t| t.stage
                    all=&Stage::ALL
                    name=|s, en| if en { s.en() } else { s.zh() }
                    counts=|f| &f.stages
                    get=|f| &f.stages
                    set=|f| &mut f.stages
                    chosen=chosen
                    facets=facets
                />
                <TagPick chosen=chosen facets=facets />
            </div>
            {move || {
                let t = app.t();
                let everyone = chosen.with(|f| *f == Filter::default());
                let empty = if everyone { t.sm_portraits_empty } else { t.sm_no_match };
                body(
                    figures.get().map(|(_, p)| p),
                    |p| p.customers == 0,
                    empty,
                    |p| view! { <PortraitView portrait=p /> }.into_any(),
                )
            }}
        </MoreCard>
    }
}

/// A select of one value of `all` (by position, "" for all of them), each option with its
/// faceted count (`counts`), choosing the filter's list that `get` / `set` pick out.
#[component]
fn ListPick<T: Copy + PartialEq + Send + Sync + 'static>(
    label: fn(&Texts) -> &'static str,
    all: &'static [T],
    name: fn(T, bool) -> &'static str,
    counts: fn(&Facets) -> &[usize],
    get: fn(&Filter) -> &[T],
    set: fn(&mut Filter) -> &mut Vec<T>,
    chosen: RwSignal<Filter>,
    facets: Signal<Facets>,
) -> impl IntoView {
    let app = use_app();
    let options = Signal::derive(move || {
        let (t, en) = (app.t(), app.lang.get() == Lang::En);
        facets.with(|f| {
            std::iter::once((String::new(), t.sm_all.to_owned()))
                .chain(
                    all.iter()
                        .zip(counts(f))
                        .enumerate()
                        .map(|(i, (&v, n))| (i.to_string(), format!("{} ({n})", name(v, en)))),
                )
                .collect::<Vec<_>>()
        })
    });
    let value = Signal::derive(move || {
        chosen.with(|f| {
            get(f)
                .first()
                .and_then(|v| all.iter().position(|a| a == v))
                .map(|i| i.to_string())
                .unwrap_or_default()
        })
    });
    let pick = Callback::new(move |v: String| {
        let value = v.parse::<usize>().ok().and_then(|i| all.get(i).copied());
        chosen.update(|f| *set(f) = value.into_iter().collect());
    });
    view! {
        <Pick label=Signal::derive(move || label(app.t())) options=options value=value on_pick=pick />
    }
}

/// The tag select: every tag of the customers the other choices leave (the chosen one stays).
#[component]
fn TagPick(chosen: RwSignal<Filter>, facets: Signal<Facets>) -> impl IntoView {
    let app = use_app();
    let options = Signal::derive(move || {
        let t = app.t();
        let mut tags = facets.with(|f| f.tags.clone());
        chosen.with(|f| {
            for tag in &f.tags {
                if !tags.iter().any(|(t, _)| t == tag) {
                    tags.push((tag.clone(), 0));
                }
            }
        });
        std::iter::once((String::new(), t.sm_all.to_owned()))
            .chain(tags.into_iter().map(|(tag, n)| {
                let text = format!("{tag} ({n})");
                (tag, text)
            }))
            .collect::<Vec<_>>()
    });
    view! {
        <Pick
            label=Signal::derive(move || app.t().tags)
            options=options
            value=Signal::derive(move || chosen.with(|f| f.tags.first().cloned().unwrap_or_default()))
            on_pick=Callback::new(move |v: String| chosen.update(|f| f.tags = Some(v).filter(|v| !v.is_empty()).into_iter().collect()))
        />
    }
}

/// A portrait: the group's size and average basket, then a bar list per trait.
#[component]
fn PortraitView(portrait: Portrait) -> impl IntoView {
    let (lang, t) = words();
    let basket = if portrait.purchase_days > 0 {
        portrait.average_basket.with_sign("¥")
    } else {
        "—".to_owned()
    };
    let sections = sections(&portrait, t);
    let lists = sections
        .iter()
        .map(|s| {
            let most = s.items.iter().map(|(_, n)| *n).max().unwrap_or(0);
            let rows = s
                .items
                .iter()
                .map(|(name, n)| Bar::count(name, *n, most, s.whole))
                .collect();
            view! {
                <div class="portrait-section">
                    <h3>{s.title}</h3>
                    <BarList label=s.title rows=rows />
                </div>
            }
        })
        .collect_view();
    let table = sections
        .iter()
        .flat_map(|s| {
            s.items.iter().map(move |(name, n)| {
                view! {
                    <tr>
                        <th scope="row">{format!("{} · {name}", s.title)}</th>
                        <td>{*n}</td>
                        <td>{percent(*n, s.whole)}</td>
                    </tr>
                }
            })
        })
        .collect_view();
    view! {
        <dl class="portrait-facts">
            <div><dt>{t.customers}</dt><dd>{lang.customers(portrait.customers)}</dd></div>
            <div><dt>{t.sm_average_basket}</dt><dd class="basket">{basket.clone()}</dd></div>
            <div><dt>{t.sm_buyers}</dt><dd>{portrait.buyers}</dd></div>
            <div><dt>{t.sm_purchase_days}</dt><dd>{portrait.purchase_days}</dd></div>
        </dl>
        <div class="portrait-sections">{lists}</div>
        <DataTable corner=t.sm_portraits head=heads(&[t.sm_count, t.sm_share]) rows=view! {
            {table}
            <tr><th scope="row">{t.sm_average_basket}</th><td>{basket}</td><td></td></tr>
        } />
    }
}
