//! The Stats tab's charts (issue 11), drawn as SVG from core's `insights::stats` figures:
//! customers by lifecycle stage at each of the last 12 months' ends (stacked), the RFM classes
//! and the lifecycle stages with their revenue share, the R × F grid, and new vs returning
//! revenue by month with the repeat rate. Every mark has a `<title>` with its numbers and every chart a "Show data"
//! table, so a screen reader (and a test) can read them. Part of the lazily loaded Stats
//! module.

use crate::i18n::Lang;
use crate::route::use_location;
use crate::state::use_app;
use huike_core::domain::Money;
use huike_core::insights::stats::{
    ClassShare, MonthRevenue, MonthStages, Share, StageShare, monthly_revenue, rf_grid,
    rfm_classes, stage_revenue, stages_by_month,
};
use huike_core::segment::stage::Stage;
use leptos::prelude::*;

/// The figures of one day, computed once per analysis.
#[derive(Clone, Debug, PartialEq)]
struct Figures {
    stages: Vec<MonthStages>,
    classes: Vec<ClassShare>,
    stage_revenue: Vec<StageShare>,
    meaningful: bool,
    grid: [[usize; 5]; 5],
    revenue: Vec<MonthRevenue>,
}

/// `2026-06`, a month's short name.
fn month_name(first: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}", first.year(), first.month())
}

/// The charts.
#[component]
pub(super) fn StatsCharts() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let figures = Memo::new(move |_| {
        let today = app.today.get()?;
        // The rules the analysis was graded under (the views hold them at once; the book may
        // still be loading).
        let rules = app.with_views(|v| v.rules().clone()).unwrap_or_default();
        let analysis = &today.analysis;
        Some(Figures {
            stages: stages_by_month(analysis, &rules),
            classes: rfm_classes(analysis),
            stage_revenue: stage_revenue(analysis),
            meaningful: analysis.classes_meaningful(),
            grid: rf_grid(analysis),
            revenue: monthly_revenue(analysis),
        })
    });
    let any_purchase = move || {
        figures.with(|f| {
            f.as_ref().is_some_and(|f| {
                f.revenue
                    .iter()
                    .any(|m| m.new_buyers + m.returning_buyers > 0)
            })
        })
    };
    view! {
        <Show
            when=any_purchase
            fallback=move || view! { <div class="card"><p class="muted">{move || t().stats_empty}</p></div> }
        >
            <div class="card chart-card lifecycle-chart">
                <h2>{move || t().stats_lifecycle}</h2>
                {move || figures.get().map(|f| view! { <LifecycleChart months=f.stages /> })}
            </div>
            <div class="card chart-card revenue-chart">
                <h2>{move || t().stats_revenue}</h2>
                {move || figures.get().map(|f| view! { <RevenueChart months=f.revenue /> })}
            </div>
            <div class="card chart-card classes-chart">
                <h2>{move || t().rfm_class}</h2>
                {move || figures.get().map(|f| if f.meaningful {
                    let en = app.lang.get_untracked() == Lang::En;
                    let rows = share_rows(&f.classes, |c| if en { c.en() } else { c.zh() });
                    view! { <SharesChart rows label=t().rfm_class /> }.into_any()
                } else {
                    view! { <p class="muted">{t().stats_too_few_buyers}</p> }.into_any()
                })}
            </div>
            <div class="card chart-card stage-revenue-chart">
                <h2>{move || t().stats_stage_revenue}</h2>
                {move || figures.get().map(|f| {
                    let en = app.lang.get_untracked() == Lang::En;
                    let rows = share_rows(&f.stage_revenue, |s| stage_name(s, en));
                    view! { <SharesChart rows label=t().stats_stage_revenue /> }
                })}
            </div>
            <div class="card chart-card grid-chart">
                <h2>{move || t().stats_grid}</h2>
                {move || figures.get().map(|f| view! { <RfGrid grid=f.grid /> })}
            </div>
        </Show>
    }
}

/// A stage's name in the UI language.
fn stage_name(stage: Stage, en: bool) -> &'static str {
    if en { stage.en() } else { stage.zh() }
}

