//! Global options and the command line's shape.
//!
//! Every option is defined once, in [`options`]; parsing, `--help`, the man
//! page and the shell completions all read these definitions. Operations are
//! not clap subcommands: the first positional word that is no request item
//! is looked up in the catalogue, and the others are request items (see
//! `items`), so no per-operation clap tree is ever built. As in the old Bash
//! client, options and items may stand before or after the operation.

use clap::{Arg, ArgAction, ArgMatches, Command};
use std::path::PathBuf;

/// Where an option comes from, for grouping in help and the man page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Ours,
    /// Accepted for scripts that passed curl options through the old client.
    Curl,
}

impl Group {
    pub const ALL: [Group; 2] = [Group::Ours, Group::Curl];

    /// The heading of the group in `--help` (and clap's help heading).
    pub fn heading(self) -> &'static str {
        match self {
            Group::Ours => "Options",
            Group::Curl => "curl options (accepted for compatibility)",
        }
    }

    /// The short title of the group (the man page's subsection).
    pub fn title(self) -> &'static str {
        match self {
            Group::Ours => "Options",
            Group::Curl => "curl options",
        }
    }

    /// The group of an option defined by [`options`].
    pub fn of(a: &Arg) -> Option<Group> {
        Group::ALL
            .into_iter()
            .find(|g| a.get_help_heading() == Some(g.heading()))
    }
}

