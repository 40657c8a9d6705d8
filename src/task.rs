//! `--wait`: following a long-running task until it ends. Onepanel's
//! deployment operations answer 202 and name the task in `Location`
//! (`/api/v3/onepanel/tasks/{id}`); the task answers `{"status": "running"
//! | "ok" | "error", "steps": [done so far], "totalSteps": n, "error": …}`.
//!
//! The task is polled with the call's credential (only at the call's own
//! origin), every half second at first and at most every [`MAX_INTERVAL`],
//! for at most `--wait-timeout` (default [`DEFAULT_LIMIT`] seconds). Its
//! steps go to stderr (a rewriting line on a terminal, a line per step
//! otherwise; nothing with `-s`); its final status to stdout. Ctrl-C stops
//! the polling (the task goes on at the server) and says how to look it up.

use crate::catalogue::{Catalogue, Operation};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::output::{self, Answer, ErrorContext, Format, Terminal};
use crate::progress::Status;
use crate::request::{user_agent, Request};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// The default of `--wait-timeout`, in seconds: deployments take minutes.
pub const DEFAULT_LIMIT: f64 = 1800.0;
const FIRST_INTERVAL: Duration = Duration::from_millis(500);
const MAX_INTERVAL: Duration = Duration::from_secs(5);
/// Ctrl-C is noticed within this.
const TICK: Duration = Duration::from_millis(100);
use crate::exit::INTERRUPTED;

/// The task at `task`, named by the 202 answer to `req`.
struct Task<'a> {
    url: Url,
    /// The catalogue's operation for it (getTaskStatus), and its path
    /// parameter: how to look it up by hand.
    lookup: Option<(&'static Operation, &'static str, String)>,
    req: &'a Request,
}

impl Task<'_> {
    /// `onepanel-rest-cli getTaskStatus id=T`, or the URL to GET.
    fn how_to_look_up(&self) -> String {
        match &self.lookup {
            // The value is the server's: quoted for the shell, and any
            // control character escaped for the terminal.
            Some((op, param, value)) => format!(
                "`{} {} {param}={}`",
                crate::personality::current().command,
                op.name,
                output::escape_controls(&crate::curl::quote(value))
            ),
            None => format!("GET {}", self.url),
        }
    }

    fn id(&self) -> String {
        match &self.lookup {
            Some((_, _, value)) => output::escape_controls(value),
            None => output::escape_controls(self.url.path()),
        }
    }
}

/// Waits for the task at `task`; the exit code of its outcome.
pub fn wait(task: Url, req: &Request, cat: Catalogue, g: &Globals) -> Result<u8, Failure> {
    let limit = wait_limit(g)?;
    let origin = Url::parse(&req.url).map(|u| u.origin()).ok();
    if origin != Some(task.origin()) {
        return Err(Failure::new(
            exit::HTTP_5XX,
            format!(
                "the task is at another origin, {}; it is not polled with this credential",
                task.origin().ascii_serialization()
            ),
        ));
    }
    let task = Task {
        lookup: lookup(cat, &req.url, &task),
        url: task,
        req,
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&interrupted);
        // The first Ctrl-C stops the polling with the hint (at the next
        // tick, or once a poll under way ends); a second one ends the
        // process at once. Without a handler (one is set already) Ctrl-C
        // ends the process as usual: nothing is lost but the hint.
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(INTERRUPTED));
            }
        });
    }
    let status = Status::new(crate::progress::visible(g.silent));
    let result = poll(&task, limit, &interrupted, &status, g);
    status.finish();
    result
}

/// `--wait-timeout`, checked.
pub fn wait_limit(g: &Globals) -> Result<Duration, Failure> {
    let secs = g.wait_timeout.unwrap_or(DEFAULT_LIMIT);
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Failure::usage(format!(
                "--wait-timeout {secs}: give a positive number of seconds"
            ))
        })
}

