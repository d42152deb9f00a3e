//! `newsdesk report`: one self-contained HTML file of an index's trends, for reading offline
//! and sending on.
//!
//! It holds, for a period and a set of topics: each topic's share of the month's articles (the
//! chart the page draws, same data), its top keywords and entities, the sources' articles per
//! month, and the stories repeated most. Charts are SVG written by `plotters` (its SVG backend
//! only), each beside a data table and a CSV link (a `data:` URL), so nothing is fetched when
//! the file opens. Every text from an article is escaped. The head records what was asked, of
//! which index, and when.
//!
//! Not here: the counting (`stats`), writing the file (the CLI's).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Utc};
use plotters::prelude::*;

use crate::analyze::Taxonomy;
use crate::article::ArticleId;
use crate::index::{Facet, SearchError, Store};
use crate::stats::{self, Count, TopicStat};

/// The colours of the series, the page's too (`assets/app.js`).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0xb4, 0x26, 0x1a),
    RGBColor(0x1f, 0x6f, 0xb2),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0xc7, 0x7c, 0x02),
    RGBColor(0x7b, 0x3f, 0xa0),
    RGBColor(0x00, 0x83, 0x8f),
    RGBColor(0x8d, 0x6e, 0x63),
    RGBColor(0xd8, 0x1b, 0x60),
];
/// Topics charted when none are named: those with most articles.
const DEFAULT_TOPICS: usize = 5;
/// Sources charted: those with most articles in the period.
const TOP_SOURCES: usize = 6;
/// Stories listed under "repeated most".
const TOP_STORIES: usize = 10;

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Topic ids; empty for the [`DEFAULT_TOPICS`] largest.
    pub topics: Vec<String>,
    /// How the period was asked for, as the user wrote it (shown in the head).
    pub period_label: String,
}

/// One line of a chart.
struct Series {
    label: String,
    values: Vec<f64>,
}

/// A story and how many later articles repeat it.
struct Story {
    id: ArticleId,
    title: String,
    source: String,
    published: Option<DateTime<Utc>>,
    copies: u64,
}

