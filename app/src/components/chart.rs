//! Bar charts drawn as SVG by the server: readable without JavaScript, within the
//! Content-Security-Policy (no inline styles or scripts: colours come from the stylesheet's
//! classes), redrawn in place when the data changes once hydrated. Each bar links to the tickets
//! it counts, and a table carries the same numbers for screen readers and for reading exact
//! values.

use leptos::prelude::*;

/// One bar: its value (its height, and what it says on hover) and the list of what it counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub value: i64,
    pub href: String,
}

/// The colours a series can take, each a class `series-{colour}` of the stylesheet.
pub const COLOURS: &[&str] = &["accent", "ok", "danger", "warn", "brand", "muted"];

/// One series of a chart: a name, its colour (one of [`COLOURS`]), and one bar per column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub bars: Vec<Bar>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 32.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// The smallest round number (1, 2 or 5 times a power of ten) at or above `value`, so that the
/// axis reads easily; at least 1.
pub fn round_up(value: i64) -> i64 {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if step * factor >= value {
                return step * factor;
            }
        }
        step *= 10;
    }
}

/// Grouped bars, one group per column (`columns` are the labels under them), one bar per series
/// in each group.
#[component]
pub fn BarChart(
    /// What the chart shows, its accessible name.
    title: String,
    columns: Vec<String>,
    series: Vec<Series>,
) -> impl IntoView {
    let top =
        round_up(series.iter().flat_map(|series| series.bars.iter().map(|bar| bar.value)).max().unwrap_or(0));
    let plot_height = HEIGHT - BOTTOM - TOP;
    let group_width = (WIDTH - LEFT) / columns.len().max(1) as f64;
    let bar_width = (group_width * 0.8 / series.len().max(1) as f64).min(28.0);
    let y = move |value: i64| TOP + plot_height * (1.0 - value as f64 / top as f64);
    // Label every column when they fit, else every n-th.
    let label_every = (columns.len() / 10).max(1);
    let bars = series
        .iter()
        .enumerate()
        .flat_map(|(index, series)| {
            series.bars.iter().enumerate().map(move |(column, bar)| {
                let x = LEFT + group_width * column as f64 + group_width * 0.1 + bar_width * index as f64;
                let height = (y(0) - y(bar.value)).max(0.0);
                let label = format!("{}: {}", series.name, bar.value);
                view! {
                    <a href=bar.href.clone()>
                        <rect class=format!("series-{}", series.colour) x=format!("{x:.1}") y=format!("{:.1}", y(bar.value))
                            width=format!("{bar_width:.1}") height=format!("{height:.1}")>
                            <title>{label}</title>
                        </rect>
                    </a>
                }
            })
        })
        .collect_view();
    let labels = columns
        .iter()
        .enumerate()
        .filter(|(column, _)| column % label_every == 0)
        .map(|(column, label)| {
            let x = LEFT + group_width * (column as f64 + 0.5);
            view! { <text class="chart-label" x=format!("{x:.1}") y=format!("{:.1}", HEIGHT - 6.0) text-anchor="middle">{label.clone()}</text> }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|series| view! { <li><span class=format!("legend-swatch series-{}", series.colour)></span>{series.name.clone()}</li> })
        .collect_view();
    let header =
        series.iter().map(|series| view! { <th scope="col">{series.name.clone()}</th> }).collect_view();
    let rows = columns
        .iter()
        .enumerate()
        .map(|(column, label)| {
            let cells = series
                .iter()
                .map(|series| {
                    let bar = series.bars[column].clone();
                    view! { <td class="number"><a href=bar.href>{bar.value}</a></td> }
                })
                .collect_view();
            view! { <tr><th scope="row">{label.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title.clone()>
                <title>{title.clone()}</title>
                <line class="chart-axis" x1=LEFT y1=y(0) x2=WIDTH y2=y(0)/>
                <text class="chart-label" x=LEFT - 4.0 y=y(top) + 4.0 text-anchor="end">{top}</text>
                <text class="chart-label" x=LEFT - 4.0 y=y(0) text-anchor="end">"0"</text>
                {bars}
                {labels}
            </svg>
            <ul class="chart-legend">{legend}</ul>
            <details class="chart-table">
                <summary>"The numbers"</summary>
                <table class="report-table">
                    <thead><tr><th scope="col">""</th>{header}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::round_up;

    #[test]
    fn axes_end_on_round_numbers() {
        for (value, expected) in
            [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20), (48, 50), (51, 100), (999, 1000)]
        {
            assert_eq!(round_up(value), expected, "{value}");
        }
    }
}