fn poll(
    task: &Task,
    limit: Duration,
    interrupted: &AtomicBool,
    status: &Status,
    g: &Globals,
) -> Result<u8, Failure> {
    let start = Instant::now();
    let mut interval = FIRST_INTERVAL;
    let mut last_line = String::new();
    loop {
        let state = ask(task, g)?;
        match state.get("status").and_then(Value::as_str) {
            Some("running") => {}
            Some("ok") => return finish(&state, g).map(|()| exit::OK),
            Some("error") => {
                finish(&state, g)?;
                return Err(failed(task, &state));
            }
            other => {
                return Err(Failure::new(
                    exit::BAD_RESPONSE,
                    format!(
                        "the task {} answered a status that is not running, ok or error: {}",
                        task.id(),
                        output::escape_controls(&format!("{other:?}"))
                    ),
                ))
            }
        }
        let line = progress_line(task, &state);
        if line != last_line {
            if crate::progress::visible(g.silent) {
                status.set(line.clone());
            } else if g.warnings() {
                let _ = writeln!(std::io::stderr(), "{line}");
            }
            last_line = line;
        }
        // Sleep in ticks, to notice Ctrl-C and the limit.
        let until = Instant::now() + interval;
        while Instant::now() < until {
            if interrupted.load(Ordering::SeqCst) {
                return Err(Failure::new(
                    INTERRUPTED,
                    format!("interrupted; the task {} goes on at the server", task.id()),
                )
                .hint(format!("look it up with {}", task.how_to_look_up())));
            }
            if start.elapsed() >= limit {
                return Err(Failure::new(
                    exit::NETWORK,
                    format!(
                        "the task {} is still running after {} s (--wait-timeout)",
                        task.id(),
                        limit.as_secs_f64()
                    ),
                )
                .hint(format!(
                    "it goes on at the server; look it up later with {}",
                    task.how_to_look_up()
                ))
                .hint("or wait longer with --wait-timeout SECONDS"));
            }
            std::thread::sleep(TICK);
        }
        interval = (interval * 2).min(MAX_INTERVAL);
    }
}

/// One poll: the task's state as JSON.
fn ask(task: &Task, g: &Globals) -> Result<Value, Failure> {
    let operation = task
        .lookup
        .as_ref()
        .map_or(task.req.operation, |(op, ..)| *op);
    let req = Request {
        operation,
        method: "GET",
        url: task.url.to_string(),
        base_url: task.req.base_url.clone(),
        headers: vec![
            ("User-Agent".into(), user_agent()),
            ("Accept".into(), "application/json".into()),
        ],
        credential: task.req.credential.clone(),
        body: None,
        upload: None,
        notes: Vec::new(),
        per_user: None,
    };
    let answer = crate::net::fetch(&req, g)?;
    if !(200..300).contains(&answer.status) {
        let ctx = ErrorContext {
            credential: req.credential.as_ref().map(|c| c.source),
            credential_dropped_for: answer.credential_dropped_for.clone(),
            privileges: operation.privileges,
            per_user: None,
        };
        return Err(output::http_error(
            answer.status,
            answer.reason,
            answer.content_type.as_deref(),
            &answer.body,
            &ctx,
        )
        .hint(format!("while polling the task {}", task.id())));
    }
    serde_json::from_slice(&answer.body).map_err(|e| {
        Failure::new(
            exit::BAD_RESPONSE,
            format!("the state of the task {} is not JSON: {e}", task.id()),
        )
    })
}

/// `task T: 3 of 7 steps done (last: configuring workers)`, escaped.
fn progress_line(task: &Task, state: &Value) -> String {
    let steps = state.get("steps").and_then(Value::as_array);
    let done = steps.map_or(0, Vec::len);
    let total = state.get("totalSteps").and_then(Value::as_u64);
    let last = steps
        .and_then(|s| s.last())
        .and_then(Value::as_str)
        .map(|s| format!(" (last: {})", output::escape_controls(s)))
        .unwrap_or_default();
    match total {
        Some(t) => format!("task {}: {done} of {t} steps done{last}", task.id()),
        None => format!("task {}: {done} steps done{last}", task.id()),
    }
}

/// The failure of a task that ended in error, with the server's error.
fn failed(task: &Task, state: &Value) -> Failure {
    let error = state.get("error");
    let text = |k: &str| {
        error
            .and_then(|e| e.get(k).or_else(|| e.get("error").and_then(|x| x.get(k))))
            .and_then(Value::as_str)
            .map(output::escape_controls)
    };
    let what = text("description")
        .or_else(|| text("id"))
        .unwrap_or_else(|| "no error given".into());
    Failure::new(
        exit::HTTP_5XX,
        format!("the task {} ended in error: {what}", task.id()),
    )
    .hint(format!("its whole state: {}", task.how_to_look_up()))
}