/// Customers by stage at each month's end, stacked bars.
#[component]
fn LifecycleChart(months: Vec<MonthStages>) -> impl IntoView {
    let app = use_app();
    let en = app.lang.get_untracked() == Lang::En;
    let (width, height, left, bottom) = (360.0, 200.0, 34.0, 22.0);
    let most = months
        .iter()
        .map(|m| m.counts.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = (width - left) / months.len().max(1) as f64;
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = left + step * i as f64 + step * 0.15;
            let mut y = height - bottom;
            let name = month_name(m.month.first);
            let parts = Stage::ALL
                .iter()
                .zip(m.counts)
                .filter(|(_, n)| *n > 0)
                .map(|(stage, n)| {
                    let h = (height - bottom - 10.0) * n as f64 / most;
                    y -= h;
                    let title = format!("{name} · {}: {n}", stage_name(*stage, en));
                    view! {
                        <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{:.1}", step * 0.7) height=format!("{h:.1}") class=format!("stage-{}", *stage as usize)>
                            <title>{title}</title>
                        </rect>
                    }
                })
                .collect_view();
            let label = (i % 2 == 0).then(|| {
                view! { <text x=format!("{:.1}", x + step * 0.35) y=format!("{:.1}", height - 6.0) class="chart-axis" text-anchor="middle">{name[5..].to_owned()}</text> }
            });
            view! { <g>{parts}{label}</g> }
        })
        .collect_view();
    let legend = Stage::ALL
        .iter()
        .map(|s| view! { <span class="legend-item"><span class=format!("swatch stage-{}", *s as usize)></span>{stage_name(*s, en)}</span> })
        .collect_view();
    let rows = months
        .iter()
        .map(|m| {
            let cells = m
                .counts
                .iter()
                .map(|n| view! { <td>{*n}</td> })
                .collect_view();
            view! { <tr><th scope="row">{month_name(m.month.first)}</th>{cells}</tr> }
        })
        .collect_view();
    let head = Stage::ALL
        .iter()
        .map(|s| view! { <th scope="col">{stage_name(*s, en)}</th> })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=app.t().stats_lifecycle>
            <text x="0" y="12" class="chart-axis">{most as usize}</text>
            {bars}
        </svg>
        <p class="legend">{legend}</p>
        <DataTable head=head rows=rows />
    }
}

/// New and returning revenue by month (stacked), the repeat rate in each bar's title.
#[component]
fn RevenueChart(months: Vec<MonthRevenue>) -> impl IntoView {
    let app = use_app();
    let t = app.t();
    let (width, height, left, bottom) = (360.0, 180.0, 34.0, 22.0);
    let most = months
        .iter()
        .map(|m| (m.new_revenue + m.returning_revenue).minor())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = (width - left) / months.len().max(1) as f64;
    let rate = |m: &MonthRevenue| {
        if m.new_buyers + m.returning_buyers == 0 {
            "—".to_owned()
        } else {
            format!("{:.0}%", m.repeat_rate * 100.0)
        }
    };
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = left + step * i as f64 + step * 0.15;
            let base = height - bottom;
            let scale = |v: i64| (base - 10.0) * v.max(0) as f64 / most;
            let (hr, hn) = (scale(m.returning_revenue.minor()), scale(m.new_revenue.minor()));
            let name = month_name(m.month.first);
            let returning = format!("{name} · {}: ¥{} · {}: {}", t.returning_revenue, m.returning_revenue, t.repeat_rate, rate(m));
            let new = format!("{name} · {}: ¥{}", t.new_revenue, m.new_revenue);
            let label = (i % 2 == 0).then(|| {
                view! { <text x=format!("{:.1}", x + step * 0.35) y=format!("{:.1}", height - 6.0) class="chart-axis" text-anchor="middle">{name[5..].to_owned()}</text> }
            });
            view! {
                <g>
                    <rect x=format!("{x:.1}") y=format!("{:.1}", base - hr) width=format!("{:.1}", step * 0.7) height=format!("{hr:.1}") class="returning"><title>{returning}</title></rect>
                    <rect x=format!("{x:.1}") y=format!("{:.1}", base - hr - hn) width=format!("{:.1}", step * 0.7) height=format!("{hn:.1}") class="new"><title>{new}</title></rect>
                    {label}
                </g>
            }
        })
        .collect_view();
    let rows = months
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{month_name(m.month.first)}</th>
                    <td>{m.new_revenue.with_sign("¥")}</td>
                    <td>{m.returning_revenue.with_sign("¥")}</td>
                    <td>{rate(m)}</td>
                </tr>
            }
        })
        .collect_view();
    let head = view! {
        <th scope="col">{t.new_revenue}</th>
        <th scope="col">{t.returning_revenue}</th>
        <th scope="col">{t.repeat_rate}</th>
    };
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=t.stats_revenue>
            {bars}
        </svg>
        <p class="legend">
            <span class="legend-item"><span class="swatch new"></span>{t.new_revenue}</span>
            <span class="legend-item"><span class="swatch returning"></span>{t.returning_revenue}</span>
        </p>
        <DataTable head=head rows=rows />
    }
}

/// One bar of a [`SharesChart`]: a group's name, customers and spend.
#[derive(Clone, Debug, PartialEq)]
struct ShareRow {
    name: &'static str,
    customers: usize,
    revenue: Money,
    revenue_share: f64,
}

/// Core's shares as bars named by `name` (in the UI language).
fn share_rows<K: Copy>(shares: &[Share<K>], name: impl Fn(K) -> &'static str) -> Vec<ShareRow> {
    shares
        .iter()
        .map(|s| ShareRow {
            name: name(s.group),
            customers: s.customers,
            revenue: s.revenue,
            revenue_share: s.revenue_share,
        })
        .collect()
}