/// Mime abbreviations of the old client, for `-ac` and `-ct`.
pub const MIME_ABBREVIATIONS: &[(&str, &str)] = &[
    ("text", "text/plain"),
    ("html", "text/html"),
    ("md", "text/x-markdown"),
    ("csv", "text/csv"),
    ("css", "text/css"),
    ("rtf", "text/rtf"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("yaml", "application/yaml"),
    ("js", "application/javascript"),
    ("bin", "application/octet-stream"),
    ("rdf", "application/rdf+xml"),
    ("jpg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("bmp", "image/bmp"),
    ("tiff", "image/tiff"),
];

/// `json` → `application/json`; anything else is taken as a mime type.
pub fn expand_mime(value: &str) -> String {
    MIME_ABBREVIATIONS
        .iter()
        .find(|(abbr, _)| *abbr == value)
        .map_or_else(|| value.to_owned(), |(_, full)| (*full).to_owned())
}

/// Output formats of `-o/--output`.
pub const OUTPUT_FORMATS: &[(&str, &str)] = &[
    (
        "json",
        "compact JSON (the default when stdout is not a terminal)",
    ),
    ("pretty", "indented JSON (the default on a terminal)"),
    ("table", "a table of the fields or list items"),
    ("raw", "the response body exactly as received"),
    ("token", "only the token of a token operation, for $(…)"),
];

/// Spellings of the old client that are not clap's: `-ac` is `--accept`.
pub const OLD_SPELLINGS: &[(&str, &str)] = &[
    ("-ac", "--accept"),
    ("-ct", "--content-type"),
    ("-nc", "--no-colors"),
];

fn opt(id: &'static str, group: Group) -> Arg {
    Arg::new(id).long(id).help_heading(group.heading())
}

fn flag(id: &'static str, group: Group) -> Arg {
    opt(id, group).action(ArgAction::SetTrue)
}

/// Every global option, once.
pub fn options() -> Vec<Arg> {
    use Group::{Curl, Ours};
    let p = crate::personality::current();
    let host_vars = match p.generic_host_var {
        Some(g) => format!("${}, ${g}", p.host_var),
        None => format!("${}", p.host_var),
    };
    let port = p
        .default_port
        .map(|n| format!("; port {n} unless the URL names one"))
        .unwrap_or_default();
    let formats: Vec<&str> = OUTPUT_FORMATS.iter().map(|(f, _)| *f).collect();
    vec![
        flag("help", Ours).short('h').help("Show help; after an operation, the operation's help"),
        flag("version", Ours).short('V').help("Show the version"),
        flag("about", Ours).help("Describe the service and the API version"),
        flag("no-pager", Ours).help("Print help directly, not through $PAGER (or less) on a terminal"),
        opt("host", Ours)
            .value_name("URL")
            .help(format!("{} URL (default: {host_vars}, then the host of the last login); https:// is assumed{port}", p.title())),
        opt("api-version", Ours)
            .value_name("RELEASE")
            .help(format!("API release to use: 21.02.7, or a line such as 20.02 (default: ${}, \
                   then what the server reports, cached for a day, then the newest known)", p.version_var)),
        opt("api-spec", Ours)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help(format!("Use this Swagger 2.0 spec (JSON or YAML) for a release the tool does not know, \
                   such as 25.x (default: ${}); compiled once and cached", p.spec_var)),
        flag("dry-run", Ours).help("Print the request as a curl command instead of sending it"),
        flag("show-secrets", Ours).help("With --dry-run, print credentials instead of a redaction"),
        flag("force", Ours).help("Send even if the body does not match the API schema"),
        opt("accept", Ours)
            .value_name("MIME")
            .help("Accept header; abbreviations: json, xml, text, … (old spelling: -ac)"),
        opt("content-type", Ours)
            .value_name("MIME")
            .help("Content-Type of the body; abbreviations as for --accept (old spelling: -ct)"),
        opt("output", Ours)
            .short('o')
            .value_name("FORMAT")
            .help("Output format: json, pretty, table, raw, token")
            .value_parser(formats),
        flag("names", Ours).help("For a list of IDs, print each ID with its name as JSON ([{\"id\", \"name\"}]); -o table shows them as two columns"),
        flag("no-colors", Ours).help("Do not colour pretty JSON or error, warning and note labels on a terminal; NO_COLOR=1 and TERM=dumb do the same (old spelling: -nc)"),
        opt("output-file", Ours)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Write the answer's body to FILE as received (a download is streamed; FILE appears only once complete)"),
        flag("wait", Ours).help("After a 202 that names a task, poll the task until it ends; exit with its outcome"),
        opt("wait-timeout", Ours)
            .value_name("SECONDS")
            .value_parser(seconds("--wait-timeout", Zero::Refused))
            .help("With --wait, give up after this long (default 1800)"),
        flag("insecure", Curl).short('k').help("Do not verify the server's TLS certificate"),
        opt("upload-file", Curl)
            .short('T')
            .value_name("FILE")
            .value_parser(unquoted_path)
            .help("Send FILE as the body, as `- < FILE` does; a binary body is streamed from it"),
        opt("user", Curl)
            .short('u')
            .value_name("USER[:PASSWORD]")
            .help("Basic authentication; without :PASSWORD it is asked for"),
        flag("verbose", Curl).short('v').help("Print request and response headers on stderr (secrets redacted)"),
        flag("silent", Curl).short('s').help("No warnings on stderr; errors are still printed (scripts need them)"),
        flag("show-error", Curl).short('S').help("Accepted for curl compatibility: errors are always printed"),
        flag("include", Curl).short('i').help("Print the response status and headers before the body"),
        opt("cacert", Curl)
            .value_name("FILE")
            .value_parser(unquoted_path)
            .help("Also trust the CA certificates in this PEM file"),
        opt("connect-timeout", Curl)
            .value_name("SECONDS")
            .value_parser(seconds("--connect-timeout", Zero::NoLimit))
            .help("Connection timeout (default 10)"),
        opt("max-time", Curl)
            .short('m')
            .value_name("SECONDS")
            .value_parser(seconds("-m/--max-time", Zero::NoLimit))
            .help("Time limit for the whole request (default 60)"),
        opt("retry", Ours)
            .value_name("N")
            .value_parser(clap::value_parser!(u32).range(0..=100))
            .help("Retry up to N times on a connection error, 429, 502, 503 or 504, with backoff \
                   (Retry-After honoured, within -m); only GET, PUT, DELETE, HEAD and OPTIONS"),
        flag("retry-all", Ours)
            .help("With --retry, retry every method, POST and PATCH too (they may then act twice)"),
        opt("proxy", Curl).short('x').value_name("URL").help("Proxy to use (default: from the environment)"),
        opt("header", Curl)
            .short('H')
            .value_name("'NAME: VALUE'")
            .action(ArgAction::Append)
            .help("Extra request header, as a Header:value item"),
        flag("tlsv1.2", Curl).help("Use TLS 1.2 or newer (always the case)"),
        flag("globoff", Curl).short('g').help("Accepted; URLs are never globbed"),
        opt("write-out", Curl)
            .short('w')
            .value_name("FORMAT")
            .help("After the answer, print FORMAT on stdout: %{http_code} (or %{response_code}), \
                   %{url_effective}, %{content_type}, %{size_download}, %{time_total}, %{redirect_url}, \
                   \\n, \\t, %%; also after an HTTP error"),
        opt("data", Curl)
            .short('d')
            .value_name("DATA")
            .action(ArgAction::Append)
            .help("The body, as - gives it; @FILE reads FILE, @- stdin"),
        opt("data-raw", Curl)
            .value_name("DATA")
            .action(ArgAction::Append)
            .help("The body, as given (a leading @ is text)"),
        opt("data-binary", Curl)
            .value_name("DATA")
            .action(ArgAction::Append)
            .help("The body, as -d gives it; @FILE reads FILE, @- stdin"),
        flag("fail", Curl).short('f').help("Accepted: an HTTP error always exits non-zero (see Exit status)"),
        flag("location", Curl).short('L').help("Accepted: redirects are always followed (credentials stay with their host)"),
        opt("user-agent", Curl).short('A').value_name("NAME").help("User-Agent header"),
        opt("referer", Curl).short('e').value_name("URL").help("Referer header"),
        flag("compressed", Curl).help("Accepted: answers are asked for uncompressed, so nothing needs decoding"),
        flag("ipv4", Curl).short('4').help("Connect over IPv4 only").conflicts_with("ipv6"),
        flag("ipv6", Curl).short('6').help("Connect over IPv6 only"),
        opt("noproxy", Curl)
            .value_name("HOSTS")
            .help("Hosts (comma-separated, * for all) reached without the proxy"),
        opt("resolve", Curl)
            .value_name("HOST:PORT:ADDR")
            .action(ArgAction::Append)
            .help("Connect to ADDR for HOST (PORT must be the URL's), without asking DNS"),
        opt("request", Curl)
            .short('X')
            .value_name("METHOD")
            .help("Accepted when it is the operation's own method; the operation decides it"),
    ]
}

/// The root command: global options and the operation with its items.
pub fn command() -> Command {
    Command::new(crate::personality::current().command)
        // As curl: a flag given twice is fine (-vvv, -k -k), and an option
        // given twice takes its last value.
        .args_override_self(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args(options())
        .arg(
            Arg::new("words")
                .num_args(0..)
                .value_name("OPERATION [ITEM]...")
                .action(ArgAction::Append),
        )
}

/// Parsed global options.
#[derive(Debug, Default, Clone)]
pub struct Globals {
    pub help: bool,
    pub version: bool,
    pub about: bool,
    /// `--no-pager`: help is printed directly, even on a terminal.
    pub no_pager: bool,
    /// `--help` spelled long (complete help), not `-h` (the short one).
    pub long_help: bool,
    pub host: Option<String>,
    pub api_version: Option<String>,
    pub api_spec: Option<PathBuf>,
    pub dry_run: bool,
    pub show_secrets: bool,
    pub force: bool,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub output: Option<String>,
    /// `--names`: a list of IDs printed with each ID's name.
    pub names: bool,
    pub insecure: bool,
    pub user: Option<String>,
    pub verbose: bool,
    pub silent: bool,
    pub include: bool,
    pub cacert: Option<PathBuf>,
    pub connect_timeout: Option<f64>,
    pub max_time: Option<f64>,
    /// `--retry N`: 0 when not given.
    pub retry: u32,
    pub retry_all: bool,
    pub proxy: Option<String>,
    pub headers: Vec<String>,
    pub upload_file: Option<PathBuf>,
    pub output_file: Option<PathBuf>,
    pub wait: bool,
    pub wait_timeout: Option<f64>,
    pub write_out: Option<String>,
    /// `-d`, `--data-raw`, `--data-binary`: (the option, its value), in order.
    pub data: Vec<(&'static str, String)>,
    pub user_agent: Option<String>,
    pub referer: Option<String>,
    /// `-4` or `-6`.
    pub ip_version: Option<u8>,
    pub noproxy: Option<String>,
    pub resolve: Vec<String>,
    pub request_method: Option<String>,
}

impl Globals {
    pub fn from_matches(m: &ArgMatches) -> Self {
        let s = |id: &str| m.get_one::<String>(id).cloned();
        // A curl option's value, without the extra quotes the old
        // client's `eval` removed.
        let c = |id: &str| m.get_one::<String>(id).map(|v| unquote(v).to_owned());
        let b = |id: &str| m.get_flag(id);
        Globals {
            help: b("help"),
            version: b("version"),
            about: b("about"),
            no_pager: b("no-pager"),
            // Set by `parse`, which sees how the flag was spelled.
            long_help: false,
            host: s("host"),
            api_version: s("api-version"),
            api_spec: m.get_one::<PathBuf>("api-spec").cloned(),
            dry_run: b("dry-run"),
            show_secrets: b("show-secrets"),
            force: b("force"),
            accept: s("accept").map(|v| expand_mime(&v)),
            content_type: s("content-type").map(|v| expand_mime(&v)),
            output: s("output"),
            names: b("names"),
            insecure: b("insecure"),
            user: c("user"),
            verbose: b("verbose"),
            silent: b("silent"),
            include: b("include"),
            cacert: m.get_one::<PathBuf>("cacert").cloned(),
            connect_timeout: m.get_one::<f64>("connect-timeout").copied(),
            max_time: m.get_one::<f64>("max-time").copied(),
            retry: m.get_one::<u32>("retry").copied().unwrap_or(0),
            retry_all: b("retry-all"),
            proxy: c("proxy"),
            headers: m
                .get_many::<String>("header")
                .into_iter()
                .flatten()
                .map(|v| unquote(v).to_owned())
                .collect(),
            upload_file: m.get_one::<PathBuf>("upload-file").cloned(),
            output_file: m.get_one::<PathBuf>("output-file").cloned(),
            wait: b("wait"),
            wait_timeout: m.get_one::<f64>("wait-timeout").copied(),
            write_out: c("write-out"),
            data: ["data", "data-raw", "data-binary"]
                .into_iter()
                .flat_map(|id| {
                    let values: Vec<(usize, String)> = m
                        .indices_of(id)
                        .into_iter()
                        .flatten()
                        .zip(m.get_many::<String>(id).into_iter().flatten())
                        .map(|(i, v)| (i, unquote(v).to_owned()))
                        .collect();
                    values.into_iter().map(move |(i, v)| (i, (id, v)))
                })
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_values()
                .collect(),
            user_agent: c("user-agent"),
            referer: c("referer"),
            ip_version: if b("ipv4") {
                Some(4)
            } else if b("ipv6") {
                Some(6)
            } else {
                None
            },
            noproxy: c("noproxy"),
            resolve: m
                .get_many::<String>("resolve")
                .into_iter()
                .flatten()
                .map(|v| unquote(v).to_owned())
                .collect(),
            request_method: c("request"),
        }
    }

    /// Whether warnings may go to stderr.
    pub fn warnings(&self) -> bool {
        !self.silent
    }
}

/// A value wrapped in one matching pair of single or double quotes, as
/// scripts wrote them for the old client's `eval` (`-w "'%{http_code}'"`),
/// without them. For curl options' values only, never request items.
pub fn unquote(v: &str) -> &str {
    for q in ['\'', '"'] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// What 0 seconds means to an option.
#[derive(Clone, Copy)]
enum Zero {
    /// No limit (`-m 0`, as curl's).
    NoLimit,
    /// Nothing sensible (`--wait-timeout 0`): refused.
    Refused,
}

/// A number of seconds that no run can take (NaN, infinite, negative, past
/// what a `Duration` holds): refused while the command line is parsed, so
/// `--dry-run` refuses what a real run would. Its message is the whole
/// error line ([`clap_message`] prints it as it is).
#[derive(Debug)]
struct BadSeconds(String);

impl std::fmt::Display for BadSeconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadSeconds {}

type ParseError = Box<dyn std::error::Error + Send + Sync>;

/// `clap`'s parser of a seconds option (after [`unquote`]): a finite number,
/// 0 or more (more than 0 where 0 is [`Zero::Refused`]), that a `Duration`
/// can hold. `option` names it in messages.
fn seconds(
    option: &'static str,
    zero: Zero,
) -> impl Fn(&str) -> Result<f64, ParseError> + Clone + Send + Sync + 'static {
    move |v: &str| {
        let text = unquote(v).trim();
        let n = text
            .parse::<f64>()
            .map_err(|_| format!("{v:?} is not a number of seconds"))?;
        // What to give instead: any number, and a finite one.
        let (wanted, finite) = match zero {
            Zero::NoLimit => (
                "a number of seconds (0 for no limit)",
                "a finite number of seconds (0 for no limit)",
            ),
            Zero::Refused => (
                "a positive number of seconds",
                "a finite, positive number of seconds",
            ),
        };
        let why = if !n.is_finite() {
            format!("{option} {text}: give {finite}")
        } else if n < 0.0 || (n == 0.0 && matches!(zero, Zero::Refused)) {
            format!("{option} {text}: give {wanted}")
        } else if std::time::Duration::try_from_secs_f64(n).is_err() {
            format!("{option} {text} is too long: give {wanted}")
        } else {
            return Ok(n);
        };
        Err(BadSeconds(why).into())
    }
}

/// `clap`'s parser of a curl option's file, after [`unquote`].
fn unquoted_path(v: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(unquote(v)))
}

/// The index of the first positional word (the operation or built-in),
/// skipping options and the values they take.
pub fn first_word(args: &[String]) -> Option<usize> {
    let opts = options();
    let takes_value = |a: &Arg| a.get_action().takes_values();
    let mut i = 0;
    while i < args.len() {
        let a = normalise_one(&args[i]);
        if a == "--" {
            return (i + 1 < args.len()).then_some(i + 1);
        }
        if let Some(long) = a.strip_prefix("--") {
            let needs = !long.contains('=')
                && opts
                    .iter()
                    .any(|o| o.get_long() == Some(long) && takes_value(o));
            i += if needs { 2 } else { 1 };
        } else if a.len() > 1 && a.starts_with('-') {
            // Bundled shorts: a value-taking one consumes the rest, or the next word.
            let shorts: Vec<char> = a[1..].chars().collect();
            let pos = shorts.iter().position(|c| {
                opts.iter()
                    .any(|o| o.get_short() == Some(*c) && takes_value(o))
            });
            i += match pos {
                Some(p) if p == shorts.len() - 1 => 2,
                _ => 1,
            };
        } else {
            return Some(i);
        }
    }
    None
}

fn normalise_one(a: &str) -> &str {
    OLD_SPELLINGS
        .iter()
        .find(|(old, _)| *old == a)
        .map_or(a, |(_, new)| new)
}

/// The command line, parsed.
#[derive(Debug)]
pub struct Invocation {
    pub globals: Globals,
    /// The operation (or built-in command) and the words after it.
    pub words: Vec<String>,
}

/// Rewrites the old client's spellings (`-ac`, `-ct`, `-nc`) into clap's.
pub fn normalise(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .map(|a| normalise_one(&a).to_owned())
        .collect()
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<String>) -> Result<Invocation, String> {
    let long_help = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--help");
    let argv =
        std::iter::once(crate::personality::current().command.to_owned()).chain(normalise(args));
    let matches = command()
        .try_get_matches_from(argv)
        .map_err(|e| clap_message(&e))?;
    let words = operation_first(
        matches
            .get_many::<String>("words")
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
    );
    let mut globals = Globals::from_matches(&matches);
    globals.long_help = long_help;
    Ok(Invocation { globals, words })
}

/// The words with the operation first. The old client took items before
/// the operation too (`sid=s1 getSpaceViews limit=20`, as the official
/// examples write some): the operation is the first word that is no item,
/// since an operation's name holds no separator and is not `-`.
fn operation_first(mut words: Vec<String>) -> Vec<String> {
    let is_item = |w: &String| w == "-" || crate::items::split(w).is_some();
    if let Some(i) = words.iter().position(|w| !is_item(w)) {
        let op = words.remove(i);
        words.insert(0, op);
    }
    words
}

/// clap's error, reworded where an old script meets an option we do not take.
fn clap_message(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    match e.kind() {
        ErrorKind::UnknownArgument => {
            let curl: Vec<String> = options()
                .iter()
                .filter(|a| Group::of(a) == Some(Group::Curl))
                .map(spelling)
                .collect();
            format!(
                "unknown option {arg}. Of curl's options these are understood: {}. \
                 See `{} --help` for the others.",
                curl.join(", "),
                crate::personality::current().command
            )
        }
        ErrorKind::InvalidValue if arg.contains("--output") => {
            let value = match e.get(ContextKind::InvalidValue) {
                Some(ContextValue::String(s)) => s.clone(),
                _ => String::new(),
            };
            let mut lines = vec![format!(
                "-o/--output {value:?}: not an output format; these are:"
            )];
            lines.extend(
                OUTPUT_FORMATS
                    .iter()
                    .map(|(f, what)| format!("{f:<7} {what}")),
            );
            lines.join("\n")
        }
        ErrorKind::ValueValidation => {
            match std::error::Error::source(e).and_then(|s| s.downcast_ref::<BadSeconds>()) {
                Some(bad) => bad.0.clone(),
                None => first_line(e),
            }
        }
        _ => first_line(e),
    }
}

/// clap's message, its first line without `error: `.
fn first_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    first.trim_start_matches("error: ").to_owned()
}

/// The first word of `args` that reads as a long option of ours that does
/// not exist (`--name` in `createGroup --name x`): its index, its name and
/// its value (after `=`, or the next word where that is not an option),
/// with how many words it spans.
pub fn unknown_long_option(args: &[String]) -> Option<(usize, String, Option<String>, usize)> {
    let opts = options();
    let mut i = 0;
    while i < args.len() {
        let a = normalise_one(&args[i]);
        if a == "--" {
            return None;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            match opts.iter().find(|o| o.get_long() == Some(name)) {
                Some(o) => {
                    let takes = o.get_action().takes_values() && inline.is_none();
                    i += if takes { 2 } else { 1 };
                    continue;
                }
                None if !name.is_empty() => {
                    if inline.is_some() {
                        return Some((i, name.to_owned(), inline, 1));
                    }
                    let next = args.get(i + 1).filter(|w| !w.starts_with('-'));
                    return Some((
                        i,
                        name.to_owned(),
                        next.cloned(),
                        1 + usize::from(next.is_some()),
                    ));
                }
                None => return None,
            }
        }
        i += 1;
    }
    None
}

/// `-m/--max-time` as shown in messages.
pub fn spelling(a: &Arg) -> String {
    let long = a.get_long().map(|l| format!("--{l}"));
    match (a.get_short(), long) {
        (Some(s), Some(l)) => format!("-{s}/{l}"),
        (Some(s), None) => format!("-{s}"),
        (None, Some(l)) => l,
        (None, None) => a.get_id().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Invocation, String> {
        parse(args.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn one_pair_of_quotes_goes_from_curl_values_only() {
        assert_eq!(unquote("'%{http_code}'"), "%{http_code}");
        assert_eq!(unquote("\"a b\""), "a b");
        // Not a matching pair, or not around the whole: kept.
        for kept in ["'a\"", "'a", "a'", "\"", "'", "a'b'", "''x"] {
            assert_eq!(unquote(kept), kept);
        }
        // Only one pair.
        assert_eq!(unquote("''a''"), "'a'");
        assert_eq!(unquote("''"), "");
        let g = p(&[
            "-w",
            "'%{http_code}'",
            "-H",
            "\"X: y\"",
            "-u",
            "'a:b'",
            "op",
            "name=='v'",
        ])
        .unwrap();
        assert_eq!(g.globals.write_out.as_deref(), Some("%{http_code}"));
        assert_eq!(g.globals.headers, ["X: y"]);
        assert_eq!(g.globals.user.as_deref(), Some("a:b"));
        // A request item keeps its quotes.
        assert_eq!(g.words, ["op", "name=='v'"]);
    }

    #[test]
    fn seconds_no_run_can_take_are_refused_while_parsing() {
        for (args, expect) in [
            (
                &["-m", "inf"][..],
                "-m/--max-time inf: give a finite number of seconds (0 for no limit)",
            ),
            (
                &["-m", "nan"],
                "-m/--max-time nan: give a finite number of seconds (0 for no limit)",
            ),
            (
                &["-m", "1e400"],
                "-m/--max-time 1e400: give a finite number of seconds (0 for no limit)",
            ),
            (
                &["-m", "'-1'"],
                "-m/--max-time -1: give a number of seconds (0 for no limit)",
            ),
            (
                &["-m", "1e300"],
                "-m/--max-time 1e300 is too long: give a number of seconds (0 for no limit)",
            ),
            (
                &["--connect-timeout=-inf"],
                "--connect-timeout -inf: give a finite number of seconds (0 for no limit)",
            ),
            (
                &["--wait-timeout", "0"],
                "--wait-timeout 0: give a positive number of seconds",
            ),
            (
                &["--wait-timeout", "NaN"],
                "--wait-timeout NaN: give a finite, positive number of seconds",
            ),
        ] {
            let argv: Vec<&str> = args.iter().copied().chain(["getSpace"]).collect();
            assert_eq!(p(&argv).unwrap_err(), expect, "{args:?}");
        }
        let g = p(&[
            "-m",
            "0",
            "--connect-timeout",
            "2.5",
            "--wait-timeout",
            "1e6",
            "getSpace",
        ])
        .unwrap()
        .globals;
        assert_eq!(
            (g.max_time, g.connect_timeout, g.wait_timeout),
            (Some(0.0), Some(2.5), Some(1e6))
        );
    }

    #[test]
    fn repeated_flags_and_last_values_as_in_curl() {
        let g = p(&[
            "-vvv",
            "-k",
            "-k",
            "--dry-run",
            "op",
            "--dry-run",
            "-m",
            "5",
            "-m",
            "'7'",
        ])
        .unwrap()
        .globals;
        assert!(g.verbose && g.insecure && g.dry_run);
        assert_eq!(g.max_time, Some(7.0));
        let g = p(&["-sSki", "op"]).unwrap().globals;
        assert!(g.silent && g.insecure && g.include);
        // -d keeps every value, in order, to refuse a second body.
        let g = p(&["-d", "a", "op", "--data-raw", "b"]).unwrap().globals;
        assert_eq!(
            g.data,
            [("data", "a".to_owned()), ("data-raw", "b".to_owned())]
        );
        assert!(p(&["-4", "-6", "op"]).is_err());
    }

    #[test]
    fn options_may_follow_the_operation() {
        let inv = p(&[
            "-k",
            "createSpace",
            "name==x",
            "--dry-run",
            "-ac",
            "json",
            "-",
        ])
        .unwrap();
        assert!(inv.globals.dry_run && inv.globals.insecure);
        assert_eq!(inv.globals.accept.as_deref(), Some("application/json"));
        assert_eq!(inv.words, ["createSpace", "name==x", "-"]);
    }

    #[test]
    fn items_may_come_before_the_operation() {
        let inv = p(&["sid=s1", "-", "getSpaceViews", "limit=20", "-k"]).unwrap();
        assert_eq!(inv.words, ["getSpaceViews", "sid=s1", "-", "limit=20"]);
        assert!(inv.globals.insecure);
        // Without an operation the words stay as they are.
        assert_eq!(p(&["sid=s1", "-"]).unwrap().words, ["sid=s1", "-"]);
    }

    #[test]
    fn old_spellings_and_curl_options() {
        let inv = p(&[
            "-ct",
            "xml",
            "-m",
            "5",
            "--connect-timeout",
            "2",
            "-H",
            "X-A: b",
            "-sS",
            "op",
        ])
        .unwrap();
        assert_eq!(inv.globals.content_type.as_deref(), Some("application/xml"));
        assert_eq!(inv.globals.max_time, Some(5.0));
        assert_eq!(inv.globals.connect_timeout, Some(2.0));
        assert_eq!(inv.globals.headers, ["X-A: b"]);
        assert!(inv.globals.silent);
    }

    #[test]
    fn the_first_word_skips_options_and_their_values() {
        let w = |a: &[&str]| first_word(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            w(&["--host", "h", "-ac", "json", "-km", "5", "login", "--x"]),
            Some(6)
        );
        assert_eq!(w(&["-k", "--host=h", "-ojson", "getSpace"]), Some(3));
        assert_eq!(w(&["-k", "--dry-run"]), None);
    }

    #[test]
    fn every_option_is_in_a_group() {
        let options = options();
        for a in &options {
            assert!(Group::of(a).is_some(), "{}", a.get_id());
        }
        let header = options.iter().find(|a| a.get_id() == "header").unwrap();
        assert_eq!(Group::of(header), Some(Group::Curl));
    }

    #[test]
    fn unknown_options_list_what_is_supported() {
        let err = p(&["--cookie", "op"]).unwrap_err();
        assert!(err.contains("unknown option --cookie"), "{err}");
        assert!(
            err.contains("-k/--insecure") && err.contains("--cacert"),
            "{err}"
        );
    }
}
