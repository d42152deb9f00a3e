//! The human printers: search hits, an article, topics, stats. Colour comes through
//! [`Style`]; the `--json` forms are the library's own serializable types.
//!
//! Not here: choosing between the two forms (`output::emit`), where the bytes go.

use std::io::Write;

use chrono::{DateTime, Utc};

use newsdesk::article::{format_utc, Article};
use newsdesk::search::SearchResults;
use newsdesk::stats;

use super::output::Style;

/// The UTC day of a timestamp, or "undated".
fn day(t: Option<&DateTime<Utc>>) -> String {
    t.map_or_else(|| "undated".to_string(), |t| t.format("%Y-%m-%d").to_string())
}

pub fn print_results(
    out: &mut impl Write,
    r: &SearchResults,
    offset: usize,
    style: Style,
) -> std::io::Result<()> {
    if r.hits.is_empty() {
        // A count only (`--limit 0`), or a page past the last hit; nothing at all matched is
        // said on stderr by the caller.
        if r.total > 0 {
            let line = format!("{} articles matching {:?} ({} ms)", r.total, r.query, r.took_ms);
            writeln!(out, "{}", style.dim(&line))?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{}–{} of {} articles matching {:?} ({} ms)",
            offset + 1,
            offset + r.hits.len(),
            r.total,
            r.query,
            r.took_ms
        ))
    )?;
    for (i, hit) in r.hits.iter().enumerate() {
        writeln!(out)?;
        writeln!(out, "{}. {}", offset + i + 1, style.bold(&hit.title))?;
        writeln!(
            out,
            "   {}",
            style.dim(&format!("{} · {} · {}", day(hit.published_at.as_ref()), hit.source, hit.id))
        )?;
        let mut snippet = String::new();
        let chars: Vec<char> = hit.snippet.chars().collect();
        let mut at = 0;
        for [from, to] in &hit.highlights {
            snippet.extend(&chars[at..*from]);
            snippet.push_str(&style.highlight(&chars[*from..*to].iter().collect::<String>()));
            at = *to;
        }
        snippet.extend(&chars[at..]);
        writeln!(out, "   {}", one_line(&snippet))?;
    }
    Ok(())
}

