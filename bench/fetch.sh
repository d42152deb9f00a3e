#!/usr/bin/env bash
# Fetch benchmark: N web pages (default 5000) served from 127.0.0.1 by examples/serve_dir,
# ingested with `newsdesk ingest --from-file`, twice: a first run (every page fetched, parsed,
# extracted, cleaned, analysed, indexed) and a re-run (every page answered 304 Not Modified).
# Reports pages/s and peak RSS of newsdesk for both. Usage:
#   bench/fetch.sh [PAGES] [JOBS]
# The pages are made from ../shared/corpus by ../shared/tools/scale-corpus, each wrapped in a
# web page with JSON-LD, OpenGraph, navigation, a comment box and a footer, so the metadata
# readers and the main-content extractor do real work.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
jobs=${2:-16}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -z "${KEEP:-}" ] && rm -rf "$work"' EXIT

echo "== corpus: $n articles from ../shared/corpus, wrapped as web pages" >&2
../shared/tools/scale-corpus ../shared/corpus "$work/corpus" "$n" >&2
python3 - "$work/corpus" "$work/site" "$port" <<'PY'
import json, os, re, sys, html
src, out, port = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out)
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(('.md', '.html')))
urls = []
for i, path in enumerate(files):
    text = open(path, encoding='utf-8').read().lstrip('\ufeff')
    m = re.match(r'\s*---\s*\n(.*?)\n---\s*\n(.*)', text, re.S)
    front, body = (m.group(1), m.group(2)) if m else ('', text)
    def field(k):
        f = re.search(r'^' + k + r':\s*(.+)$', front, re.M)
        return f.group(1).strip().strip('\'"') if f else ''
    title, date, author = field('title'), field('date'), field('author')
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": date, "author": {"@type": "Person", "name": author},
          "url": f"https://news.example.com/{i:06d}.html"}
    page = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(title)} - 示例新闻</title>
<meta property="og:title" content="{html.escape(title, quote=True)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>
<body><nav class="nav"><a href="/">首页</a> <a href="/tech">科技</a> <a href="/fin">财经</a></nav>
<div class="layout"><div class="article-content">{body}</div>
<div class="comment-box"><p>网友评论：这是一条评论，用来测试评论区会被正文抽取排除在外。</p></div></div>
<footer><p>版权所有 示例新闻 未经许可不得转载</p></footer></body></html>"""
    name = f"p{i:06d}.html"
    open(os.path.join(out, name), 'w', encoding='utf-8').write(page)
    urls.append(f"http://127.0.0.1:{port}/{name}")
open(os.path.join(out, '..', 'urls.txt'), 'w').write('\n'.join(urls) + '\n')
PY
du -sh "$work/site" | awk '{print "pages on disk: " $1}' >&2

cargo build --release --quiet --example serve_dir
cargo build --release --quiet
target/release/examples/serve_dir "$work/site" "$port" 2>/dev/null &
server_pid=$!
sleep 0.5

run() { # label → one line of figures
  /usr/bin/time -f "%e %M" -o "$work/time" target/release/newsdesk --index "$work/idx" ingest \
    --from-file "$work/urls.txt" --jobs "$jobs" --per-host "$jobs" --json >"$work/report.json" 2>"$work/stderr" || true
  read -r wall rss_kb <"$work/time"
  python3 - "$1" "$wall" "$rss_kb" "$work/report.json" <<'PY'
import json, sys
label, wall, rss, report = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.load(open(sys.argv[4]))
n = report["new"] + report["updated"] + report["unchanged"] + report["failed"]
print(f"{label:10} {n} pages in {wall:.2f} s = {n / wall:,.0f} pages/s, peak RSS {rss / 1024:.0f} MiB "
      f"(new {report['new']}, unchanged {report['unchanged']}, failed {report['failed']})")
PY
}
echo "== newsdesk ingest --from-file urls.txt --jobs $jobs --per-host $jobs ($(nproc) cores)" >&2
run first
run unchanged
