//! The request model: from an operation and its items to the exact HTTP
//! request. Pure (the only input it reads is what it is given), so the curl
//! renderer, the sender and the tests all share it.

use crate::auth::Credential;
use crate::items::{self, Item, Seg, Sep};
use onedata_catalogue::validate;
use onedata_catalogue::{Catalogue, Operation, Param, ParamIn, Schema};
use percent_encoding::utf8_percent_encode;
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;

pub use onedata_catalogue::path_encoding::PATH_SEGMENT;

/// The path parameter whose `/` stay path separators (getSharedData's
/// `/shares/data/{file_id}/{subpath}`).
const SUBPATH_PARAM: &str = "subpath";

/// `onezone-rest-cli/0.1.0`: the command and its version.
pub fn user_agent() -> String {
    format!(
        "{}/{}",
        crate::personality::current().command,
        env!("CARGO_PKG_VERSION")
    )
}

#[derive(Debug, Clone)]
pub struct Request {
    pub operation: &'static Operation,
    pub method: &'static str,
    pub url: String,
    /// The base URL `url` starts with (see [`base_url`]).
    pub base_url: String,
    /// Headers other than the credential, in the order they are sent.
    pub headers: Vec<(String, String)>,
    pub credential: Option<Credential>,
    pub body: Option<Vec<u8>>,
    /// A binary body that is streamed, never held whole (then `body` is
    /// `None`).
    pub upload: Option<Upload>,
    /// What was taken otherwise than it was written (`id==x` for the
    /// parameter `id=x`), one line each, without the `note: ` that the
    /// caller prints before it (unless `-s`).
    pub notes: Vec<String>,
    /// The per-user operation that does what this admin-only one does,
    /// for the current user (see [`per_user_equivalent`]), for a 403.
    pub per_user: Option<&'static str>,
}

/// Where a streamed body comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// Standard input (`-`): read once, so it cannot follow a redirect or
    /// be retried.
    Stdin,
    /// `-T FILE`: a regular file's length is sent as Content-Length, and it
    /// is read again for a redirect or a retry; a FIFO or a device (`-T
    /// <(gzip -c f)`) has no length and goes out once, as stdin does.
    File { path: PathBuf, length: Option<u64> },
}

impl Request {
    /// Whether the call moves a file: a streamed upload, or an answer of
    /// bytes (such as downloadFileContent's).
    pub fn is_transfer(&self) -> bool {
        self.upload.is_some()
            || self
                .operation
                .produces
                .contains(&"application/octet-stream")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the request is built from, apart from the operation and its items.
#[derive(Debug, Clone)]
pub struct Options {
    /// `https://zone.example.com/api/v3/onezone` (see [`base_url`]).
    pub base_url: String,
    /// The release whose schemas the body is checked against.
    pub catalogue: Catalogue,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    /// `-H` values, `Name: value`.
    pub extra_headers: Vec<String>,
    /// Let schema mismatches through (not malformed syntax).
    pub force: bool,
    /// `-T FILE`: the body is FILE, as `- < FILE` would give it.
    pub upload_file: Option<PathBuf>,
    /// curl's `-d`/`--data-raw`/`--data-binary`: the body, as `-` would
    /// give it (read by the caller: files and stdin once).
    pub data: Option<Vec<u8>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            base_url: String::new(),
            catalogue: Catalogue::newest(crate::release::service()),
            accept: None,
            content_type: None,
            extra_headers: Vec::new(),
            force: false,
            upload_file: None,
            data: None,
        }
    }
}

impl Options {
    /// The options of a command line, for a request to `base_url` with the
    /// release `catalogue`.
    pub fn new(base_url: String, catalogue: Catalogue, g: &crate::cli::Globals) -> Options {
        Options {
            base_url,
            catalogue,
            accept: g.accept.clone(),
            content_type: g.content_type.clone(),
            extra_headers: g
                .headers
                .iter()
                .cloned()
                // curl's -A and -e are headers.
                .chain(g.user_agent.iter().map(|v| format!("User-Agent: {v}")))
                .chain(g.referer.iter().map(|v| format!("Referer: {v}")))
                .collect(),
            force: g.force,
            upload_file: g.upload_file.clone(),
            data: None,
        }
    }
}

/// A problem with the command line: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub Vec<String>);

impl UsageError {
    fn one(msg: impl Into<String>) -> Self {
        UsageError(vec![msg.into()])
    }
}

/// Whether a URL (with its scheme) names a port, even the scheme's own
/// (`https://h:443`, which `url` forgets).
fn names_port(with_scheme: &str) -> bool {
    let rest = with_scheme
        .split_once("://")
        .map_or(with_scheme, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_ipv6 = host_port.rsplit_once(']').map_or(host_port, |(_, p)| p);
    after_ipv6.contains(':')
}

/// Normalises `--host`/`ONEZONE_HOST`: a missing scheme means https, a
/// missing port the service's default port (Onepanel's 9443; none for the
/// others), and the API base path is added unless it is already there.
pub fn base_url(host: &str) -> Result<String, String> {
    let host = host.trim();
    let p = crate::personality::current();
    if host.is_empty() {
        return Err(format!("the {} host is empty", p.title()));
    }
    // Messages never show the userinfo, whatever else is wrong.
    let shown = crate::auth::shown_url(host);
    let with_scheme = if host.contains("://") {
        host.to_owned()
    } else {
        format!("https://{host}")
    };
    let mut url = url::Url::parse(&with_scheme)
        .map_err(|e| format!("{shown:?} is not a valid host URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{shown:?}: only http:// and https:// hosts are supported"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} has no host name"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{shown:?}: a host URL has no query or fragment"));
    }
    // Any `@` is refused with it: `https:/u:pw@h` parses as a path.
    if !url.username().is_empty() || url.password().is_some() || host.contains('@') {
        return Err(format!(
            "the host URL carries a user name or password: drop it from the URL and use \
                 `login`, {} or -u instead",
            p.api_key_var
        ));
    }
    let mut text = url.as_str().trim_end_matches('/').to_owned();
    if p.default_port.is_some() {
        if !names_port(&with_scheme) {
            let port = p.default_port.unwrap_or_default();
            url.set_port(Some(port))
                .map_err(|()| format!("{shown:?}: cannot add the port {port}"))?;
            text = url.as_str().trim_end_matches('/').to_owned();
        } else if url.port().is_none() {
            // `https://h:443` names the scheme's port, which `url` drops;
            // keep it written, or the next normalisation (of the stored
            // default host) would add the service's port instead.
            let host = url.host_str().unwrap_or_default();
            let port = url.port_or_known_default().unwrap_or_default();
            text = format!("{}://{host}:{port}{}", url.scheme(), url.path())
                .trim_end_matches('/')
                .to_owned();
        }
    }
    let text = text.as_str();
    let base = crate::release::service().base_path.trim_end_matches('/');
    if url.path().trim_end_matches('/').ends_with(base) {
        Ok(text.to_owned())
    } else {
        Ok(format!("{text}{base}"))
    }
}