/// The report as one HTML document.
pub fn build(
    store: &Store,
    taxonomy: &Taxonomy,
    req: &ReportRequest,
    now: DateTime<Utc>,
) -> Result<String, SearchError> {
    let all = stats::topic_stats(store, taxonomy, req.since, req.until, &[])?;
    let chosen: Vec<String> = if req.topics.is_empty() {
        let mut ranked: Vec<&TopicStat> = all.iter().filter(|t| t.articles > 0).collect();
        ranked.sort_by_key(|t| std::cmp::Reverse(t.articles));
        ranked.iter().take(DEFAULT_TOPICS).map(|t| t.id.clone()).collect()
    } else {
        req.topics.clone()
    };
    let detail = stats::topic_stats(store, taxonomy, req.since, req.until, &chosen)?;
    let topics: Vec<&TopicStat> =
        chosen.iter().filter_map(|id| detail.iter().find(|t| &t.id == id)).collect();
    let Months { names: months, totals, sources } = per_month(store, req)?;
    let stories = most_repeated(store, req)?;

    let mut html = String::with_capacity(64 * 1024);
    let title = "newsdesk report";
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head><body><main>\
<h1>{title}</h1><dl class=\"about\"><dt>index</dt><dd>{}</dd><dt>period</dt><dd>{}</dd><dt>months with articles</dt><dd>{}</dd>\
<dt>topics</dt><dd>{}</dd><dt>articles in period</dt><dd>{}</dd><dt>made</dt><dd>{}</dd></dl>",
        esc(&store.path().display().to_string()),
        esc(&req.period_label),
        match (months.first(), months.last()) {
            (Some(a), Some(b)) => format!("{a} — {b}"),
            _ => "none".to_string(),
        },
        esc(&topics.iter().map(|t| format!("{} ({})", t.label, t.id)).collect::<Vec<_>>().join(", ")),
        totals.iter().sum::<u64>(),
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );

    // Topic shares: the page's default chart.
    let share: Vec<Series> = topics
        .iter()
        .map(|t| Series {
            label: format!("{} {}", t.label, t.label_en),
            values: months
                .iter()
                .zip(&totals)
                .map(|(m, &total)| {
                    let n = t.by_month.iter().find(|c| &c.name == m).map_or(0, |c| c.articles);
                    if total == 0 {
                        0.0
                    } else {
                        100.0 * n as f64 / total as f64
                    }
                })
                .collect(),
        })
        .collect();
    section(
        &mut html,
        "topic-trends",
        "话题趋势 · Topic trends",
        "% of the month's articles",
        &months,
        &share,
        1,
    );
    html.push_str("<h2>话题关键词与实体 · Top keywords and entities per topic</h2><div class=\"cards\">");
    for t in &topics {
        let list = |counts: &Option<Vec<Count>>| {
            counts
                .iter()
                .flatten()
                .map(|c| format!("<li>{} <b>{}</b></li>", esc(&c.name), c.articles))
                .collect::<String>()
        };
        let _ = write!(
            html,
            "<section><h3>{} · {} · {} articles</h3><h4>keywords</h4><ul>{}</ul><h4>entities</h4><ul>{}</ul></section>",
            esc(&t.label),
            esc(&t.label_en),
            t.articles,
            list(&t.keywords),
            list(&t.entities)
        );
    }
    html.push_str("</div>");
    section(&mut html, "sources", "来源 · Sources over time", "articles", &months, &sources, 0);

    html.push_str("<h2>转载最多的报道 · Most-repeated stories</h2>");
    if stories.is_empty() {
        html.push_str("<p>No article in the period repeats another.</p>");
    } else {
        html.push_str("<table><thead><tr><th>copies</th><th>title</th><th>source</th><th>published</th><th>id</th></tr></thead><tbody>");
        for s in &stories {
            let _ = write!(
                html,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                s.copies,
                esc(&s.title),
                esc(&s.source),
                s.published.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                s.id
            );
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("<footer>Made by newsdesk. Months are UTC. A topic's share is its articles of the month ÷ all articles of that month.</footer></main></body></html>\n");
    Ok(html)
}

/// The period month by month.
#[derive(Default)]
struct Months {
    /// The months that hold dated articles, first to last, gaps included (`YYYY-MM`).
    names: Vec<String>,
    /// The article count of each.
    totals: Vec<u64>,
    /// The [`TOP_SOURCES`] sources' counts per month.
    sources: Vec<Series>,
}

fn per_month(store: &Store, req: &ReportRequest) -> Result<Months, SearchError> {
    let mut totals: BTreeMap<(i32, u32), u64> = BTreeMap::new();
    let mut by_source: BTreeMap<String, stats::Tally> = BTreeMap::new();
    store.for_each_facets(&[Facet::Source], |when, values| {
        let Some(t) = when.filter(|t| in_period(req, *t)) else { return };
        *totals.entry((t.year(), t.month())).or_default() += 1;
        let month = format!("{:04}-{:02}", t.year(), t.month());
        for source in &values[0] {
            *by_source.entry(source.clone()).or_default().entry(month.clone()).or_default() += 1;
        }
    })?;
    let names = stats::month_range(totals.keys().next().copied(), totals.keys().next_back().copied());
    let sizes: stats::Tally = by_source.iter().map(|(s, m)| (s.clone(), m.values().sum())).collect();
    let sources = stats::ranked(sizes, TOP_SOURCES)
        .into_iter()
        .map(|c| Series {
            values: names.iter().map(|m| by_source[&c.name].get(m).copied().unwrap_or(0) as f64).collect(),
            label: c.name,
        })
        .collect();
    let counts: BTreeMap<String, u64> =
        totals.into_iter().map(|((y, m), n)| (format!("{y:04}-{m:02}"), n)).collect();
    Ok(Months { totals: names.iter().map(|m| counts.get(m).copied().unwrap_or(0)).collect(), names, sources })
}

fn in_period(req: &ReportRequest, t: DateTime<Utc>) -> bool {
    req.since.is_none_or(|s| t >= s) && req.until.is_none_or(|u| t < u)
}

/// The originals that most articles of the period name as their `duplicate_of`.
fn most_repeated(store: &Store, req: &ReportRequest) -> Result<Vec<Story>, SearchError> {
    let mut copies: BTreeMap<ArticleId, u64> = BTreeMap::new();
    store.for_each_fingerprint(|f| {
        let dated = f.published.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
        let counted = match dated {
            Some(t) => in_period(req, t),
            None => req.since.is_none() && req.until.is_none(),
        };
        if let (Some(original), true) = (f.duplicate_of, counted) {
            *copies.entry(original).or_default() += 1;
        }
    })?;
    let mut ranked: Vec<(ArticleId, u64)> = copies.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.as_u64().cmp(&b.0.as_u64())));
    let mut out = Vec::new();
    for (id, n) in ranked.into_iter().take(TOP_STORIES) {
        // An original removed since keeps its copies' count, without a title.
        let found = store.get(id)?;
        out.push(Story {
            id,
            title: found.as_ref().map_or_else(|| "(removed)".to_string(), |a| a.title.clone()),
            source: found.as_ref().map(|a| a.source_name()).unwrap_or_default(),
            published: found.and_then(|a| a.published_at),
            copies: n,
        });
    }
    Ok(out)
}

