//! The Stats tab: how the customer base is made up, (`stats_charts`) how it moves, and
//! (`stats_more`) where customers come from, who brings whom, the staff's follow-ups and who
//! the customers are, and (`campaigns`) the owner's campaigns with their results.

use super::customer_form::source_name;
use super::widgets::AfterPaint;
use crate::i18n::Lang;
use crate::state::use_app;
use huike_core::insights::roster::Counts;
use leptos::prelude::*;

/// The owner's overview.
#[component]
pub(super) fn Stats() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    // Counted from the list kept beside the book: switching to this tab decodes nothing.
    let counts = Memo::new(move |_| {
        let day = app.day.get();
        app.with_views(|insights| insights.roster().counts(day))
            .unwrap_or_default()
    });
    view! {
        <section class="page stats">
            <header class="page-head"><h1>{move || t().stats}</h1></header>
            <div class="kpis">
                <div class="kpi card"><span class="kpi-value">{move || counts.get().total}</span><span class="muted">{move || t().stats_total}</span></div>
                <div class="kpi card"><span class="kpi-value">{move || counts.get().new_30}</span><span class="muted">{move || t().stats_new_30}</span></div>
            </div>
            <div class="stats-grid">
                <div class="card chart-card">
                    <h2>{move || t().stats_by_source}</h2>
                    <SourceChart counts=counts />
                </div>
                <super::stats_charts::StatsCharts />
                <AfterPaint><super::stats_more::StatsMore /></AfterPaint>
                <AfterPaint><super::campaigns::Campaigns /></AfterPaint>
            </div>
        </section>
    }
}

/// Horizontal bars of customers by source, drawn as SVG.
#[component]
fn SourceChart(counts: Memo<Counts>) -> impl IntoView {
    let app = use_app();
    view! {
        {move || {
            let c = counts.get();
            let max = c.by_source.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
            let en = app.lang.get() == Lang::En;
            let h = 28 * c.by_source.len().max(1);
            view! {
                <svg class="chart" viewBox=format!("0 0 320 {h}") role="img" aria-label=app.t().stats_by_source>
                    {c.by_source.iter().enumerate().map(|(i, (s, n))| {
                        let y = 28 * i;
                        let w = 180.0 * (*n as f64) / max;
                        let label = s.map(|s| source_name(s, en)).unwrap_or("—");
                        view! {
                            <g>
                                <text x="0" y=y + 18 class="chart-label">{label}</text>
                                <rect x="96" y=y + 6 width=format!("{w:.1}") height="16" rx="4" class="chart-bar"></rect>
                                <text x=format!("{:.1}", 102.0 + w) y=y + 18 class="chart-value">{*n}</text>
                            </g>
                        }
                    }).collect_view()}
                </svg>
            }
        }}
    }
}
