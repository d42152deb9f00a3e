//! `newsdesk serve`: checks the address and token, binds, and runs the server until Ctrl-C or
//! SIGTERM.
//!
//! Not here: the routes, the page and the API (`newsdesk::server`).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use newsdesk::engine::{Client, RetryPolicy};
use newsdesk::server::{self, Options};

use crate::cli::args::ServeArgs;
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: ServeArgs) -> Result<ExitCode> {
    let token = args.token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if token.as_deref().is_some_and(|t| !t.bytes().all(|b| b.is_ascii_graphic())) {
        bail!("the token must be printable ASCII without spaces (a header cannot carry anything else); e.g. $(openssl rand -hex 16)");
    }
    if args.reload_every.is_zero() {
        bail!("--reload-every must be more than 0, e.g. 1s or 200ms");
    }
    if !args.addr.ip().is_loopback() {
        if token.is_none() && !args.insecure {
            bail!(
                "refusing to serve on {} without a token: anyone who can reach it could read the archive; \
                 set NEWSDESK_TOKEN (or --token), or pass --insecure if that is what you want",
                args.addr
            );
        }
        eprintln!(
            "warning: serving on {}, which is not a loopback address: other machines can reach it{}",
            args.addr,
            if token.is_some() { "" } else { " and no token is required (--insecure)" }
        );
    }
    let store = globals.open_store()?;
    let analyzer = globals.analyzer()?;
    let engine = match args.engine.given() {
        true => Some(Arc::new(Client::new(args.engine.target()?, RetryPolicy::default())?)),
        false => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}; is another server using the port?", args.addr))?;
        let bound = listener.local_addr().context("cannot read the bound address")?;
        eprintln!(
            "newsdesk: serving {} ({} articles) on http://{bound}/ (Ctrl-C stops)",
            globals.index().display(),
            store.num_articles()
        );
        if let Some(engine) = &engine {
            let t = engine.target();
            eprintln!("newsdesk: searches go to {} {:?} at {}", t.kind.name(), t.collection, t.url());
        }
        // Without a token, a loopback server answers only for loopback names (DNS rebinding);
        // with one, or when --insecure opens another address, for any name.
        let allowed_hosts = (token.is_none() && bound.ip().is_loopback()).then(|| {
            let mut hosts = server::loopback_hosts();
            hosts.push(bound.ip().to_string());
            hosts
        });
        let options = Options {
            token,
            reload_every: args.reload_every,
            cache_entries: args.cache,
            allowed_hosts,
            engine,
        };
        server::serve(listener, store, analyzer, options, shutdown_signal())
            .await
            .context("the server stopped")?;
        eprintln!("newsdesk: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