/// Builds the request. `stdin` is called only when a `-` item is given.
pub fn build(
    op: &'static Operation,
    args: &[String],
    opts: &Options,
    stdin: impl FnOnce() -> std::io::Result<Vec<u8>>,
) -> Result<Request, UsageError> {
    build_with(op, args, opts, stdin, &|file| std::fs::read_to_string(file))
}

/// [`build`], with the files of `@file` values read by `read_file` (the
/// fuzz target's does no I/O).
pub fn build_with(
    op: &'static Operation,
    args: &[String],
    opts: &Options,
    stdin: impl FnOnce() -> std::io::Result<Vec<u8>>,
    read_file: items::ReadFile,
) -> Result<Request, UsageError> {
    let mut params: Vec<(&'static Param, String)> = Vec::new();
    let mut fields: Vec<(String, Vec<Seg>, Value)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut stdin_item = false;
    let mut notes: Vec<String> = Vec::new();
    let all_params = op.all_params();
    // Header items and -H: each name (case-insensitive) once, and only what
    // an HTTP header can carry. `what` names the item in messages. The
    // names seen so far, lower-cased, in a set: 100,000 items stay linear.
    let mut header_names: HashSet<String> = HashSet::new();
    let mut add_header = |what: String, name: String, value: String| {
        items::check_header(&name, &value).map_err(|e| UsageError::one(format!("{what}: {e}")))?;
        if !header_names.insert(name.to_ascii_lowercase()) {
            return Err(UsageError::one(format!(
                "{what}: the header {name} is given twice; give it once"
            )));
        }
        headers.push((name, value));
        Ok(())
    };

    for arg in args {
        let item = match param_as_field(op, &all_params, arg) {
            Some((item, note)) => {
                notes.push(note);
                item
            }
            None => items::parse_with(arg, read_file).map_err(|e| UsageError::one(e.0))?,
        };
        // From here on the item is named as it may be shown: the value of
        // a credential header never is, whatever else is wrong with it.
        let shown = items::shown(arg);
        let arg: &str = &shown;
        match item {
            Item::Param { name, value } => {
                let Some(param) = all_params.iter().find(|p| p.name == name) else {
                    return Err(UsageError::one(unknown_param(
                        opts.catalogue,
                        op,
                        arg,
                        &name,
                    )));
                };
                // A query parameter that is a list (`providers[]=a
                // providers[]=b`) repeats; any other is given once.
                let list = param.location == ParamIn::Query
                    && matches!(opts.catalogue.resolve(&param.schema), Schema::Array { .. });
                if !list && params.iter().any(|(p, _)| p.name == name) {
                    return Err(UsageError::one(format!(
                        "item {arg:?}: the parameter {name} is given twice; give it once"
                    )));
                }
                if !opts.force {
                    check_param_value(opts.catalogue, param, &value)
                        .map_err(|e| UsageError::one(format!("item {arg:?}: {e}")))?;
                }
                params.push((param, value));
            }
            Item::Body { path, value } => fields.push((arg.to_owned(), path, value)),
            Item::Header { name, value } => {
                if !opts.force {
                    if let Some(hint) = mistyped_header(opts.catalogue, op, &all_params, arg, &name)
                    {
                        return Err(UsageError::one(hint));
                    }
                }
                add_header(format!("item {arg:?}"), name, value)?;
            }
            Item::Stdin => {
                if stdin_item {
                    return Err(UsageError::one("- (body from stdin) is given twice"));
                }
                if opts.upload_file.is_some() {
                    return Err(UsageError::one(
                        "- (body from stdin) and -T (body from a file) are both given; give one",
                    ));
                }
                stdin_item = true;
            }
        }
    }
    for h in &opts.extra_headers {
        let what = format!("-H {:?}", items::shown(h));
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| UsageError::one(format!("{what}: a header is 'Name: value'")))?;
        let name = name.trim();
        items::check_stray_quote(name, value.trim())
            .map_err(|e| UsageError::one(format!("{what}: {e}")))?;
        add_header(what, name.to_owned(), value.trim().to_owned())?;
    }

    let (template, template_params) = choose_path(op, &params)?;
    let url = format!(
        "{}{}",
        opts.base_url,
        render_path(template, template_params, &params)?
    ) + &query_string(&params);

    // --accept and --content-type become headers too.
    for (option, name, value) in [
        ("--accept", "Accept", &opts.accept),
        ("--content-type", "Content-Type", &opts.content_type),
    ] {
        if let Some(v) = value {
            items::check_header(name, v)
                .map_err(|e| UsageError::one(format!("{option} {v:?}: {e}")))?;
        }
    }
    let content_type = opts
        .content_type
        .clone()
        .or_else(|| op.consumes.first().map(|c| (*c).to_owned()))
        .unwrap_or_else(|| "application/json".into());
    if opts.data.is_some() && (stdin_item || opts.upload_file.is_some()) {
        return Err(UsageError::one(
            "-d (the body) and - or -T (the body from stdin or a file) are both given; give one",
        ));
    }
    let from_input = stdin_item || opts.upload_file.is_some() || opts.data.is_some();
    let streamed_input = opts.data.is_none() && from_input;
    let (body, upload) = if op.body.is_some() && streamed_input && is_streamed(&content_type) {
        if let Some((arg, ..)) = fields.first() {
            return Err(UsageError::one(format!(
                "item {arg:?}: {} takes a {content_type} body, which has no fields",
                op.name
            )));
        }
        (None, Some(upload(opts)?))
    } else {
        let input = || match (&opts.data, &opts.upload_file) {
            (Some(data), _) => Ok(data.clone()),
            (None, Some(path)) if path.as_os_str() != "-" => read_upload_file(path),
            _ => stdin(),
        };
        (
            build_body(op, &fields, from_input, input, &content_type, opts)?,
            None,
        )
    };
    let mut out_headers: Vec<(String, String)> = vec![("User-Agent".into(), user_agent())];
    let accept = opts
        .accept
        .clone()
        .or_else(|| op.produces.first().map(|p| (*p).to_owned()));
    if let Some(a) = accept {
        out_headers.push(("Accept".into(), a));
    }
    if body.is_some() || upload.is_some() {
        out_headers.push(("Content-Type".into(), content_type));
    } else if opts.content_type.is_some() {
        return Err(UsageError::one(format!(
            "--content-type is given, but {} sends no body",
            op.name
        )));
    }
    // The items' headers replace the defaults of the same name (each item
    // name is unique already, so only the defaults need looking up).
    let defaults = out_headers.len();
    for (name, value) in headers {
        match out_headers[..defaults]
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(slot) => slot.1 = value,
            None => out_headers.push((name, value)),
        }
    }
    Ok(Request {
        operation: op,
        method: op.method,
        url,
        base_url: opts.base_url.clone(),
        headers: out_headers,
        credential: None,
        body,
        upload,
        notes,
        per_user: per_user_equivalent(opts.catalogue, op),
    })
}