/// Paragraph breaks become single spaces, so a snippet stays on one line.
fn one_line(s: &str) -> String {
    s.split('\n').filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

pub fn print_article(out: &mut impl Write, a: &Article, style: Style) -> std::io::Result<()> {
    writeln!(out, "{}", style.bold(&a.title))?;
    let published = a.published_at.as_ref().map_or_else(|| "undated".to_string(), format_utc);
    writeln!(out, "{}", style.dim(&format!("{published} · {} · {} · {}", a.source_name(), a.lang, a.id)))?;
    if !a.categories.is_empty() {
        writeln!(out, "{}", style.dim(&format!("categories: {}", a.categories.join(", "))))?;
    }
    if !a.tags.is_empty() {
        writeln!(out, "{}", style.dim(&format!("tags: {}", a.tags.join(", "))))?;
    }
    if let Some(url) = &a.url {
        writeln!(out, "{}", style.dim(&format!("url: {url}")))?;
    }
    writeln!(out, "{}", style.dim(&format!("source: {}", a.source.location)))?;
    if let Some(original) = &a.duplicate_of {
        writeln!(out, "{}", style.dim(&format!("duplicate of: {original}")))?;
    }
    writeln!(out)?;
    if !a.summary.is_empty() {
        writeln!(out, "{} {}", style.bold("summary:"), a.summary)?;
    }
    for t in &a.topics {
        writeln!(
            out,
            "{} {} ({}) {:.2} ← {}",
            style.bold("topic:"),
            t.id,
            t.label,
            t.score,
            t.matched.join(", ")
        )?;
    }
    if !a.keywords.is_empty() {
        let k: Vec<String> = a.keywords.iter().map(|k| format!("{} {:.3}", k.term, k.score)).collect();
        writeln!(out, "{} {}", style.bold("keywords:"), k.join(" · "))?;
    }
    if !a.entities.is_empty() {
        let e: Vec<String> = a
            .entities
            .iter()
            .map(|e| format!("{} ({}, {}×)", e.text, format!("{:?}", e.kind).to_lowercase(), e.count))
            .collect();
        writeln!(out, "{} {}", style.bold("entities:"), e.join(" · "))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", a.text)?;
    if !a.images.is_empty() || a.lead_image.is_some() {
        writeln!(out)?;
        if let Some(lead) = &a.lead_image {
            writeln!(out, "{}", style.dim(&format!("lead image: {lead}")))?;
        }
        for img in &a.images {
            let size = match (img.width, img.height) {
                (Some(w), Some(h)) => format!(" {w}×{h}"),
                _ => String::new(),
            };
            let alt = img.alt.as_deref().map(|a| format!(" “{a}”")).unwrap_or_default();
            writeln!(out, "{}", style.dim(&format!("image: {}{size}{alt}", img.url)))?;
        }
    }
    Ok(())
}

/// A one-line bar chart of `values`, scaled to their maximum.
fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    // The busiest month gets the full bar; any other month with articles at least the lowest.
    values.iter().map(|&v| if v == 0 { ' ' } else { BARS[(v * 7 / max) as usize] }).collect()
}

pub fn print_topics(out: &mut impl Write, topics: &[stats::TopicStat]) -> std::io::Result<()> {
    let width = topics.iter().map(|t| t.id.len()).max().unwrap_or(0);
    let months =
        match (topics.iter().find_map(|t| t.by_month.first()), topics.iter().find_map(|t| t.by_month.last()))
        {
            (Some(first), Some(last)) => format!("{} … {}", first.name, last.name),
            _ => "(no dated articles in range)".to_string(),
        };
    writeln!(out, "{:width$}  {:>5}  {months}", "topic", "count")?;
    for t in topics {
        let series: Vec<u64> = t.by_month.iter().map(|c| c.articles).collect();
        writeln!(out, "{:width$}  {:>5}  {}  {}", t.id, t.articles, sparkline(&series), t.label)?;
    }
    for t in topics {
        for (what, counts) in [("keywords", &t.keywords), ("entities", &t.entities)] {
            let Some(counts) = counts else { continue };
            let listed: Vec<String> = counts.iter().map(|c| format!("{} {}", c.name, c.articles)).collect();
            writeln!(
                out,
                "\n{} {what}: {}",
                t.id,
                if listed.is_empty() { "none".into() } else { listed.join(", ") }
            )?;
        }
    }
    Ok(())
}

pub fn print_stats(out: &mut impl Write, s: &stats::Stats) -> std::io::Result<()> {
    writeln!(out, "index     {} ({:.1} MiB)", s.index, s.index_bytes as f64 / 1_048_576.0)?;
    writeln!(out, "articles  {}", s.articles)?;
    if let (Some(first), Some(last)) = (&s.first_published, &s.last_published) {
        writeln!(out, "published {} … {} ({} undated)", day(Some(first)), day(Some(last)), s.undated)?;
    }
    for (title, counts) in
        [("by source", &s.by_source), ("by category", &s.by_category), ("by month", &s.by_month)]
    {
        writeln!(out, "\n{title}")?;
        let width = counts.iter().map(|c| c.articles.to_string().len()).max().unwrap_or(1);
        for c in counts {
            writeln!(out, "  {:>width$}  {}", c.articles, c.name)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    /// Regression: the busiest month was drawn as the lowest bar when it had one article.
    #[test]
    fn the_busiest_month_gets_the_full_bar() {
        assert_eq!(sparkline(&[0, 1]), " █");
        assert_eq!(sparkline(&[1, 0, 2, 8]), "▁ ▂█");
        assert_eq!(sparkline(&[4, 8]), "▄█");
        assert_eq!(sparkline(&[]), "");
    }
}
