//! `newsdesk search`: ranked, highlighted hits from the index, or from a search engine with
//! `--engine`; exit 1 when nothing matches.
//!
//! Not here: the query language and ranking (`newsdesk::search`), the printer
//! (`human::print_results`).

use std::process::ExitCode;

use anyhow::Result;
use newsdesk::search::{self, SearchRequest, Sort};

use crate::cli::args::{SearchArgs, SortArg};
use crate::cli::human::print_results;
use crate::cli::output::emit;
use crate::cli::settings::{date_range, install_index_dict, Globals};
use newsdesk::engine::{Client, RetryPolicy};

pub fn run(globals: &Globals, args: SearchArgs) -> Result<ExitCode> {
    let (since, until) = date_range(args.since.as_deref(), args.until.as_deref(), args.default_tz)?;
    let req = SearchRequest {
        since,
        until,
        query: args.query,
        limit: args.limit,
        offset: args.offset,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
        },
        category: args.category,
        author: args.author,
        topics: args.topics,
        entity: args.entity,
        dedupe: args.dedupe,
        words_only: args.words_only,
    };
    let results = if args.engine.given() {
        // The query is cut with the index's user dictionary, as the pushed documents were.
        let index = globals.index();
        if newsdesk::index::Store::exists(&index) {
            install_index_dict(&index)?;
        }
        Client::new(args.engine.target()?, RetryPolicy::default())?.search(&req)?
    } else {
        search::search(&globals.open_store()?, &req)?
    };
    emit(args.json, &results, |out| print_results(out, &results, args.offset, globals.style))?;
    if results.hits.is_empty() && results.total > 0 && args.limit > 0 && !args.json {
        eprintln!("note: --offset {} is past the last hit ({} in all)", args.offset, results.total);
    }
    if results.total == 0 {
        if !args.json {
            eprintln!("no articles match {:?}", results.query);
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