/// For an operation that only admin privileges (`oz_*`) allow, the
/// operation of the release with the same method and the same path under
/// `/user` (createSpace, POST /spaces: createUserSpace, POST /user/spaces).
pub fn per_user_equivalent(cat: Catalogue, op: &'static Operation) -> Option<&'static str> {
    if op.privileges.is_empty()
        || !op.privileges.iter().all(|p| p.starts_with("oz_"))
        || op.path.starts_with("/user/")
    {
        return None;
    }
    let path = format!("/user{}", op.path);
    cat.operations()
        .find(|o| o.method == op.method && o.path == path)
        .map(|o| o.name)
}

/// `id==x` or `id:=x` for a path parameter of an operation that takes no
/// body (as official examples write it): the parameter `id=x`, and the
/// note that says so. `None` for any other item, or an operation with a
/// body (where the item stays a body field, and an error that shows `=`).
fn param_as_field(
    op: &'static Operation,
    params: &[&'static Param],
    arg: &str,
) -> Option<(Item, String)> {
    if op.body.is_some() {
        return None;
    }
    let (key, Sep::BodyString | Sep::BodyJson, value) = items::split(arg)? else {
        return None;
    };
    let name = items::unescape(key);
    params
        .iter()
        .find(|p| p.name == name && p.location == ParamIn::Path)?;
    let note = format!("{arg} is taken as the parameter {name}={value}; write {name}={value}");
    Some((
        Item::Param {
            name,
            value: value.to_owned(),
        },
        note,
    ))
}

/// A header item named like a parameter or a body field of the operation
/// (`name:newname` for `name==newname`): the message that says so, or
/// `None` for a header that names neither.
fn mistyped_header(
    cat: Catalogue,
    op: &'static Operation,
    params: &[&'static Param],
    arg: &str,
    name: &str,
) -> Option<String> {
    let value = items::split(arg).map_or("", |(_, _, v)| v);
    let force = " (--force sends it as a header)";
    if params.iter().any(|p| p.name == name) {
        return Some(format!(
            "item {arg:?}: {name} is a parameter of {}, not a header: did you mean {name}={value}?{force}",
            op.name
        ));
    }
    let is_field = cat
        .body_object(op)
        .is_some_and(|o| cat.fields_with_variants(o).iter().any(|f| f.name == name));
    is_field.then(|| {
        format!(
            "item {arg:?}: {name} is a body field of {}, not a header: did you mean \
             {name}=={value} (text) or {name}:={value} (JSON)?{force}",
            op.name
        )
    })
}

fn unknown_param(cat: Catalogue, op: &'static Operation, arg: &str, name: &str) -> String {
    let names: Vec<&str> = op.all_params().iter().map(|p| p.name).collect();
    let fields: Vec<&str> = cat
        .body_object(op)
        .map(|o| o.fields.iter().map(|f| f.name).collect())
        .unwrap_or_default();
    let mut msg = format!("item {arg:?}: {} has no parameter {name}", op.name);
    if names.is_empty() {
        msg.push_str(" (it takes no parameters)");
    } else {
        msg.push_str(&format!(" (parameters: {})", names.join(", ")));
    }
    if fields.contains(&name) {
        msg.push_str(&format!(
            "; {name} is a body field: write {name}==… or {name}:=…"
        ));
    }
    msg
}

/// The path template to use: the main one, or the variant whose parameters
/// were given (`updateGroupHandleServicePrivileges uid=…`).
fn choose_path(
    op: &'static Operation,
    given: &[(&'static Param, String)],
) -> Result<(&'static str, &'static [Param]), UsageError> {
    let has = |name: &str| given.iter().any(|(p, _)| p.name == name);
    let candidates = std::iter::once((op.path, op.params))
        .chain(op.path_variants.iter().map(|v| (v.path, v.params)));
    // The path that takes every given parameter and most of its own path
    // parameters are given; on a tie, the main path.
    let mut chosen: Option<(usize, (&'static str, &'static [Param]))> = None;
    for (path, params) in candidates {
        if !given
            .iter()
            .all(|(g, _)| params.iter().any(|p| p.name == g.name))
        {
            continue;
        }
        let score = params
            .iter()
            .filter(|p| p.location == ParamIn::Path && has(p.name))
            .count();
        if chosen.is_none_or(|(best, _)| score > best) {
            chosen = Some((score, (path, params)));
        }
    }
    let chosen = chosen.map(|(_, c)| c);
    chosen.ok_or_else(|| {
        let given: Vec<&str> = given.iter().map(|(p, _)| p.name).collect();
        UsageError::one(format!(
            "{}: the parameters {} do not belong to one path",
            op.name,
            given.join(", ")
        ))
    })
}

fn render_path(
    template: &str,
    params: &'static [Param],
    given: &[(&'static Param, String)],
) -> Result<String, UsageError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    let mut missing = Vec::new();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let name = &rest[start + 1..end];
        match given.iter().find(|(p, _)| p.name == name) {
            // `.` and `..` (also as %2E) are resolved away by every URL
            // parser, curl's included: `id=..` would reach another path.
            Some((_, v))
                if is_dot_segment(v)
                    || (name == SUBPATH_PARAM && v.split('/').any(is_dot_segment)) =>
            {
                missing.push(format!(
                    "the path parameter {name} cannot be {v:?}: the segments . and .. \
                     are resolved away and would send the request to another path"
                ));
            }
            Some((_, v)) if !v.is_empty() => {
                if name == SUBPATH_PARAM {
                    let segs: Vec<String> = v
                        .split('/')
                        .map(|s| utf8_percent_encode(s, PATH_SEGMENT).to_string())
                        .collect();
                    out.push_str(&segs.join("/"));
                } else {
                    out.extend(utf8_percent_encode(v, PATH_SEGMENT));
                }
            }
            Some(_) => missing.push(format!(
                "the path parameter {name} is empty: give {name}=<value>"
            )),
            None => missing.push(format!(
                "missing the path parameter {name}: give {name}=<value>"
            )),
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    for p in params
        .iter()
        .filter(|p| p.location == ParamIn::Query && p.required)
    {
        if !given.iter().any(|(g, _)| g.name == p.name) {
            missing.push(format!(
                "missing the query parameter {}: give {}=<value>",
                p.name, p.name
            ));
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(UsageError(missing))
    }
}

/// `.` or `..`: a path segment that URL parsers remove.
fn is_dot_segment(s: &str) -> bool {
    s == "." || s == ".."
}

fn query_string(given: &[(&'static Param, String)]) -> String {
    let pairs: Vec<String> = given
        .iter()
        .filter(|(p, _)| p.location == ParamIn::Query)
        .map(|(p, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(p.name, PATH_SEGMENT),
                utf8_percent_encode(v, PATH_SEGMENT)
            )
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Whether a body of this content type is sent as bytes, streamed (a
/// file's content, a view function, RDF), rather than built from items.
fn is_streamed(content_type: &str) -> bool {
    !crate::output::is_json_type(content_type) && !is_yaml_type(content_type)
}

/// `application/x-yaml`, `application/yaml`, `text/yaml`.
fn is_yaml_type(content_type: &str) -> bool {
    let essence = crate::output::essence(content_type);
    essence.ends_with("/yaml") || essence.ends_with("/x-yaml")
}

/// The streamed body: stdin, or `-T FILE` (checked now, so that a missing
/// or unreadable file is a usage error before anything is sent).
fn upload(opts: &Options) -> Result<Upload, UsageError> {
    let Some(path) = &opts.upload_file else {
        return Ok(Upload::Stdin);
    };
    // curl's `-T -` is stdin.
    if path.as_os_str() == "-" {
        return Ok(Upload::Stdin);
    }
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| UsageError::one(format!("-T {shown}: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(UsageError::one(format!(
            "-T {shown}: is a directory; give a file"
        )));
    }
    std::fs::File::open(path)
        .map_err(|e| UsageError::one(format!("-T {shown}: {}", io_reason(&e))))?;
    Ok(Upload::File {
        path: path.clone(),
        length: meta.is_file().then_some(meta.len()),
    })
}

/// What went wrong with a local file, for people.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// `-T FILE` for a body built from its text (JSON or YAML), at most
/// [`TEXT_BODY_LIMIT`] bytes.
fn read_upload_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(TEXT_BODY_LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > TEXT_BODY_LIMIT {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB, too large for a JSON or YAML body",
            TEXT_BODY_LIMIT >> 20
        )));
    }
    Ok(bytes)
}

/// The largest JSON or YAML body read whole (a binary body is streamed).
pub const TEXT_BODY_LIMIT: u64 = 64 << 20;

/// The value of a path or query parameter, by its type.
fn check_param_value(cat: Catalogue, p: &'static Param, value: &str) -> Result<(), String> {
    let name = p.name;
    let schema = match cat.resolve(&p.schema) {
        Schema::Array { items, .. } => cat.resolve(items),
        other => other,
    };
    match schema {
        Schema::Integer if value.trim().parse::<i64>().is_err() => {
            Err(format!("{name} is an integer; {value:?} is not one"))
        }
        Schema::Number if value.trim().parse::<f64>().is_err() => {
            Err(format!("{name} is a number; {value:?} is not one"))
        }
        Schema::Boolean if value != "true" && value != "false" => {
            Err(format!("{name} is true or false; {value:?} is neither"))
        }
        Schema::String { enum_values }
            if !enum_values.is_empty() && !enum_values.contains(&value) =>
        {
            Err(format!(
                "{name} is one of {}; {value:?} is not",
                enum_values.join(", ")
            ))
        }
        _ => Ok(()),
    }
}

fn build_body(
    op: &'static Operation,
    fields: &[(String, Vec<Seg>, Value)],
    stdin_item: bool,
    stdin: impl FnOnce() -> std::io::Result<Vec<u8>>,
    content_type: &str,
    opts: &Options,
) -> Result<Option<Vec<u8>>, UsageError> {
    let Some(spec) = &op.body else {
        if let Some((arg, ..)) = fields.first() {
            return Err(UsageError::one(format!(
                "item {arg:?}: {} takes no body",
                op.name
            )));
        }
        if stdin_item {
            return Err(UsageError::one(format!(
                "- (body from stdin) or -T: {} takes no body",
                op.name
            )));
        }
        return Ok(None);
    };
    let yaml = is_yaml_type(content_type);
    if is_streamed(content_type) {
        // Reached with input only for -d (stdin and -T stream instead).
        if stdin_item {
            let bytes = stdin()
                .map_err(|e| UsageError::one(format!("cannot read {}: {e}", body_source(opts))))?;
            return Ok(Some(bytes));
        }
        // A body of bytes has no fields.
        if let Some((arg, ..)) = fields.first() {
            return Err(UsageError::one(format!(
                "item {arg:?}: {} takes a {content_type} body, which has no fields",
                op.name
            )));
        }
        if spec.required {
            return Err(UsageError::one(format!(
                "{} needs a {content_type} body: give -T FILE, or - with the body on stdin",
                op.name
            )));
        }
        return Ok(None);
    }
    let accepts_yaml = op.consumes.iter().any(|c| is_yaml_type(c));
    let mut base = Value::Null;
    if stdin_item {
        let bytes = stdin()
            .map_err(|e| UsageError::one(format!("cannot read {}: {e}", body_source(opts))))?;
        if fields.is_empty() && !yaml && bytes.len() >= STREAM_CHECK_FROM {
            if let Some(checked) = check_large_body(op, &spec.schema, bytes.as_slice(), opts) {
                return checked.map(|()| Some(bytes));
            }
        }
        // An empty stdin gives no body of its own: the items make it (a
        // script's `-` with nothing piped).
        let empty = bytes.iter().all(u8::is_ascii_whitespace);
        let parsed = match serde_json::from_slice(&bytes) {
            _ if empty && !fields.is_empty() => Ok(Value::Null),
            Ok(v) => Ok(v),
            Err(_) if accepts_yaml || yaml => parse_yaml(&bytes, &body_source(opts)),
            Err(e) => Err(UsageError::one(format!(
                "{} is not valid JSON (line {} column {}): {e}",
                body_source(opts),
                e.line(),
                e.column()
            ))),
        };
        // --force sends what it cannot read as it is.
        if opts.force && fields.is_empty() && parsed.is_err() {
            return Ok(Some(bytes));
        }
        base = parsed?;
    }
    // Items override the fields of the body from stdin; `placed` keeps
    // where each item went (`[]` as its index), to blame it for a problem.
    let mut body = items::Body::new(base);
    let mut placed: Vec<(&str, Vec<Seg>, &Value)> = Vec::with_capacity(fields.len());
    for (arg, path, value) in fields {
        let at = body
            .insert(path, value.clone())
            .map_err(|e| UsageError::one(format!("item {arg:?}: {e}")))?;
        placed.push((arg, at, value));
    }
    let mut root = body.into_value();
    if root.is_null() && !stdin_item {
        if !spec.required {
            return Ok(None);
        }
        root = Value::Object(serde_json::Map::new());
    }
    if !opts.force {
        type_literals(opts.catalogue, &spec.schema, &mut root, &placed);
        let problems = validate::validate(opts.catalogue, &root, &spec.schema);
        if !problems.is_empty() {
            return Err(UsageError(
                problems.iter().map(|p| explain(op, p, &placed)).collect(),
            ));
        }
    }
    let text = if yaml {
        serde_norway::to_string(&root)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    } else {
        serde_json::to_vec(&root).map_err(|e| e.to_string())
    }
    .map_err(|e| UsageError::one(format!("cannot encode the body: {e}")))?;
    Ok(Some(text))
}

/// A JSON body from stdin this large, with no items to merge into it, is
/// checked as it is read ([`validate_stream`]) and sent as given: building
/// it whole would take 30 to 100 times its size in memory.
pub const STREAM_CHECK_FROM: usize = 1 << 20;

/// The check of a large JSON body from stdin: `None` when it is not JSON
/// and the operation takes YAML (the caller reads it as YAML).
fn check_large_body(
    op: &'static Operation,
    schema: &'static crate::catalogue::Schema,
    bytes: &[u8],
    opts: &Options,
) -> Option<Result<(), UsageError>> {
    let accepts_yaml = op.consumes.iter().any(|c| is_yaml_type(c));
    if opts.force {
        // Sent as given; YAML is read (and sent as JSON) the usual way.
        return (!accepts_yaml).then_some(Ok(()));
    }
    match crate::catalogue::validate_stream::validate_stream(opts.catalogue, bytes, schema) {
        Ok(problems) if problems.is_empty() => Some(Ok(())),
        Ok(problems) => Some(Err(UsageError(
            problems.iter().map(|p| explain(op, p, &[])).collect(),
        ))),
        Err(_) if accepts_yaml => None,
        Err(e) => Some(Err(UsageError::one(format!(
            "{} is not valid JSON (line {} column {}): {e}",
            body_source(opts),
            e.line(),
            e.column()
        )))),
    }
}

/// `name==true` for a boolean field and `name==123` for an integer one
/// become `true` and `123` in `root`: Onezone's request sanitizer turns
/// exactly these strings into those values, so the server does the same
/// with either; sending the typed value makes the request valid against
/// the schema too. Only a literal `==` text (not `==@file`, not `:=`), and
/// only where the schema at that place (of the chosen release, the variant
/// that the body's discriminator names) takes a boolean or an integer and
/// not this text as it is (`usageLimit==3` becomes 3, `usageLimit==infinity`
/// stays text). Anything else stays as given, for validation to refuse.
fn type_literals(
    cat: Catalogue,
    schema: &'static Schema,
    root: &mut Value,
    placed: &[(&str, Vec<Seg>, &Value)],
) {
    for (arg, at, value) in placed {
        let Some(text) = value.as_str() else {
            continue;
        };
        let literal = matches!(items::split(arg), Some((_, Sep::BodyString, raw)) if raw == text);
        let Some(typed) = literal.then(|| typed_literal(text)).flatten() else {
            continue;
        };
        let Some(place) = schema_at(cat, root, schema, at) else {
            continue;
        };
        if !takes_typed(cat, place, &typed)
            || validate::validate(cat, value, place).is_empty()
            || !validate::validate(cat, &typed, place).is_empty()
        {
            continue;
        }
        if let Some(slot) = slot_mut(root, at).filter(|slot| **slot == **value) {
            *slot = typed;
        }
    }
}

/// `true`, `false`, or an integer as JSON writes it (`-?(0|[1-9][0-9]*)`,
/// within i64): the texts that [`type_literals`] may type. Not `007` (no
/// JSON integer is written so; `:=` would refuse it too), `+7`, `1.5`,
/// `1e3`, ` 7`, `yes`, `TRUE`, nor a number beyond i64.
fn typed_literal(text: &str) -> Option<Value> {
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse::<i64>().ok().map(Value::from)
}

/// Whether `schema` (or one of its alternatives) is of the type of `typed`.
fn takes_typed(cat: Catalogue, schema: &'static Schema, typed: &Value) -> bool {
    match cat.resolve(schema) {
        Schema::Boolean => typed.is_boolean(),
        Schema::Integer => typed.is_i64(),
        Schema::AnyOf(alternatives) => alternatives.iter().any(|a| takes_typed(cat, a, typed)),
        _ => false,
    }
}

/// The schema at `path` in a body `value` of `schema`: through arrays,
/// objects (their declared or additional fields) and the variant that a
/// discriminator names. `None` where the path leaves the schema.
fn schema_at(
    cat: Catalogue,
    value: &Value,
    schema: &'static Schema,
    path: &[Seg],
) -> Option<&'static Schema> {
    let Some((seg, rest)) = path.split_first() else {
        return Some(schema);
    };
    match (cat.resolve(schema), seg) {
        (Schema::Array { items, .. }, Seg::Index(i)) => schema_at(cat, value.get(*i)?, items, rest),
        (Schema::Object(obj), Seg::Key(k)) => {
            let obj = match &obj.discriminator {
                Some(d) => {
                    let chosen = value.get(d.field)?.as_str()?;
                    let (_, index) = d.variants.iter().find(|(v, _)| *v == chosen)?;
                    match cat.resolve(cat.named(*index)?) {
                        Schema::Object(variant) => variant,
                        _ => return None,
                    }
                }
                None => obj,
            };
            let field = obj
                .fields
                .iter()
                .find(|f| f.name == k)
                .map(|f| &f.schema)
                .or(obj.additional)?;
            schema_at(cat, value.get(k)?, field, rest)
        }
        _ => None,
    }
}

/// The value at `path` in `root`.
fn slot_mut<'v>(root: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(root, |slot, seg| match seg {
        Seg::Key(k) => slot.get_mut(k.as_str()),
        Seg::Index(i) => slot.get_mut(*i),
        Seg::Append => None,
    })
}

/// A YAML body (a JSON one failed to parse), read within the same budget
/// as a spec file, so aliases cannot blow it up.
fn parse_yaml(bytes: &[u8], from: &str) -> Result<Value, UsageError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| UsageError::one(format!("{from} is neither JSON nor UTF-8 YAML")))?;
    crate::release::document::yaml(text)
        .map_err(|e| UsageError::one(format!("{from} is neither JSON nor valid YAML: {e}")))
}

/// `the body from stdin`, or from the file of `-T`.
fn body_source(opts: &Options) -> String {
    match (&opts.data, &opts.upload_file) {
        (Some(_), _) => "the body of -d".to_owned(),
        (None, Some(p)) if p.as_os_str() != "-" => format!("the body from {}", p.display()),
        _ => "the body from stdin".to_owned(),
    }
}

/// A validation problem, told in terms of the item that caused it: the
/// item that set that very place, else the one that set a value around it,
/// else one that set something inside it.
fn explain(
    op: &'static Operation,
    p: &validate::Problem,
    placed: &[(&str, Vec<Seg>, &Value)],
) -> String {
    let force = " (--force sends it anyway)";
    if let Some(missing) = &p.missing {
        let mut path = p.path.clone();
        path.push(Seg::Key(missing.field.to_owned()));
        let full = items::path_text(&path);
        return format!(
            "{}: missing the required body field {full}: give {full}{}<value>{force}",
            op.name, missing.separator
        );
    }
    let exact = placed.iter().rev().find(|(_, at, _)| *at == p.path);
    let item = exact
        .or_else(|| {
            placed
                .iter()
                .filter(|(_, at, _)| p.path.starts_with(at))
                .max_by_key(|(_, at, _)| at.len())
        })
        .or_else(|| {
            placed
                .iter()
                .rev()
                .find(|(_, at, _)| at.starts_with(&p.path))
        });
    match item {
        Some((arg, _, value)) => {
            // `n==3` where a number is wanted: the text was meant as JSON.
            let hint = match items::split(arg) {
                Some((key, Sep::BodyString, _))
                    if exact.is_some()
                        && value.is_string()
                        && p.message.starts_with("expected ")
                        && !p.message.starts_with("expected a string") =>
                {
                    format!("; write {key}:=… for a JSON value")
                }
                _ => String::new(),
            };
            format!("item {arg:?}: {p}{hint}{force}")
        }
        None if matches!(p.path.first(), Some(Seg::Key(_))) => {
            format!("{}: body field {p}{force}", op.name)
        }
        None => format!("{}: {p}{force}", op.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(name: &str) -> Option<&'static Operation> {
        Catalogue::newest(crate::release::service()).find(name)
    }

    #[test]
    fn an_admin_operation_names_its_per_user_equivalent() {
        let zone = Catalogue::newest(crate::release::service());
        let of = |name: &str| per_user_equivalent(zone, find(name).unwrap());
        assert_eq!(of("createSpace"), Some("createUserSpace"));
        assert_eq!(of("listSpaces"), Some("listUserSpaces"));
        // Not admin-only, or already the user's own.
        assert_eq!(of("createUserSpace"), None);
        assert_eq!(of("listSpaceUsers"), None);
    }

    fn opts() -> Options {
        Options {
            base_url: "https://zone.example.com/api/v3/onezone".into(),
            ..Options::default()
        }
    }

    fn req(op: &str, args: &[&str]) -> Result<Request, UsageError> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        build(find(op).unwrap(), &args, &opts(), || {
            Ok(b"{\"name\": \"from stdin\"}".to_vec())
        })
    }

    fn err(op: &str, args: &[&str]) -> String {
        req(op, args).unwrap_err().0.join("\n")
    }

    #[test]
    fn host_normalisation() {
        assert_eq!(
            base_url("zone.example.com").unwrap(),
            "https://zone.example.com/api/v3/onezone"
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/api/v3/onezone"
        );
        assert_eq!(
            base_url("https://z/api/v3/onezone/").unwrap(),
            "https://z/api/v3/onezone"
        );
        assert_eq!(
            base_url("https://z/prefix").unwrap(),
            "https://z/prefix/api/v3/onezone"
        );
        assert!(base_url("ftp://z").is_err());
        let creds = base_url("https://admin:pw@z").unwrap_err();
        assert!(
            creds.contains("user name or password") && !creds.contains("pw"),
            "{creds}"
        );
        assert!(base_url("").is_err());
    }

    #[test]
    fn the_five_examples() {
        let r = req(
            "createSpaceSupportToken",
            &["id=b752ceafabb662b4e5728b2ded25cdd1"],
        )
        .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://zone.example.com/api/v3/onezone/spaces/b752ceafabb662b4e5728b2ded25cdd1/providers/token");
        assert!(r.body.is_none() && r.header("Content-Type").is_none());
        let r = req("joinGroup", &["token==MDAxNmxvY2F00aW9u"]).unwrap();
        assert_eq!(
            r.url,
            "https://zone.example.com/api/v3/onezone/user/groups/join"
        );
        assert_eq!(
            r.body.as_deref(),
            Some(&br#"{"token":"MDAxNmxvY2F00aW9u"}"#[..])
        );
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        let r = req("createProviderRegistrationTokenForCurrentUser", &[]).unwrap();
        assert!(r
            .url
            .ends_with("/user/clusters/provider_registration_token"));
    }

    #[test]
    fn path_values_are_percent_encoded() {
        let r = req("getSpace", &["id=a b/c'd%é"]).unwrap();
        assert!(
            r.url.ends_with("/spaces/a%20b%2Fc%27d%25%C3%A9"),
            "{}",
            r.url
        );
        let r = req("getSharedData", &["file_id=f", "subpath=dir one/file.txt"]).unwrap();
        assert!(
            r.url.ends_with("/shares/data/f/dir%20one/file.txt"),
            "{}",
            r.url
        );
    }

    #[test]
    fn body_fields_keep_their_order_and_escape_properly() {
        let r = req("createGroup", &["type==team", "name==a \"q\" b"]).unwrap();
        assert_eq!(
            r.body.as_deref(),
            Some(&br#"{"type":"team","name":"a \"q\" b"}"#[..])
        );
    }

    #[test]
    fn validation_errors_name_the_item() {
        assert!(err("getSpace", &[]).contains("missing the path parameter id"));
        assert!(err("getSpace", &["id="]).contains("the path parameter id is empty"));
        assert!(err("getSpace", &["id=a", "id=b"])
            .contains("\"id=b\": the parameter id is given twice"));
        assert!(
            err("getSpace", &["sid=a"]).contains("getSpace has no parameter sid (parameters: id)")
        );
        assert!(err("getSpace", &["id=a", "name==x"]).contains("getSpace takes no body"));
        assert!(err("createGroup", &[])
            .contains("missing the required body field name: give name==<value>"));
        assert!(err("createGroup", &["name==x", "type==club"])
            .contains("\"type==club\": type: \"club\" is not one of"));
        assert!(err("createGroup", &["name==x", "colour==red"]).contains("unknown field"));
        let e = err(
            "createNamedTokenForCurrentUser",
            &["name==t", "usageLimit==three"],
        );
        assert!(
            e.contains("\"usageLimit==three\"")
                && e.contains("write usageLimit:=… for a JSON value"),
            "{e}"
        );
        assert!(err("createGroup", &["name:={oops"]).contains("invalid JSON at column"));
    }

    #[test]
    fn force_lets_schema_problems_through_but_not_syntax() {
        let args = vec!["type==club".to_owned()];
        let forced = Options {
            force: true,
            ..opts()
        };
        let r = build(find("createGroup").unwrap(), &args, &forced, || Ok(vec![])).unwrap();
        assert_eq!(r.body.as_deref(), Some(&br#"{"type":"club"}"#[..]));
        let bad = vec!["name:={".to_owned()];
        assert!(build(find("createGroup").unwrap(), &bad, &forced, || Ok(vec![])).is_err());
    }

    #[test]
    fn stdin_body_merges_with_fields() {
        let r = req("createGroup", &["-", "type==team"]).unwrap();
        assert_eq!(
            r.body.as_deref(),
            Some(&br#"{"name":"from stdin","type":"team"}"#[..])
        );
    }

    #[test]
    fn the_duplicated_operation_picks_its_path_by_parameter() {
        for (op, param, path) in [
            (
                "updateGroupHandleServicePrivileges",
                "uid=u",
                "/handle_services/h/users/u/privileges",
            ),
            (
                "updateGroupHandleServicePrivileges",
                "gid=g",
                "/handle_services/h/groups/g/privileges",
            ),
            (
                "updateUserHandleServicePrivileges",
                "uid=u",
                "/handle_services/h/users/u/privileges",
            ),
        ] {
            let r = req(op, &["id=h", param, "grant:=[]"]).unwrap();
            assert!(r.url.ends_with(path), "{op} {param}: {}", r.url);
        }
        assert!(
            err("updateGroupHandleServicePrivileges", &["id=h", "grant:=[]"])
                .contains("missing the path parameter gid")
        );
    }

    #[test]
    fn headers_override_defaults() {
        let r = req("getSpace", &["id=x", "Accept:text/plain", "X-Extra:1"]).unwrap();
        assert_eq!(r.header("Accept"), Some("text/plain"));
        assert_eq!(r.header("X-Extra"), Some("1"));
    }

    fn with_headers(op: &str, args: &[&str], headers: &[&str]) -> Result<Request, UsageError> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let o = Options {
            extra_headers: headers.iter().map(|s| (*s).to_owned()).collect(),
            ..opts()
        };
        build(find(op).unwrap(), &args, &o, || Ok(vec![]))
    }

    #[test]
    fn the_usage_limit_may_be_infinity() {
        let r = req(
            "createNamedTokenForCurrentUser",
            &["name==t", "usageLimit==infinity"],
        )
        .unwrap();
        assert_eq!(
            r.body.as_deref(),
            Some(&br#"{"name":"t","usageLimit":"infinity"}"#[..])
        );
        assert!(req(
            "createNamedTokenForCurrentUser",
            &["name==t", "usageLimit:=3"]
        )
        .is_ok());
        let e = err(
            "createNamedTokenForCurrentUser",
            &["name==t", "usageLimit==never"],
        );
        assert!(
            e.contains(r#"usageLimit: expected an integer or "infinity", got "never""#),
            "{e}"
        );
    }

    #[test]
    fn problems_blame_the_item_at_their_place() {
        let e = err("createGroup", &["name==x", "type==team", r"type\[0\]==z"]);
        assert!(
            e.starts_with(r#"item "type\\[0\\]==z": type\[0\]: unknown field"#),
            "{e}"
        );
        let e = err("createGroup", &["name==x", "na.me==y"]);
        assert!(
            e.starts_with(r#"item "na.me==y": na.me: unknown field"#),
            "{e}"
        );
        // The item that appended the element is blamed at its index.
        let e = err(
            "createTemporaryTokenForCurrentUser",
            &[
                "type[accessToken]:={}",
                "caveats[][type]==time",
                "caveats[][type]==ip",
                "caveats[1][whitelist]:=5",
            ],
        );
        assert!(
            e.contains(
                r#"item "caveats[1][whitelist]:=5": caveats[1][whitelist]: expected an array"#
            ),
            "{e}"
        );
        assert!(e.contains("give caveats[0][validUntil]:=<value>"), "{e}");
        // A value around the place: the item that gave it.
        let e = err(
            "createTemporaryTokenForCurrentUser",
            &[
                "type[accessToken]:={}",
                r#"caveats:=[{"type":"time","validUntil":"x"}]"#,
            ],
        );
        assert!(e.starts_with(r#"item "caveats:=[{"#), "{e}");
        assert!(
            e.contains("caveats[0][validUntil]: expected an integer"),
            "{e}"
        );
        assert!(!e.contains("write"), "{e}");
    }

    #[test]
    fn a_missing_nested_field_is_named_as_it_is_typed() {
        let e = err(
            "createNamedTokenForCurrentUser",
            &["name==t", "type[inviteToken][inviteType]==groupJoinGroup"],
        );
        assert!(
            e.contains(
                "missing the required body field type[inviteToken][groupId]: \
                 give type[inviteToken][groupId]==<value>"
            ),
            "{e}"
        );
        assert!(!e.contains("type.inviteToken"), "{e}");
    }

    #[test]
    fn a_discriminator_must_be_text() {
        let e = err(
            "createTemporaryTokenForCurrentUser",
            &["type[accessToken]:={}", "caveats[0][type]:=5"],
        );
        assert!(
            e.starts_with(
                r#"item "caveats[0][type]:=5": caveats[0][type]: expected a string, got an integer"#
            ),
            "{e}"
        );
        assert!(!e.contains("missing"), "{e}");
    }

    #[test]
    fn the_json_hint_is_for_text_items_only() {
        let e = err(
            "createNamedTokenForCurrentUser",
            &["name==t", r#"usageLimit:="3""#],
        );
        assert!(!e.contains("write"), "{e}");
        let e = err(
            "createNamedTokenForCurrentUser",
            &["name==t", "usageLimit==3.5"],
        );
        assert!(e.contains("; write usageLimit:=… for a JSON value"), "{e}");
        let e = err(
            "createTemporaryTokenForCurrentUser",
            &[
                "type[accessToken]:={}",
                "caveats[0][type]==time",
                "caveats[0][validUntil]==a==b",
            ],
        );
        assert!(
            e.contains("; write caveats[0][validUntil]:=… for a JSON value"),
            "{e}"
        );
    }

    #[test]
    fn headers_are_checked_whichever_way_they_come() {
        let e = err("getSpace", &["id=x", "X-A:a\r\nX-Injected: 1"]);
        assert!(
            e.starts_with(r#"item "X-A:a\r\nX-Injected: 1": the value of the header X-A holds a carriage return"#),
            "{e}"
        );
        let e = with_headers("getSpace", &["id=x"], &["X-A:a\r\nX-Injected: 1"])
            .unwrap_err()
            .0
            .join("\n");
        assert!(
            e.starts_with(r#"-H "X-A:a\r\nX-Injected: 1": the value"#),
            "{e}"
        );
        let e = with_headers("getSpace", &["id=x"], &["bad name: v"])
            .unwrap_err()
            .0
            .join("\n");
        assert!(
            e.contains(r#"-H "bad name: v": "bad name" is not a valid header name"#),
            "{e}"
        );
        assert!(err("getSpace", &["id=x", "bad name:v"]).contains("not a valid header name"));
        let r = with_headers("getSpace", &["id=x", "X-B: é"], &["X-A: 1"]).unwrap();
        assert_eq!(r.header("X-A"), Some("1"));
        assert_eq!(r.header("X-B"), Some("é"));
    }

    #[test]
    fn a_header_named_like_a_field_or_parameter_is_a_typo() {
        let e = err("modifySpace", &["id=s", "name:newname"]);
        assert!(
            e.contains("did you mean name==newname (text) or name:=newname (JSON)?")
                && e.contains("--force"),
            "{e}"
        );
        let e = err("getSpace", &["id=x", "id:y"]);
        assert!(e.contains("did you mean id=y?"), "{e}");
        // Case-sensitive: `Name` is no field.
        assert!(req("modifySpace", &["id=s", "Name:x", "name==n"]).is_ok());
        let forced = Options {
            force: true,
            ..opts()
        };
        let args = vec!["id=s".to_owned(), "name:newname".to_owned()];
        let r = build(find("modifySpace").unwrap(), &args, &forced, || Ok(vec![])).unwrap();
        assert_eq!(r.header("name"), Some("newname"));
    }

    #[test]
    fn a_header_is_given_once() {
        let e = err("getSpace", &["id=x", "X-Auth-Token:a", "x-auth-token:b"]);
        assert!(
            e.contains(r#"item "x-auth-token:…": the header x-auth-token is given twice"#),
            "{e}"
        );
        let e = with_headers("getSpace", &["id=x", "X-A:1"], &["x-a: 2"])
            .unwrap_err()
            .0
            .join("\n");
        assert!(e.contains("is given twice"), "{e}");
    }

    #[test]
    fn accept_and_content_type_are_checked_as_headers() {
        let o = Options {
            accept: Some("json\r\nX-Injected: 1".into()),
            ..opts()
        };
        let args = vec!["id=x".to_owned()];
        let e = build(find("getSpace").unwrap(), &args, &o, || Ok(vec![]))
            .unwrap_err()
            .0
            .join("\n");
        assert!(
            e.starts_with(r#"--accept "json\r\nX-Injected: 1": the value of the header Accept"#),
            "{e}"
        );
    }

    #[test]
    fn a_refused_credential_header_is_not_echoed() {
        for e in [
            err("getSpace", &["id=x", "X-Auth-Token:sec\u{1}ret"]),
            err(
                "getSpace",
                &["id=x", "X-Auth-Token:a", "x-auth-token:secret"],
            ),
            with_headers("getSpace", &["id=x"], &["Authorization: sec\u{1}ret"])
                .unwrap_err()
                .0
                .join("\n"),
        ] {
            assert!(!e.contains("sec"), "{e}");
            assert!(e.contains(":…\"") || e.contains(": …\""), "{e}");
        }
    }

    #[test]
    fn a_field_is_given_once_but_overrides_stdin() {
        let e = err("createSpace", &["name==n", "tags[0]==a", "tags[0]==b"]);
        assert!(
            e.contains(r#"item "tags[0]==b": the field is given twice"#),
            "{e}"
        );
        let e = err("createSpace", &["name:=null", "name==b"]);
        assert!(
            e.contains(r#"item "name==b": the field is given twice"#),
            "{e}"
        );
        let r = req("modifySpace", &["id=s", "-", "name==b"]).unwrap();
        assert_eq!(r.body.as_deref(), Some(&br#"{"name":"b"}"#[..]));
        assert!(err("modifySpace", &["id=s", "-", "name==b", "name==c"]).contains("given twice"));
    }

    fn body_of(op: &str, args: &[&str]) -> Value {
        let r = req(op, args).unwrap();
        serde_json::from_slice(r.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn text_true_and_false_are_sent_as_booleans_where_the_schema_wants_one() {
        assert_eq!(
            body_of("modifySpace", &["id=s", "advertisedInMarketplace==false"]),
            serde_json::json!({"advertisedInMarketplace": false})
        );
        assert_eq!(
            body_of(
                "modifySpace",
                &["id=s", "advertisedInMarketplace==true", "name==true"]
            ),
            serde_json::json!({"advertisedInMarketplace": true, "name": "true"}),
            "a string field keeps the text"
        );
        // Only the two words, as they are written.
        for text in ["yes", "True", "TRUE", "1", "0", " true", "true "] {
            let item = format!("advertisedInMarketplace=={text}");
            let e = err("modifySpace", &["id=s", &item]);
            assert!(
                e.contains("expected true or false")
                    && e.contains("write advertisedInMarketplace:=… for a JSON value"),
                "{item}: {e}"
            );
        }
    }

    #[test]
    fn integer_literals_are_sent_as_integers_where_the_schema_wants_one() {
        let time = |v: &str| {
            [
                "type[accessToken]:={}".to_owned(),
                "caveats[0][type]==time".to_owned(),
                format!("caveats[0][validUntil]=={v}"),
            ]
        };
        // Nested, in the variant that the discriminator names.
        for (text, n) in [
            ("1700000000", 1_700_000_000_i64),
            ("0", 0),
            ("-5", -5),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ] {
            let args = time(text);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let body = body_of("createTemporaryTokenForCurrentUser", &args);
            assert_eq!(
                body["caveats"][0]["validUntil"],
                serde_json::json!(n),
                "{text}"
            );
        }
        // Not an integer as JSON writes one, or beyond i64: refused with the fix.
        for text in [
            "1.5",
            "1e3",
            "007",
            "-0x1",
            "+7",
            "",
            "-",
            " 7",
            "7 ",
            "١٢",
            "seven",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
        ] {
            let args = time(text);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let e = err("createTemporaryTokenForCurrentUser", &args);
            assert!(
                e.contains("expected an integer")
                    && e.contains("write caveats[0][validUntil]:=… for a JSON value"),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn an_integer_or_infinity_keeps_infinity_as_text() {
        for (text, sent) in [
            ("3", serde_json::json!(3)),
            ("infinity", serde_json::json!("infinity")),
        ] {
            let item = format!("usageLimit=={text}");
            let body = body_of("createNamedTokenForCurrentUser", &["name==t", &item]);
            assert_eq!(body["usageLimit"], sent, "{item}");
        }
        let e = err(
            "createNamedTokenForCurrentUser",
            &["name==t", "usageLimit==true"],
        );
        assert!(
            e.contains(r#"expected an integer or "infinity", got "true""#),
            "{e}"
        );
    }

    #[test]
    fn only_literal_text_items_are_typed() {
        // `:=` is JSON as given: a JSON string stays a string (and is refused).
        let e = err(
            "modifySpace",
            &["id=s", r#"advertisedInMarketplace:="true""#],
        );
        assert!(e.contains("expected true or false, got a string"), "{e}");
        // `==@file` is the file's text, not a literal.
        let file = std::env::temp_dir().join(format!("ozvalues-{}", std::process::id()));
        std::fs::write(&file, "true").unwrap();
        let item = format!("advertisedInMarketplace==@{}", file.display());
        let e = err("modifySpace", &["id=s", &item]);
        std::fs::remove_file(&file).unwrap();
        assert!(e.contains("expected true or false, got a string"), "{e}");
        // The body from stdin is sent as it is.
        let args = vec!["id=s".to_owned(), "-".to_owned()];
        let e = build(find("modifySpace").unwrap(), &args, &opts(), || {
            Ok(br#"{"advertisedInMarketplace": "true"}"#.to_vec())
        })
        .unwrap_err()
        .0
        .join("\n");
        assert!(e.contains("expected true or false, got a string"), "{e}");
    }

    #[test]
    fn force_sends_the_text_as_given() {
        let forced = Options {
            force: true,
            ..opts()
        };
        let args = vec![
            "id=s".to_owned(),
            "advertisedInMarketplace==false".to_owned(),
        ];
        let r = build(find("modifySpace").unwrap(), &args, &forced, || Ok(vec![])).unwrap();
        assert_eq!(
            r.body.as_deref(),
            Some(&br#"{"advertisedInMarketplace":"false"}"#[..])
        );
    }

    #[test]
    fn a_path_parameter_given_as_a_field_of_an_operation_without_a_body() {
        for item in ["id==a b", "id:=a b"] {
            let r = req("getSpace", &[item]).unwrap();
            assert!(r.url.ends_with("/spaces/a%20b"), "{item}: {}", r.url);
            assert!(r.body.is_none());
            let sep = if item.contains("==") { "==" } else { ":=" };
            assert_eq!(
                r.notes,
                [format!(
                    "id{sep}a b is taken as the parameter id=a b; write id=a b"
                )]
            );
        }
        assert!(req("getSpace", &["id=x"]).unwrap().notes.is_empty());
        // Given twice, either way, is still an error.
        assert!(err("getSpace", &["id=a", "id==b"]).contains("the parameter id is given twice"));
        // A field that is no parameter, or an operation with a body: as before.
        assert!(err("getSpace", &["id=a", "name==x"]).contains("getSpace takes no body"));
        let e = err("modifySpace", &["id==s", "name==n"]);
        assert!(e.contains("missing the path parameter id"), "{e}");
        // A path variant's parameter too (uid= or gid=).
        let r = req("getSpaceUser", &["id==s", "uid==u"]).unwrap();
        assert!(r.url.ends_with("/spaces/s/users/u"), "{}", r.url);
        assert_eq!(r.notes.len(), 2);
    }
}