/// Groups of customers — the 8 RFM classes, the lifecycle stages — as bars of how many they
/// are, each with its share of the window's revenue; `label` names the chart.
#[component]
fn SharesChart(rows: Vec<ShareRow>, label: &'static str) -> impl IntoView {
    let t = use_app().t();
    let most = rows.iter().map(|c| c.customers).max().unwrap_or(0).max(1) as f64;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let y = 26 * i;
            let w = 140.0 * c.customers as f64 / most;
            let share = format!("{:.0}%", c.revenue_share * 100.0);
            let title = format!("{}: {} · {}: {share}", c.name, c.customers, t.revenue_share);
            view! {
                <g>
                    <text x="0" y=y + 17 class="chart-label">{c.name}</text>
                    <rect x="150" y=y + 5 width=format!("{w:.1}") height="16" rx="3" class="chart-bar"><title>{title}</title></rect>
                    <text x=format!("{:.1}", 156.0 + w) y=y + 17 class="chart-value">{format!("{} · {share}", c.customers)}</text>
                </g>
            }
        })
        .collect_view();
    let table = rows
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.name}</th>
                    <td>{c.customers}</td>
                    <td>{c.revenue.with_sign("¥")}</td>
                    <td>{format!("{:.1}%", c.revenue_share * 100.0)}</td>
                </tr>
            }
        })
        .collect_view();
    let head = view! {
        <th scope="col">{t.customers}</th>
        <th scope="col">{t.revenue}</th>
        <th scope="col">{t.revenue_share}</th>
    };
    view! {
        <svg class="chart" viewBox=format!("0 0 360 {}", 26 * rows.len()) role="img" aria-label=label>
            {bars}
        </svg>
        <DataTable head=head rows=table />
    }
}

/// The R × F grid: buyers by recency score (rows, 5 = most recent) and frequency score
/// (columns, 5 = most purchase days), shaded by count; each cell a 44-pixel target even on a
/// phone.
#[component]
fn RfGrid(grid: [[usize; 5]; 5]) -> impl IntoView {
    let app = use_app();
    let location = use_location();
    let t = app.t();
    let most = grid.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let cells = (0..5)
        .rev()
        .enumerate()
        .flat_map(|(row, r)| {
            (0..5).map(move |f| {
                let n = grid[r][f];
                let (x, y) = (40 + 56 * f, 8 + 54 * row);
                let shade = 0.08 + 0.82 * n as f64 / most;
                // Light figures on the darker cells.
                let value_class = if shade >= 0.5 { "chart-value on-dark" } else { "chart-value" };
                let title = format!("R{} F{}: {n}", r + 1, f + 1);
                let go = format!("/customers?rf={}-{}", r + 1, f + 1);
                let label = title.clone();
                view! {
                    <g class="rf-cell" role="link" tabindex="0" aria-label=label on:click=move |_| location.navigate(&go)>
                        <rect x=x y=y width="52" height="50" rx="4" style=format!("fill-opacity:{shade:.2}") class="chart-bar"><title>{title}</title></rect>
                        <text x=x + 26 y=y + 30 text-anchor="middle" class=value_class>{n}</text>
                    </g>
                }
            })
        })
        .collect_view();
    let axis_r = (0..5)
        .map(|row| view! { <text x="20" y=38 + 54 * row text-anchor="middle" class="chart-axis">{format!("R{}", 5 - row)}</text> })
        .collect_view();
    let axis_f = (0..5)
        .map(|f| view! { <text x=66 + 56 * f y="292" text-anchor="middle" class="chart-axis">{format!("F{}", f + 1)}</text> })
        .collect_view();
    let rows = (0..5)
        .rev()
        .map(|r| {
            let cells = (0..5)
                .map(|f| view! { <td>{grid[r][f]}</td> })
                .collect_view();
            view! { <tr><th scope="row">{format!("R{}", r + 1)}</th>{cells}</tr> }
        })
        .collect_view();
    let head = (0..5)
        .map(|f| view! { <th scope="col">{format!("F{}", f + 1)}</th> })
        .collect_view();
    view! {
        <svg class="chart" viewBox="0 0 330 300" role="img" aria-label=t.stats_grid>
            {cells}{axis_r}{axis_f}
        </svg>
        <p class="muted small">{t.stats_grid_hint}</p>
        <DataTable head=head rows=rows />
    }
}

/// A chart's numbers as a table, folded away under "Show data"; `corner` heads the row names'
/// column.
#[component]
pub(super) fn DataTable(
    #[prop(optional)] corner: &'static str,
    head: impl IntoView + 'static,
    rows: impl IntoView + 'static,
) -> impl IntoView {
    let app = use_app();
    view! {
        <details class="chart-data">
            <summary>{move || app.t().show_data}</summary>
            <table>
                <thead><tr><th scope="col">{corner}</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