/// A chart section: heading, the SVG, a data table, and the same table as a CSV link.
fn section(
    html: &mut String,
    id: &str,
    heading: &str,
    unit: &str,
    months: &[String],
    series: &[Series],
    decimals: usize,
) {
    let _ = write!(html, "<section id=\"{id}\"><h2>{}</h2>", esc(heading));
    if months.is_empty() || series.is_empty() {
        html.push_str("<p>No dated articles in the period.</p></section>");
        return;
    }
    html.push_str("<div class=\"legend\">");
    for (i, s) in series.iter().enumerate() {
        let RGBColor(r, g, b) = COLOURS[i % COLOURS.len()];
        let _ =
            write!(html, "<span><i style=\"background:#{r:02x}{g:02x}{b:02x}\"></i>{}</span>", esc(&s.label));
    }
    html.push_str("</div>");
    html.push_str(&line_chart(months, series, unit));
    let mut csv = String::from("month");
    for s in series {
        csv.push(',');
        csv.push_str(&csv_field(&s.label));
    }
    csv.push('\n');
    html.push_str("<details><summary>data</summary><table><thead><tr><th>month</th>");
    for s in series {
        let _ = write!(html, "<th>{}</th>", esc(&s.label));
    }
    html.push_str("</tr></thead><tbody>");
    for (i, m) in months.iter().enumerate() {
        let _ = write!(html, "<tr><td>{m}</td>");
        csv.push_str(m);
        for s in series {
            let v = format!("{:.*}", decimals, s.values[i]);
            let _ = write!(html, "<td class=\"n\">{v}</td>");
            csv.push(',');
            csv.push_str(&v);
        }
        html.push_str("</tr>");
        csv.push('\n');
    }
    let _ = write!(
        html,
        "</tbody></table></details><p><a download=\"{id}.csv\" href=\"data:text/csv;charset=utf-8,{}\">CSV</a></p></section>",
        url::form_urlencoded::byte_serialize(csv.as_bytes()).collect::<String>().replace('+', "%20")
    );
}

/// `s` as one CSV field: quoted when it holds a separator, and with a leading `'` when a
/// spreadsheet would read it as a formula (a source named `=HYPERLINK(…)`).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// An SVG line chart of `series` over `months`.
fn line_chart(months: &[String], series: &[Series], unit: &str) -> String {
    let mut svg = String::new();
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0f64, f64::max).max(1.0) * 1.1;
    {
        let root = SVGBackend::with_string(&mut svg, (880, 320)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
            root.fill(&WHITE)?;
            let font = ("Noto Sans CJK SC, PingFang SC, sans-serif", 13);
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(34)
                .y_label_area_size(56)
                .build_cartesian_2d(0..months.len().saturating_sub(1).max(1), 0.0..max)?;
            let step = months.len().div_ceil(12).max(1);
            chart
                .configure_mesh()
                .x_labels(months.len().min(12))
                .x_label_formatter(&|i| {
                    if i % step == 0 {
                        months.get(*i).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_desc(unit)
                .label_style(font)
                .axis_desc_style(font)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .draw()?;
            for (i, s) in series.iter().enumerate() {
                let colour = COLOURS[i % COLOURS.len()];
                chart.draw_series(LineSeries::new(
                    s.values.iter().copied().enumerate(),
                    colour.stroke_width(2),
                ))?;
                chart.draw_series(
                    s.values.iter().enumerate().map(|(x, &y)| Circle::new((x, y), 3, colour.filled())),
                )?;
            }
            root.present()?;
            Ok(())
        })();
        if let Err(e) = drawn {
            tracing::warn!("cannot draw a chart: {e}");
        }
    }
    svg
}

/// `s` with the characters HTML gives a meaning replaced by references.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;background:#fbfbfa;color:#1d232b;font-family:\"Noto Sans CJK SC\",\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",sans-serif;line-height:1.55}\
main{max-width:920px;margin:0 auto;padding:1rem}h1{color:#b4261a;margin:.2rem 0}h2{margin:1.6rem 0 .5rem;font-size:1.15rem}\
.about{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;font-size:.9rem;color:#5d6673}.about dt{font-weight:600}.about dd{margin:0}\
svg{max-width:100%;height:auto;border:1px solid #dde1e6;border-radius:6px;background:#fff}\
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.9rem}.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}\
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border-bottom:1px solid #dde1e6;padding:.15rem .5rem;text-align:left}.n{text-align:right}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1rem}.cards section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.3rem 1rem}\
.cards h3{font-size:1rem;margin:.3rem 0}.cards h4{margin:.4rem 0 .1rem;font-size:.8rem;color:#5d6673}.cards ul{margin:0;padding-left:1.1rem;font-size:.9rem}\
footer{margin-top:2rem;color:#5d6673;font-size:.8rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<img src=x onerror=alert(1)> & \"'"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;&#39;"
        );
    }

    #[test]
    fn a_csv_field_with_a_comma_or_quote_is_quoted() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("互联互通"), "互联互通");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("a\rb"), "\"a\rb\"");
    }

    #[test]
    fn a_chart_is_svg_with_its_labels_escaped() {
        let months = vec!["2021-01".to_string(), "2021-02".to_string()];
        let series = vec![Series { label: "x".into(), values: vec![1.0, 3.0] }];
        let svg = line_chart(&months, &series, "<b>");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("2021-01"));
        assert!(!svg.contains("<b>"), "the axis label is escaped");
    }
}