/// Prints the task's final state on stdout, as an answer is printed (or
/// writes it to `--output-file`).
fn finish(state: &Value, g: &Globals) -> Result<(), Failure> {
    let bytes = serde_json::to_vec(state)
        .map_err(|e| Failure::new(exit::BAD_RESPONSE, format!("cannot encode: {e}")))?;
    if let Some(path) = &g.output_file {
        return crate::output_file::write(path, &bytes);
    }
    let stdout = std::io::stdout();
    let term = Terminal {
        is_terminal: stdout.is_terminal(),
        width: None,
        unicode: crate::output::unicode_locale(|k| std::env::var(k).ok()),
        colour: stdout.is_terminal() && console::colors_enabled(),
    };
    let answer = Answer {
        status: 200,
        content_type: Some("application/json".into()),
        content_length: Some(bytes.len() as u64),
        location: None,
    };
    let format = Format::choose(g.output.as_deref(), term.is_terminal);
    let mut out = stdout.lock();
    output::success(&answer, &mut bytes.as_slice(), format, term, &mut out)
        .map_err(|e| e.into_failure(|e| Failure::stdout(&e)))
}

/// The catalogue's GET operation whose path is the task's, with its path
/// parameter and value: `getTaskStatus`, `id`, the task id.
fn lookup(
    cat: Catalogue,
    request_url: &str,
    task: &Url,
) -> Option<(&'static Operation, &'static str, String)> {
    let base = Url::parse(request_url).ok()?;
    let base_path = cat.service.base_path.trim_end_matches('/');
    // The request URL's path ends in an operation's path; the base is
    // what comes before the service's base path.
    let at = base.path().find(base_path)? + base_path.len();
    let prefix = &base.path()[..at];
    let rest = task.path().strip_prefix(prefix)?;
    let segments: Vec<&str> = rest.trim_matches('/').split('/').collect();
    cat.operations()
        .filter(|op| op.method == "GET")
        .find_map(|op| {
            let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut found = None;
            for (t, s) in template.iter().zip(&segments) {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(_) if s.is_empty() => return None,
                    Some(name) => {
                        let value = percent_encoding::percent_decode_str(s)
                            .decode_utf8()
                            .ok()?
                            .into_owned();
                        let param = op.params.iter().find(|p| p.name == name)?.name;
                        found = Some((param, value));
                    }
                    None if t != s => return None,
                    None => {}
                }
            }
            found.map(|(param, value)| (op, param, value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onepanel() -> Catalogue {
        Catalogue::newest(&onedata_catalogue::builtin::ONEPANEL)
    }

    #[test]
    fn the_task_is_found_in_the_catalogue() {
        let task = Url::parse("https://p:9443/api/v3/onepanel/tasks/a%2Fb").unwrap();
        let (op, param, value) = lookup(
            onepanel(),
            "https://p:9443/api/v3/onepanel/provider/configuration",
            &task,
        )
        .unwrap();
        assert_eq!(
            (op.name, param, value.as_str()),
            ("getTaskStatus", "id", "a/b")
        );
        let elsewhere = Url::parse("https://p:9443/other/tasks/x").unwrap();
        assert!(lookup(onepanel(), "https://p:9443/api/v3/onepanel/x", &elsewhere).is_none());
    }

    #[test]
    fn progress_lines_escape_what_the_server_says() {
        let req = Request {
            operation: onepanel().find("getTaskStatus").unwrap(),
            method: "GET",
            url: String::new(),
            base_url: String::new(),
            headers: Vec::new(),
            credential: None,
            body: None,
            upload: None,
            notes: Vec::new(),
            per_user: None,
        };
        let task = Task {
            url: Url::parse("https://p/api/v3/onepanel/tasks/t").unwrap(),
            lookup: None,
            req: &req,
        };
        let line = progress_line(
            &task,
            &serde_json::json!({"steps": ["a", "b\u{1b}[2J"], "totalSteps": 5}),
        );
        assert_eq!(
            line,
            "task /api/v3/onepanel/tasks/t: 2 of 5 steps done (last: b\\u{1b}[2J)"
        );
    }
}
