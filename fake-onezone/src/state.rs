//! The fake's memory: users, groups, spaces, tokens and registered
//! providers, and the operations that act on them for real. Operations not
//! handled here answer their catalogue sample (see `server.rs`).

use crate::call::{Call, Reply, Who};
use crate::checks::{ApiError, Credential};
use crate::router::Route;
use crate::util::{now, percent_encode as enc, Ids};
use crate::UserConfig;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod services;
pub(crate) use services::SupportedSpace;

impl State {
    /// The user name of a Onezone user, for the other services' answers.
    pub(crate) fn username(&self, id: &str) -> Option<String> {
        self.users.get(id).map(|u| u.username.clone())
    }
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    username: String,
    full_name: String,
    password: Option<String>,
    admin: bool,
    creation_time: u64,
}

#[derive(Debug, Clone)]
struct Group {
    id: String,
    name: String,
    kind: String,
    users: BTreeSet<String>,
    children: BTreeSet<String>,
    creator: Option<String>,
    creation_time: u64,
}

#[derive(Debug, Clone)]
struct Space {
    id: String,
    fields: Map<String, Value>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    owners: BTreeSet<String>,
    /// The providers that support it, and the size each gives.
    support: BTreeMap<String, u64>,
    creator: Option<String>,
    creation_time: u64,
}

#[derive(Debug, Clone)]
struct Provider {
    id: String,
    name: String,
    domain: String,
    latitude: f64,
    longitude: f64,
    admin: String,
    creation_time: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    User(String),
    Provider(String),
}

impl Subject {
    fn json(&self) -> Value {
        match self {
            Subject::User(id) => json!({"type": "user", "id": id}),
            Subject::Provider(id) => json!({"type": "oneprovider", "id": id}),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Access,
    Identity,
    /// The `inviteToken` object: `{"inviteType": ..., "<target>Id": ...}`.
    Invite(Map<String, Value>),
}

impl Kind {
    fn json(&self) -> Value {
        match self {
            Kind::Access => json!({"accessToken": {}}),
            Kind::Identity => json!({"identityToken": {}}),
            Kind::Invite(m) => json!({"inviteToken": m}),
        }
    }

    fn invite_type(&self) -> Option<&str> {
        match self {
            Kind::Invite(m) => m.get("inviteType").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The id an invite token points to (group, space, user, …).
    fn target(&self) -> Option<&str> {
        match self {
            Kind::Invite(m) => m
                .iter()
                .find(|(k, v)| *k != "inviteType" && k.ends_with("Id") && v.is_string())
                .and_then(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    id: String,
    serialized: String,
    subject: Subject,
    kind: Kind,
    /// Named tokens have a name; temporary ones do not.
    name: Option<String>,
    revoked: bool,
    /// A client token (`createClientToken`).
    client: bool,
    /// Given in the configuration: never revoked in bulk.
    configured: bool,
    caveats: Value,
    custom: Value,
    privileges: Option<Value>,
    usage_limit: Option<Value>,
    creation_time: u64,
}

#[derive(Debug)]
pub(crate) struct State {
    ids: Ids,
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    spaces: BTreeMap<String, Space>,
    providers: BTreeMap<String, Provider>,
    tokens: Vec<Token>,
}

/// A resource family whose `{id}` must exist and whose members may use
/// admin-only operations on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Space,
    Group,
    User,
    Provider,
    NamedToken,
}

/// The family and id a route acts on, from its template prefix.
fn family(route: &Route) -> Option<(Family, String)> {
    let t: Vec<&str> = route.template.trim_start_matches('/').split('/').collect();
    let fam = match (t.first().copied(), t.get(1).copied(), t.get(2).copied()) {
        (Some("spaces"), Some("{id}"), _) => Family::Space,
        (Some("groups"), Some("{id}"), _) => Family::Group,
        (Some("users"), Some("{id}"), _) => Family::User,
        (Some("providers"), Some("{id}"), _) => Family::Provider,
        (Some("tokens"), Some("named"), Some("{id}")) => Family::NamedToken,
        _ => return None,
    };
    Some((fam, route.param("id").to_owned()))
}

/// Whether `template` is `prefix` or below it (`/user`: `/user/spaces`, not
/// `/users`).
fn below(template: &str, prefix: &str) -> bool {
    template
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Groups and spaces alike have direct users, and the current user lists,
/// gets, leaves and joins (with an invite token) the ones they belong to.
/// The operations that are the same for both take one of these.
#[derive(Debug, Clone, Copy)]
enum Joinable {
    Group,
    Space,
}

impl Joinable {
    /// The word in descriptions: `group`, `space`.
    fn noun(self) -> &'static str {
        match self {
            Joinable::Group => "group",
            Joinable::Space => "space",
        }
    }

    /// The key of id lists and the path segment: `groups`, `spaces`.
    fn plural(self) -> &'static str {
        match self {
            Joinable::Group => "groups",
            Joinable::Space => "spaces",
        }
    }

    /// The path parameter of the current user's operations: `gid`, `sid`.
    fn param(self) -> &'static str {
        match self {
            Joinable::Group => "gid",
            Joinable::Space => "sid",
        }
    }

    /// The invite token field naming one: `groupId`, `spaceId`.
    fn invite_key(self) -> &'static str {
        match self {
            Joinable::Group => "groupId",
            Joinable::Space => "spaceId",
        }
    }

    /// Where one is, below the API base or (`of_user`) below `/user`.
    fn location(self, id: &str, of_user: bool) -> String {
        let user = if of_user { "/user" } else { "" };
        format!("{user}/{}/{}", self.plural(), enc(id))
    }
}

fn ok204() -> Result<Option<Reply>, ApiError> {
    Ok(Some(Reply::Empty(204)))
}

fn json200(v: Value) -> Result<Option<Reply>, ApiError> {
    Ok(Some(Reply::Json(200, v)))
}

/// 201 with the `Location` of what was made (a path below the API base).
fn created(path: String) -> Result<Option<Reply>, ApiError> {
    Ok(Some(Reply::Located(201, path, None)))
}

fn bad_token(description: &str, token_error: Value) -> ApiError {
    ApiError::new(
        400,
        "badValueToken",
        format!("Provided token is not valid: {description}."),
    )
    .details(json!({"key": "token", "tokenError": token_error}))
}

fn not_of_current_user(j: Joinable, id: &str) -> ApiError {
    ApiError::not_found(&format!("{} {id} of the current user", j.noun()))
}

/// At most this many steps in a membership walk (a cycle cannot loop).
const MAX_WALK: usize = 10_000;

impl State {
    pub(crate) fn new(users: &[UserConfig], salt: u64) -> State {
        let mut s = State {
            ids: Ids::new(salt),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            spaces: BTreeMap::new(),
            providers: BTreeMap::new(),
            tokens: Vec::new(),
        };
        for u in users {
            s.users.insert(
                u.id.clone(),
                User {
                    id: u.id.clone(),
                    username: u.username.clone(),
                    full_name: u.full_name.clone(),
                    password: u.password.clone(),
                    admin: u.admin,
                    creation_time: now(),
                },
            );
            for t in &u.tokens {
                let id = s.ids.id();
                s.tokens.push(Token {
                    id,
                    serialized: t.clone(),
                    subject: Subject::User(u.id.clone()),
                    kind: Kind::Access,
                    name: None,
                    revoked: false,
                    client: false,
                    configured: true,
                    caveats: json!([]),
                    custom: json!({}),
                    privileges: None,
                    usage_limit: None,
                    creation_time: now(),
                });
            }
        }
        s
    }

    /// A fresh identifier (for `Location`s of operations without state).
    pub(crate) fn fresh_id(&mut self) -> String {
        self.ids.id()
    }

    /// Who a credential stands for; `None` when it is not valid.
    pub(crate) fn authenticate(&self, cred: &Credential) -> Option<Who> {
        match cred {
            Credential::Token(t) => {
                let tok = self.tokens.iter().find(|x| x.serialized == *t)?;
                if tok.revoked || tok.kind != Kind::Access {
                    return None;
                }
                match &tok.subject {
                    Subject::User(id) if self.users.contains_key(id) => Some(Who::User(id.clone())),
                    Subject::Provider(id) if self.providers.contains_key(id) => {
                        Some(Who::Provider(id.clone()))
                    }
                    _ => None,
                }
            }
            Credential::Basic(name, pass) => self
                .users
                .values()
                .find(|u| u.username == *name && u.password.as_deref() == Some(pass.as_str()))
                .map(|u| Who::User(u.id.clone())),
        }
    }

    /// 403 and 404 before acting. Admins may do anything. Everyone else
    /// with a credential, a non-admin user or a provider, is refused (403):
    /// - on a known space, group, user, provider or named token that is not
    ///   theirs (a space or group they are not an effective member of,
    ///   another user's record, a provider they are not the admin of and is
    ///   not themselves, another's named token), whatever the operation;
    /// - a provider, on the current user's operations (`/user…`);
    /// - operations whose privileges are all `oz_*` (admin) privileges,
    ///   unless they act on something of theirs as above, or are a
    ///   provider's own (`/provider…`, for a provider).
    ///
    /// Then the `{id}` of spaces, groups, users, providers and named tokens
    /// must exist (404).
    pub(crate) fn authorize(&self, route: &Route, who: &Who) -> Result<(), ApiError> {
        let op = route.op;
        let admin_only =
            !op.privileges.is_empty() && op.privileges.iter().all(|p| p.starts_with("oz_"));
        let fam = family(route);
        let restricted = match who {
            Who::User(uid) => !self.users.get(uid).is_some_and(|u| u.admin),
            Who::Provider(_) => true,
            // Only public operations get this far without a credential
            // (and Onepanel's user does not reach Onezone's operations).
            Who::Anonymous | Who::PanelRoot => false,
        };
        if restricted {
            let provider = matches!(who, Who::Provider(_));
            if provider && below(route.template, "/user") {
                return Err(ApiError::forbidden(
                    "this operation needs a user, not a provider",
                ));
            }
            let member = fam.as_ref().and_then(|(f, id)| self.is_member(*f, id, who));
            match member {
                Some(true) => {}
                Some(false) => {
                    return Err(ApiError::forbidden(
                        "you are not a member or the owner of this resource",
                    ));
                }
                None if admin_only && !(provider && below(route.template, "/provider")) => {
                    return Err(ApiError::forbidden(&format!(
                        "{} needs the admin privilege {}",
                        op.name,
                        op.privileges.join(" or ")
                    )));
                }
                None => {}
            }
        }
        if let Some((f, id)) = fam {
            let exists = match f {
                Family::Space => self.spaces.contains_key(&id),
                Family::Group => self.groups.contains_key(&id),
                Family::User => self.users.contains_key(&id),
                Family::Provider => self.providers.contains_key(&id),
                Family::NamedToken => self.tokens.iter().any(|t| t.id == id && t.name.is_some()),
            };
            if !exists {
                return Err(ApiError::not_found(&format!("{f:?} {id}").to_lowercase()));
            }
        }
        Ok(())
    }

    /// Whether the resource is `who`'s (see [`State::authorize`]); `None`
    /// when it does not exist.
    fn is_member(&self, f: Family, id: &str, who: &Who) -> Option<bool> {
        let (user, provider) = match who {
            Who::User(uid) => (Some(uid.as_str()), None),
            Who::Provider(pid) => (None, Some(pid.as_str())),
            Who::Anonymous | Who::PanelRoot => (None, None),
        };
        match f {
            Family::Space => self
                .spaces
                .get(id)
                .map(|_| user.is_some_and(|u| self.space_effective_users(id).contains(u))),
            Family::Group => self
                .groups
                .get(id)
                .map(|_| user.is_some_and(|u| self.group_effective_users(id).contains(u))),
            Family::User => self.users.get(id).map(|_| user == Some(id)),
            Family::NamedToken => {
                self.tokens
                    .iter()
                    .find(|t| t.id == id)
                    .map(|t| match &t.subject {
                        Subject::User(u) => user == Some(u.as_str()),
                        Subject::Provider(p) => provider == Some(p.as_str()),
                    })
            }
            Family::Provider => self
                .providers
                .get(id)
                .map(|p| user == Some(p.admin.as_str()) || provider == Some(id)),
        }
    }

    // ----- membership walks -----

    fn parents_of(&self, gid: &str) -> BTreeSet<String> {
        self.groups
            .values()
            .filter(|g| g.children.contains(gid))
            .map(|g| g.id.clone())
            .collect()
    }

    /// `start`'s relatives reached by `step`, not including `start`.
    fn walk(&self, start: &str, step: impl Fn(&str) -> BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.to_owned()];
        for _ in 0..MAX_WALK {
            let Some(g) = todo.pop() else { break };
            for next in step(&g) {
                if next != start && seen.insert(next.clone()) {
                    todo.push(next);
                }
            }
        }
        seen
    }

    fn ancestors(&self, gid: &str) -> BTreeSet<String> {
        self.walk(gid, |g| self.parents_of(g))
    }

    fn descendants(&self, gid: &str) -> BTreeSet<String> {
        self.walk(gid, |g| {
            self.groups
                .get(g)
                .map(|x| x.children.clone())
                .unwrap_or_default()
        })
    }

    fn user_groups(&self, uid: &str) -> BTreeSet<String> {
        self.groups
            .values()
            .filter(|g| g.users.contains(uid))
            .map(|g| g.id.clone())
            .collect()
    }

    fn user_effective_groups(&self, uid: &str) -> BTreeSet<String> {
        let mut out = self.user_groups(uid);
        for g in out.clone() {
            out.extend(self.ancestors(&g));
        }
        out
    }

    /// The ids of the spaces that `keep` accepts.
    fn space_ids(&self, keep: impl Fn(&Space) -> bool) -> BTreeSet<String> {
        self.spaces
            .values()
            .filter(|s| keep(s))
            .map(|s| s.id.clone())
            .collect()
    }

    fn user_spaces(&self, uid: &str) -> BTreeSet<String> {
        self.space_ids(|s| s.users.contains(uid))
    }

    fn user_effective_spaces(&self, uid: &str) -> BTreeSet<String> {
        let groups = self.user_effective_groups(uid);
        self.space_ids(|s| s.users.contains(uid) || s.groups.iter().any(|g| groups.contains(g)))
    }

    fn group_effective_users(&self, gid: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for g in std::iter::once(gid.to_owned()).chain(self.descendants(gid)) {
            if let Some(g) = self.groups.get(&g) {
                out.extend(g.users.iter().cloned());
            }
        }
        out
    }

    fn group_spaces(&self, gid: &str) -> BTreeSet<String> {
        self.space_ids(|s| s.groups.contains(gid))
    }

    fn group_effective_spaces(&self, gid: &str) -> BTreeSet<String> {
        let mut groups = self.ancestors(gid);
        groups.insert(gid.to_owned());
        self.space_ids(|s| s.groups.iter().any(|g| groups.contains(g)))
    }

    fn space_effective_groups(&self, sid: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(s) = self.spaces.get(sid) {
            for g in &s.groups {
                out.insert(g.clone());
                out.extend(self.descendants(g));
            }
        }
        out
    }

    fn space_effective_users(&self, sid: &str) -> BTreeSet<String> {
        let mut out = self
            .spaces
            .get(sid)
            .map(|s| s.users.clone())
            .unwrap_or_default();
        for g in self.space_effective_groups(sid) {
            if let Some(g) = self.groups.get(&g) {
                out.extend(g.users.iter().cloned());
            }
        }
        out
    }

    // ----- JSON views -----

    fn user_json(&self, uid: &str) -> Result<Value, ApiError> {
        let u = self
            .users
            .get(uid)
            .ok_or_else(|| ApiError::not_found(&format!("user {uid}")))?;
        Ok(
            json!({"userId": u.id, "fullName": u.full_name, "username": u.username, "creationTime": u.creation_time}),
        )
    }

    fn user_protected_json(&self, uid: &str) -> Result<Value, ApiError> {
        let u = self
            .users
            .get(uid)
            .ok_or_else(|| ApiError::not_found(&format!("user {uid}")))?;
        Ok(json!({
            "userId": u.id,
            "fullName": u.full_name,
            "username": u.username,
            "linkedAccounts": [],
            "emails": [format!("{}@example.com", u.username)],
            "basicAuthEnabled": u.password.is_some(),
            "blocked": false,
            "creationTime": u.creation_time,
        }))
    }

    fn group_json(&self, gid: &str) -> Result<Value, ApiError> {
        let g = self
            .groups
            .get(gid)
            .ok_or_else(|| ApiError::not_found(&format!("group {gid}")))?;
        let mut v = json!({"groupId": g.id, "name": g.name, "type": g.kind, "creationTime": g.creation_time});
        if let Some(c) = &g.creator {
            v["creator"] = json!({"type": "user", "id": c});
        }
        Ok(v)
    }

    fn space_json(&self, sid: &str) -> Result<Value, ApiError> {
        let s = self
            .spaces
            .get(sid)
            .ok_or_else(|| ApiError::not_found(&format!("space {sid}")))?;
        let mut v = json!({"spaceId": s.id});
        for (k, val) in &s.fields {
            v[k] = val.clone();
        }
        v["providers"] = json!(s.support);
        v["supportParametersRegistry"] = json!({});
        v["creator"] = match &s.creator {
            Some(c) => json!({"type": "user", "id": c}),
            None => json!({"type": "nobody"}),
        };
        v["creationTime"] = json!(s.creation_time);
        Ok(v)
    }

    fn provider_json(&self, pid: &str) -> Result<Value, ApiError> {
        let p = self
            .providers
            .get(pid)
            .ok_or_else(|| ApiError::not_found(&format!("provider {pid}")))?;
        Ok(json!({
            "providerId": p.id, "name": p.name, "domain": p.domain,
            "latitude": p.latitude, "longitude": p.longitude,
            "clusterId": p.id, "online": false, "creationTime": p.creation_time,
        }))
    }

    fn named_token_json(t: &Token) -> Value {
        let mut metadata =
            json!({"creationTime": t.creation_time, "usageCount": 0, "custom": t.custom});
        if let Some(p) = &t.privileges {
            metadata["privileges"] = p.clone();
        }
        if let Some(l) = &t.usage_limit {
            metadata["usageLimit"] = l.clone();
        }
        json!({
            "id": t.id, "name": t.name, "subject": t.subject.json(), "type": t.kind.json(),
            "caveats": t.caveats, "metadata": metadata, "revoked": t.revoked, "token": t.serialized,
        })
    }

    fn ids_json(key: &str, ids: impl IntoIterator<Item = String>) -> Value {
        json!({ key: ids.into_iter().collect::<Vec<_>>() })
    }

    // ----- helpers that change state -----

    fn issue(
        &mut self,
        subject: Subject,
        kind: Kind,
        name: Option<String>,
        body: Option<&Value>,
    ) -> Token {
        let field = |k: &str| body.and_then(|b| b.get(k)).cloned();
        let t = Token {
            id: self.ids.id(),
            serialized: self.ids.token(),
            subject,
            kind,
            name,
            revoked: field("revoked").and_then(|v| v.as_bool()).unwrap_or(false),
            client: false,
            configured: false,
            caveats: field("caveats").unwrap_or_else(|| json!([])),
            custom: field("customMetadata").unwrap_or_else(|| json!({})),
            privileges: field("privileges"),
            usage_limit: field("usageLimit"),
            creation_time: now(),
        };
        self.tokens.push(t.clone());
        t
    }

    fn invite(&mut self, uid: &str, invite_type: &str, key: &str, target: &str) -> Value {
        let mut m = Map::new();
        m.insert("inviteType".into(), json!(invite_type));
        m.insert(key.into(), json!(target));
        let t = self.issue(Subject::User(uid.to_owned()), Kind::Invite(m), None, None);
        json!({ "token": t.serialized })
    }

    /// The target of a valid invite token sent in the body's `token` field,
    /// whose type is one of `accepted` (the first is the one named in errors).
    fn redeem(&self, call: &Call, accepted: &[&str]) -> Result<String, ApiError> {
        let expected = accepted.first().copied().unwrap_or_default();
        let Some(text) = call.str_field("token") else {
            return Err(ApiError::new(
                400,
                "missingRequiredValue",
                "Missing required value: token.",
            )
            .details(json!({"key": "token"})));
        };
        let Some(t) = self.tokens.iter().find(|t| t.serialized == text) else {
            return Err(bad_token(
                "the token is not recognized",
                json!({"id": "badToken", "description": "Provided token could not be understood by the server."}),
            ));
        };
        if t.revoked {
            return Err(bad_token(
                "the token is revoked",
                json!({"id": "tokenRevoked"}),
            ));
        }
        match t.kind.invite_type() {
            None => Err(bad_token(
                "it is not an invite token",
                json!({"id": "notAnInviteToken", "details": {"expectedInviteType": expected}}),
            )),
            Some(actual) if !accepted.contains(&actual) => Err(bad_token(
                &format!("it is a {actual} invite, this operation needs a {expected} invite"),
                json!({"id": "inviteTokenTypeMismatch", "details": {"expected": expected, "received": actual}}),
            )),
            Some(_) => t.kind.target().map(str::to_owned).ok_or_else(|| {
                bad_token(
                    "the invite names no target",
                    json!({"id": "inviteTokenTargetIdInvalid"}),
                )
            }),
        }
    }

    fn new_group(&mut self, name: String, kind: Option<String>, creator: Option<String>) -> String {
        let id = self.ids.id();
        let users = creator.iter().cloned().collect();
        self.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                name,
                kind: kind.unwrap_or_else(|| "team".into()),
                users,
                children: BTreeSet::new(),
                creator,
                creation_time: now(),
            },
        );
        id
    }

    fn new_space(&mut self, body: Option<&Value>, creator: Option<String>) -> String {
        let id = self.ids.id();
        let mut fields = Map::new();
        fields.insert("name".into(), json!("Unnamed space"));
        fields.insert("description".into(), json!(""));
        fields.insert("organizationName".into(), json!(""));
        fields.insert("tags".into(), json!([]));
        fields.insert("advertisedInMarketplace".into(), json!(false));
        fields.insert("marketplaceContactEmail".into(), json!(""));
        merge_space_fields(&mut fields, body);
        let users: BTreeSet<String> = creator.iter().cloned().collect();
        self.spaces.insert(
            id.clone(),
            Space {
                id: id.clone(),
                fields,
                owners: users.clone(),
                users,
                groups: BTreeSet::new(),
                support: BTreeMap::new(),
                creator,
                creation_time: now(),
            },
        );
        id
    }

    fn need_user(&self, uid: &str) -> Result<(), ApiError> {
        if self.users.contains_key(uid) {
            Ok(())
        } else {
            Err(ApiError::not_found(&format!("user {uid}")))
        }
    }

    fn group_mut(&mut self, gid: &str) -> Result<&mut Group, ApiError> {
        self.groups
            .get_mut(gid)
            .ok_or_else(|| ApiError::not_found(&format!("group {gid}")))
    }

    fn space_mut(&mut self, sid: &str) -> Result<&mut Space, ApiError> {
        self.spaces
            .get_mut(sid)
            .ok_or_else(|| ApiError::not_found(&format!("space {sid}")))
    }

    fn remove_user(&mut self, uid: &str) {
        self.users.remove(uid);
        for g in self.groups.values_mut() {
            g.users.remove(uid);
        }
        for s in self.spaces.values_mut() {
            s.users.remove(uid);
            s.owners.remove(uid);
        }
        self.tokens
            .retain(|t| t.subject != Subject::User(uid.to_owned()));
    }

    fn remove_group(&mut self, gid: &str) {
        self.groups.remove(gid);
        for g in self.groups.values_mut() {
            g.children.remove(gid);
        }
        for s in self.spaces.values_mut() {
            s.groups.remove(gid);
        }
    }

    fn named_token(&self, tid: &str) -> Result<&Token, ApiError> {
        self.tokens
            .iter()
            .find(|t| t.id == tid && t.name.is_some())
            .ok_or_else(|| ApiError::not_found(&format!("named token {tid}")))
    }

    fn create_named(&mut self, subject: Subject, call: &Call) -> Result<Option<Reply>, ApiError> {
        let name = call.str_field("name").unwrap_or_default();
        if self
            .tokens
            .iter()
            .any(|t| t.subject == subject && t.name.as_deref() == Some(&name))
        {
            return Err(
                ApiError::new(409, "alreadyExists", "The resource already exists.")
                    .details(json!({"key": "name"})),
            );
        }
        let kind = kind_from(call.body);
        let t = self.issue(subject, kind, Some(name), call.body);
        Ok(Some(Reply::Located(
            201,
            format!("/tokens/named/{}", enc(&t.id)),
            Some(json!({"tokenId": t.id, "token": t.serialized})),
        )))
    }

    fn named_of(&self, subject: &Subject) -> Vec<String> {
        self.tokens
            .iter()
            .filter(|t| &t.subject == subject && t.name.is_some())
            .map(|t| t.id.clone())
            .collect()
    }

    fn named_by_name(&self, subject: &Subject, name: &str) -> Result<Option<Reply>, ApiError> {
        let t = self
            .tokens
            .iter()
            .find(|t| &t.subject == subject && t.name.as_deref() == Some(name))
            .ok_or_else(|| ApiError::not_found(&format!("named token {name:?}")))?;
        json200(Self::named_token_json(t))
    }

    fn verify(
        &self,
        call: &Call,
        accept: impl Fn(&Kind) -> bool,
    ) -> Result<Option<Reply>, ApiError> {
        let text = call.str_field("token").unwrap_or_default();
        let t = self
            .tokens
            .iter()
            .find(|t| t.serialized == text && !t.revoked)
            .ok_or_else(|| bad_token("the token is not recognized", json!({"id": "badToken"})))?;
        if !accept(&t.kind) {
            return Err(bad_token(
                "wrong token type",
                json!({"id": "notAnAccessToken"}),
            ));
        }
        if let Some(expected) = call.str_field("expectedInviteType") {
            if t.kind.invite_type() != Some(expected.as_str()) {
                return Err(bad_token(
                    "wrong invite type",
                    json!({"id": "inviteTokenTypeMismatch", "details": {"expected": expected}}),
                ));
            }
        }
        json200(json!({"subject": t.subject.json(), "ttl": 3600}))
    }

    // ----- what groups and spaces share -----

    fn joinable_json(&self, j: Joinable, id: &str) -> Result<Value, ApiError> {
        match j {
            Joinable::Group => self.group_json(id),
            Joinable::Space => self.space_json(id),
        }
    }

    fn direct_users_mut(
        &mut self,
        j: Joinable,
        id: &str,
    ) -> Result<&mut BTreeSet<String>, ApiError> {
        match j {
            Joinable::Group => Ok(&mut self.group_mut(id)?.users),
            Joinable::Space => Ok(&mut self.space_mut(id)?.users),
        }
    }

    /// The users of a group or space: direct, or also through its groups.
    fn users_of(
        &mut self,
        j: Joinable,
        id: &str,
        effective: bool,
    ) -> Result<BTreeSet<String>, ApiError> {
        Ok(match (j, effective) {
            (_, false) => self.direct_users_mut(j, id)?.clone(),
            (Joinable::Group, true) => self.group_effective_users(id),
            (Joinable::Space, true) => self.space_effective_users(id),
        })
    }

    /// The groups or spaces a user belongs to: directly, or also through
    /// groups.
    fn of_user(&self, j: Joinable, uid: &str, effective: bool) -> BTreeSet<String> {
        match (j, effective) {
            (Joinable::Group, false) => self.user_groups(uid),
            (Joinable::Group, true) => self.user_effective_groups(uid),
            (Joinable::Space, false) => self.user_spaces(uid),
            (Joinable::Space, true) => self.user_effective_spaces(uid),
        }
    }

    /// `listUserGroups`, `listEffectiveUserGroups`, `listUserSpaces`,
    /// `listEffectiveUserSpaces`.
    fn list_of_current_user(
        &self,
        j: Joinable,
        call: &Call,
        effective: bool,
    ) -> Result<Option<Reply>, ApiError> {
        let ids = self.of_user(j, &call.user()?, effective);
        json200(Self::ids_json(j.plural(), ids))
    }

    /// `getUserGroup`, `getUserEffectiveGroup`, `getUserSpace`,
    /// `getEffectiveUserSpace`.
    fn get_of_current_user(
        &self,
        j: Joinable,
        call: &Call,
        effective: bool,
    ) -> Result<Option<Reply>, ApiError> {
        let uid = call.user()?;
        let id = call.p(j.param());
        if !self.of_user(j, &uid, effective).contains(&id) {
            return Err(not_of_current_user(j, &id));
        }
        json200(self.joinable_json(j, &id)?)
    }

    /// `leaveGroup`, `leaveSpace`.
    fn leave(&mut self, j: Joinable, call: &Call) -> Result<Option<Reply>, ApiError> {
        let uid = call.user()?;
        let id = call.p(j.param());
        if !self.direct_users_mut(j, &id)?.remove(&uid) {
            return Err(not_of_current_user(j, &id));
        }
        ok204()
    }

    /// `joinGroup`, `joinSpace`: the current user joins with an invite token
    /// whose type is one of `accepted`.
    fn join(
        &mut self,
        j: Joinable,
        call: &Call,
        accepted: &[&str],
    ) -> Result<Option<Reply>, ApiError> {
        let uid = call.user()?;
        let id = self.redeem(call, accepted)?;
        self.direct_users_mut(j, &id)
            .map_err(|_| {
                bad_token(
                    &format!("the {} no longer exists", j.noun()),
                    json!({"id": "inviteTokenTargetIdInvalid"}),
                )
            })?
            .insert(uid);
        created(j.location(&id, true))
    }

    /// An invite token of the current user to the group or space `{id}`.
    fn invite_to(
        &mut self,
        j: Joinable,
        invite_type: &str,
        call: &Call,
    ) -> Result<Option<Reply>, ApiError> {
        json200(self.invite(&call.user()?, invite_type, j.invite_key(), &call.p("id")))
    }

    /// `getGroupUser`, `getEffectiveGroupUser`, `getSpaceUser`,
    /// `getEffectiveSpaceUser`.
    fn get_user_of(
        &mut self,
        j: Joinable,
        call: &Call,
        effective: bool,
    ) -> Result<Option<Reply>, ApiError> {
        let (id, uid) = (call.p("id"), call.p("uid"));
        if !self.users_of(j, &id, effective)?.contains(&uid) {
            return Err(ApiError::not_found(&format!(
                "user {uid} of {} {id}",
                j.noun()
            )));
        }
        json200(self.user_json(&uid)?)
    }

    /// Acts on a request if its operation is one with real state. `Ok(None)`
    /// leaves the answer to the catalogue.
    pub(crate) fn handle(&mut self, call: &Call) -> Result<Option<Reply>, ApiError> {
        let op = call.route.op;
        // Whether the operation is about effective membership (direct or
        // through groups) rather than direct membership only.
        let effective = op.name.contains("Effective");
        match op.name {
            "getConfiguration" => json200(json!({
                "name": "fake-onezone",
                "domain": call.domain,
                "version": call.release,
                "build": "fake",
                "subdomainDelegationSupported": false,
                "compatibleOneproviderVersions": [call.release],
                "compatibilityRegistryRevision": 1,
                "supportedIdPs": [],
                "availableSpaceTags": {},
            })),

            // ----- users -----
            "getCurrentUser" => json200(self.user_protected_json(&call.user()?)?),
            "getUser" => json200(self.user_protected_json(&call.p("id"))?),
            "modifyCurrentUser" => {
                let uid = call.user()?;
                let (full, name) = (call.str_field("fullName"), call.str_field("username"));
                if let Some(u) = self.users.get_mut(&uid) {
                    if let Some(f) = full {
                        u.full_name = f;
                    }
                    if let Some(n) = name {
                        u.username = n;
                    }
                }
                ok204()
            }
            "ozUsersList" => json200(Self::ids_json("users", self.users.keys().cloned())),
            "createUser" => {
                let id = self.ids.id();
                let username = call
                    .str_field("username")
                    .unwrap_or_else(|| format!("user-{}", id.get(..8).unwrap_or(&id)));
                self.users.insert(
                    id.clone(),
                    User {
                        id: id.clone(),
                        full_name: call
                            .str_field("fullName")
                            .unwrap_or_else(|| username.clone()),
                        username,
                        password: call.str_field("password"),
                        admin: false,
                        creation_time: now(),
                    },
                );
                created(format!("/users/{}", enc(&id)))
            }
            "removeUser" => {
                self.remove_user(&call.p("id"));
                ok204()
            }
            "removeCurrentUser" => {
                self.remove_user(&call.user()?);
                ok204()
            }

            // ----- groups -----
            "createGroup" | "createUserGroup" => {
                let name = call
                    .str_field("name")
                    .unwrap_or_else(|| "Unnamed group".into());
                let gid = self.new_group(name, call.str_field("type"), call.user().ok());
                created(Joinable::Group.location(&gid, op.name == "createUserGroup"))
            }
            "getGroup" => json200(self.group_json(&call.p("id"))?),
            "modifyGroup" => {
                let (name, kind) = (call.str_field("name"), call.str_field("type"));
                let g = self.group_mut(&call.p("id"))?;
                if let Some(n) = name {
                    g.name = n;
                }
                if let Some(k) = kind {
                    g.kind = k;
                }
                ok204()
            }
            "removeGroup" => {
                self.remove_group(&call.p("id"));
                ok204()
            }
            "listGroups" => json200(Self::ids_json("groups", self.groups.keys().cloned())),
            "listUserGroups" | "listEffectiveUserGroups" => {
                self.list_of_current_user(Joinable::Group, call, effective)
            }
            "getUserGroup" | "getUserEffectiveGroup" => {
                self.get_of_current_user(Joinable::Group, call, effective)
            }
            "leaveGroup" => self.leave(Joinable::Group, call),
            // Lenient on purpose: real Onezone 21.02 wants a userJoinGroup
            // invite here, but the session this project documents (and old
            // scripts) join with the token of createChildGroupToken, a
            // groupJoinGroup invite; the fake lets the user join with it.
            "joinGroup" => self.join(Joinable::Group, call, &["userJoinGroup", "groupJoinGroup"]),
            "createUserGroupInviteToken" => self.invite_to(Joinable::Group, "userJoinGroup", call),
            "createChildGroupToken" => self.invite_to(Joinable::Group, "groupJoinGroup", call),
            "listGroupUsers" | "listEffectiveGroupUsers" => {
                let users = self.users_of(Joinable::Group, &call.p("id"), effective)?;
                json200(Self::ids_json("users", users))
            }
            "getGroupUser" | "getEffectiveGroupUser" => {
                self.get_user_of(Joinable::Group, call, effective)
            }
            "addGroupUser" => {
                let (gid, uid) = (call.p("id"), call.p("uid"));
                self.need_user(&uid)?;
                self.group_mut(&gid)?.users.insert(uid.clone());
                created(format!("/groups/{}/users/{}", enc(&gid), enc(&uid)))
            }
            "removeGroupUser" => {
                let (gid, uid) = (call.p("id"), call.p("uid"));
                if !self.group_mut(&gid)?.users.remove(&uid) {
                    return Err(ApiError::not_found(&format!("user {uid} of group {gid}")));
                }
                ok204()
            }
            "listChildGroups" => {
                let c = self.group_mut(&call.p("id"))?.children.clone();
                json200(Self::ids_json("groups", c))
            }
            "getEffectiveChildrenGroups" => {
                json200(Self::ids_json("groups", self.descendants(&call.p("id"))))
            }
            "listParentGroups" => json200(Self::ids_json("groups", self.parents_of(&call.p("id")))),
            "listEffectiveParentGroups" => {
                json200(Self::ids_json("groups", self.ancestors(&call.p("id"))))
            }
            "getChildGroup"
            | "getEffectiveChildGroup"
            | "getParentGroup"
            | "getEffectiveParentGroup" => {
                let gid = call.p("id");
                let (other, set) = match op.name {
                    "getChildGroup" => (call.p("cid"), self.group_mut(&gid)?.children.clone()),
                    "getEffectiveChildGroup" => (call.p("cid"), self.descendants(&gid)),
                    "getParentGroup" => (call.p("pid"), self.parents_of(&gid)),
                    _ => (call.p("pid"), self.ancestors(&gid)),
                };
                if !set.contains(&other) {
                    return Err(ApiError::not_found(&format!(
                        "group {other} related to group {gid}"
                    )));
                }
                json200(self.group_json(&other)?)
            }
            "createChildGroup" => {
                let gid = call.p("id");
                let creator = call.user().ok();
                let name = call
                    .str_field("name")
                    .unwrap_or_else(|| "Unnamed group".into());
                let cid = self.new_group(name, call.str_field("type"), creator);
                self.group_mut(&gid)?.children.insert(cid.clone());
                created(format!("/groups/{}/children/{}", enc(&gid), enc(&cid)))
            }
            "addChildGroup" => {
                let (gid, cid) = (call.p("id"), call.p("cid"));
                self.group_mut(&cid)?;
                if gid == cid || self.ancestors(&gid).contains(&cid) {
                    return Err(ApiError::new(
                        400,
                        "badValueIdentifier",
                        "A group cannot be its own ancestor.",
                    )
                    .details(json!({"key": "cid"})));
                }
                self.group_mut(&gid)?.children.insert(cid.clone());
                created(format!("/groups/{}/children/{}", enc(&gid), enc(&cid)))
            }
            "removeChildGroup" => {
                let (gid, cid) = (call.p("id"), call.p("cid"));
                if !self.group_mut(&gid)?.children.remove(&cid) {
                    return Err(ApiError::not_found(&format!(
                        "child group {cid} of group {gid}"
                    )));
                }
                ok204()
            }
            "joinParentGroup" => {
                let gid = call.p("id");
                let parent = self.redeem(call, &["groupJoinGroup"])?;
                if parent == gid {
                    return Err(ApiError::new(
                        400,
                        "badValueIdentifier",
                        "A group cannot join itself.",
                    )
                    .details(json!({"key": "token"})));
                }
                if self.descendants(&gid).contains(&parent) {
                    return Err(ApiError::new(
                        400,
                        "badValueIdentifier",
                        "A group cannot join its descendant.",
                    )
                    .details(json!({"key": "token"})));
                }
                self.group_mut(&parent)
                    .map_err(|_| {
                        bad_token(
                            "the group no longer exists",
                            json!({"id": "inviteTokenTargetIdInvalid"}),
                        )
                    })?
                    .children
                    .insert(gid.clone());
                created(format!("/groups/{}/parents/{}", enc(&gid), enc(&parent)))
            }
            "leaveParentGroup" => {
                let (gid, pid) = (call.p("id"), call.p("pid"));
                if !self.group_mut(&pid)?.children.remove(&gid) {
                    return Err(ApiError::not_found(&format!(
                        "parent group {pid} of group {gid}"
                    )));
                }
                ok204()
            }
            "listGroupSpaces" => {
                json200(Self::ids_json("spaces", self.group_spaces(&call.p("id"))))
            }
            "listEffectiveGroupSpaces" => json200(Self::ids_json(
                "spaces",
                self.group_effective_spaces(&call.p("id")),
            )),
            "getGroupSpace" | "getEffectiveGroupSpace" => {
                let (gid, sid) = (call.p("id"), call.p("sid"));
                let set = if op.name == "getGroupSpace" {
                    self.group_spaces(&gid)
                } else {
                    self.group_effective_spaces(&gid)
                };
                if !set.contains(&sid) {
                    return Err(ApiError::not_found(&format!("space {sid} of group {gid}")));
                }
                json200(self.space_json(&sid)?)
            }
            "groupJoinSpace" => {
                let gid = call.p("id");
                let sid = self.redeem(call, &["groupJoinSpace"])?;
                self.space_mut(&sid)
                    .map_err(|_| {
                        bad_token(
                            "the space no longer exists",
                            json!({"id": "inviteTokenTargetIdInvalid"}),
                        )
                    })?
                    .groups
                    .insert(gid.clone());
                created(format!("/groups/{}/spaces/{}", enc(&gid), enc(&sid)))
            }
            "createSpaceForGroup" => {
                let gid = call.p("id");
                let sid = self.new_space(call.body, call.user().ok());
                self.space_mut(&sid)?.groups.insert(gid);
                // The spec says 204 with a Location header.
                Ok(Some(Reply::Located(
                    204,
                    format!("/spaces/{}", enc(&sid)),
                    None,
                )))
            }
            "removeGroupFromSpace" => {
                let (gid, sid) = (call.p("id"), call.p("sid"));
                if !self.space_mut(&sid)?.groups.remove(&gid) {
                    return Err(ApiError::not_found(&format!("space {sid} of group {gid}")));
                }
                ok204()
            }

            // ----- spaces -----
            "createSpace" | "createUserSpace" => {
                let sid = self.new_space(call.body, call.user().ok());
                created(Joinable::Space.location(&sid, op.name == "createUserSpace"))
            }
            "getSpace" => json200(self.space_json(&call.p("id"))?),
            "modifySpace" => {
                let s = self.space_mut(&call.p("id"))?;
                merge_space_fields(&mut s.fields, call.body);
                ok204()
            }
            "removeSpace" => {
                self.spaces.remove(&call.p("id"));
                ok204()
            }
            "listSpaces" => json200(Self::ids_json("spaces", self.spaces.keys().cloned())),
            "listUserSpaces" | "listEffectiveUserSpaces" => {
                self.list_of_current_user(Joinable::Space, call, effective)
            }
            "getUserSpace" | "getEffectiveUserSpace" => {
                self.get_of_current_user(Joinable::Space, call, effective)
            }
            "leaveSpace" => self.leave(Joinable::Space, call),
            "joinSpace" => self.join(Joinable::Space, call, &["userJoinSpace"]),
            "createSpaceUserInviteToken" => self.invite_to(Joinable::Space, "userJoinSpace", call),
            "createSpaceGroupToken" => self.invite_to(Joinable::Space, "groupJoinSpace", call),
            "createSpaceSupportToken" => self.invite_to(Joinable::Space, "supportSpace", call),
            "listSpaceUsers" | "listEffectiveSpaceUsers" => {
                let users = self.users_of(Joinable::Space, &call.p("id"), effective)?;
                json200(Self::ids_json("users", users))
            }
            "listSpaceOwners" => {
                let owners = self.space_mut(&call.p("id"))?.owners.clone();
                json200(Self::ids_json("users", owners))
            }
            "getSpaceUser" | "getEffectiveSpaceUser" => {
                self.get_user_of(Joinable::Space, call, effective)
            }
            "addSpaceUser" | "addSpaceOwner" => {
                let (sid, uid) = (call.p("id"), call.p("uid"));
                self.need_user(&uid)?;
                let s = self.space_mut(&sid)?;
                s.users.insert(uid.clone());
                if op.name == "addSpaceOwner" {
                    s.owners.insert(uid);
                }
                ok204()
            }
            "removeSpaceUser" | "removeSpaceOwner" => {
                let (sid, uid) = (call.p("id"), call.p("uid"));
                let s = self.space_mut(&sid)?;
                let was = if op.name == "removeSpaceUser" {
                    s.owners.remove(&uid);
                    s.users.remove(&uid)
                } else {
                    s.owners.remove(&uid)
                };
                if !was {
                    return Err(ApiError::not_found(&format!("user {uid} of space {sid}")));
                }
                ok204()
            }
            "listSpaceGroups" => {
                let groups = self.space_mut(&call.p("id"))?.groups.clone();
                json200(Self::ids_json("groups", groups))
            }
            "listEffectiveSpaceGroups" => json200(Self::ids_json(
                "groups",
                self.space_effective_groups(&call.p("id")),
            )),
            "getSpaceGroup" | "getEffectiveSpaceGroup" => {
                let (sid, gid) = (call.p("id"), call.p("gid"));
                let set = if op.name == "getSpaceGroup" {
                    self.space_mut(&sid)?.groups.clone()
                } else {
                    self.space_effective_groups(&sid)
                };
                if !set.contains(&gid) {
                    return Err(ApiError::not_found(&format!("group {gid} of space {sid}")));
                }
                json200(self.group_json(&gid)?)
            }
            "addGroupToSpace" => {
                let (sid, gid) = (call.p("id"), call.p("gid"));
                self.group_mut(&gid)?;
                self.space_mut(&sid)?.groups.insert(gid);
                ok204()
            }
            "removeSpaceGroup" => {
                let (sid, gid) = (call.p("id"), call.p("gid"));
                if !self.space_mut(&sid)?.groups.remove(&gid) {
                    return Err(ApiError::not_found(&format!("group {gid} of space {sid}")));
                }
                ok204()
            }
            "createSpaceGroup" => {
                let sid = call.p("id");
                let name = call
                    .str_field("name")
                    .unwrap_or_else(|| "Unnamed group".into());
                let gid = self.new_group(name, call.str_field("type"), call.user().ok());
                self.space_mut(&sid)?.groups.insert(gid.clone());
                created(format!("/spaces/{}/groups/{}", enc(&sid), enc(&gid)))
            }
            "listSpaceProviders" => {
                let support = &self.space_mut(&call.p("id"))?.support;
                json200(Self::ids_json("providers", support.keys().cloned()))
            }

            // ----- tokens -----
            "examineToken" => {
                let text = call.str_field("token").unwrap_or_default();
                let t = self
                    .tokens
                    .iter()
                    .find(|t| t.serialized == text)
                    .ok_or_else(|| {
                        bad_token("the token is not recognized", json!({"id": "badToken"}))
                    })?;
                json200(json!({
                    "onezoneDomain": call.domain,
                    "id": t.id,
                    "persistence": if t.name.is_some() { "named" } else { "temporary" },
                    "subject": t.subject.json(),
                    "type": t.kind.json(),
                    "caveats": t.caveats,
                }))
            }
            "verifyAccessToken" => self.verify(call, |k| *k == Kind::Access),
            "verifyIdentityToken" => {
                self.verify(call, |k| matches!(k, Kind::Access | Kind::Identity))
            }
            "verifyInviteToken" => self.verify(call, |k| matches!(k, Kind::Invite(_))),
            "createTemporaryTokenForCurrentUser" | "createTemporaryTokenForUser" => {
                let uid = if op.name == "createTemporaryTokenForUser" {
                    call.p("id")
                } else {
                    call.user()?
                };
                let t = self.issue(Subject::User(uid), kind_from(call.body), None, call.body);
                Ok(Some(Reply::Json(201, json!({"token": t.serialized}))))
            }
            "createTemporaryTokenForCurrentProvider" | "createTemporaryTokenForProvider" => {
                let pid = if op.name == "createTemporaryTokenForProvider" {
                    call.p("id")
                } else {
                    call.provider()?
                };
                let t = self.issue(
                    Subject::Provider(pid),
                    kind_from(call.body),
                    None,
                    call.body,
                );
                Ok(Some(Reply::Json(201, json!({"token": t.serialized}))))
            }
            "createNamedTokenForCurrentUser" => {
                self.create_named(Subject::User(call.user()?), call)
            }
            "createNamedTokenForUser" => self.create_named(Subject::User(call.p("id")), call),
            "createNamedTokenForCurrentProvider" => {
                self.create_named(Subject::Provider(call.provider()?), call)
            }
            "createNamedTokenForProvider" => {
                self.create_named(Subject::Provider(call.p("id")), call)
            }
            "listNamedTokensOfCurrentUser" => json200(Self::ids_json(
                "tokens",
                self.named_of(&Subject::User(call.user()?)),
            )),
            "listNamedTokensOfUser" => json200(Self::ids_json(
                "tokens",
                self.named_of(&Subject::User(call.p("id"))),
            )),
            "listNamedTokensOfCurrentProvider" => json200(Self::ids_json(
                "tokens",
                self.named_of(&Subject::Provider(call.provider()?)),
            )),
            "listNamedTokensOfProvider" => json200(Self::ids_json(
                "tokens",
                self.named_of(&Subject::Provider(call.p("id"))),
            )),
            "listAllNamedTokens" => json200(Self::ids_json(
                "tokens",
                self.tokens
                    .iter()
                    .filter(|t| t.name.is_some())
                    .map(|t| t.id.clone()),
            )),
            "getNamedToken" => json200(Self::named_token_json(self.named_token(&call.p("id"))?)),
            "getNamedTokenStatus" => {
                json200(json!({"revoked": self.named_token(&call.p("id"))?.revoked}))
            }
            "getNamedTokenOfCurrentUserByName" => {
                self.named_by_name(&Subject::User(call.user()?), &call.p("name"))
            }
            "getNamedTokenOfUserByName" => {
                self.named_by_name(&Subject::User(call.p("id")), &call.p("name"))
            }
            "getNamedTokenOfCurrentProviderByName" => {
                self.named_by_name(&Subject::Provider(call.provider()?), &call.p("name"))
            }
            "getNamedTokenOfProviderByName" => {
                self.named_by_name(&Subject::Provider(call.p("id")), &call.p("name"))
            }
            "modifyNamedToken" => {
                let tid = call.p("id");
                self.named_token(&tid)?;
                let body = call.body.cloned().unwrap_or(Value::Null);
                if let Some(t) = self.tokens.iter_mut().find(|t| t.id == tid) {
                    if let Some(n) = body.get("name").and_then(Value::as_str) {
                        t.name = Some(n.to_owned());
                    }
                    if let Some(r) = body.get("revoked").and_then(Value::as_bool) {
                        t.revoked = r;
                    }
                    if let Some(c) = body.get("customMetadata") {
                        t.custom = c.clone();
                    }
                }
                ok204()
            }
            "deleteNamedToken" => {
                let tid = call.p("id");
                self.tokens.retain(|t| t.id != tid);
                ok204()
            }
            "deleteNamedTokensOfCurrentUser" | "deleteNamedTokensOfUser" => {
                let uid = if op.name == "deleteNamedTokensOfUser" {
                    call.p("id")
                } else {
                    call.user()?
                };
                let s = Subject::User(uid);
                self.tokens
                    .retain(|t| !(t.subject == s && t.name.is_some()));
                ok204()
            }
            "revokeAllTemporaryTokensOfCurrentUser" | "revokeAllTemporaryTokensOfUser" => {
                let uid = if op.name == "revokeAllTemporaryTokensOfUser" {
                    call.p("id")
                } else {
                    call.user()?
                };
                let s = Subject::User(uid);
                // The tokens given in the configuration stay usable.
                for t in self.tokens.iter_mut() {
                    if t.subject == s && t.name.is_none() && !t.client && !t.configured {
                        t.revoked = true;
                    }
                }
                ok204()
            }
            "createClientToken" => {
                let uid = call.user()?;
                let t = self.issue(Subject::User(uid), Kind::Access, None, None);
                if let Some(x) = self.tokens.iter_mut().find(|x| x.id == t.id) {
                    x.client = true;
                }
                json200(json!({"token": t.serialized}))
            }
            "listClientTokens" => {
                let s = Subject::User(call.user()?);
                json200(Self::ids_json(
                    "tokens",
                    self.tokens
                        .iter()
                        .filter(|t| t.client && t.subject == s)
                        .map(|t| t.id.clone()),
                ))
            }
            "removeClientToken" => {
                let tid = call.p("tid");
                let before = self.tokens.len();
                self.tokens
                    .retain(|t| !(t.client && (t.id == tid || t.serialized == tid)));
                if before == self.tokens.len() {
                    return Err(ApiError::not_found(&format!("client token {tid}")));
                }
                ok204()
            }

            // ----- provider registration -----
            "createProviderRegistrationTokenForCurrentUser" => {
                let uid = call.user()?;
                json200(self.invite(&uid, "registerOneprovider", "adminUserId", &uid))
            }
            "createProviderRegistrationTokenForUser" => {
                let uid = call.p("id");
                json200(self.invite(&uid, "registerOneprovider", "adminUserId", &uid))
            }
            "registerProvider" => {
                let admin = self.redeem(call, &["registerOneprovider"])?;
                let text = call.str_field("token").unwrap_or_default();
                self.tokens.retain(|t| t.serialized != text);
                let id = self.ids.id();
                let body = call.body.cloned().unwrap_or(Value::Null);
                let name = call.str_field("name").unwrap_or_else(|| "provider".into());
                let domain = call
                    .str_field("domain")
                    .or_else(|| {
                        call.str_field("subdomain")
                            .map(|s| format!("{s}.{}", call.domain))
                    })
                    .unwrap_or_else(|| format!("{}.{}", id.get(..8).unwrap_or("p"), call.domain));
                self.providers.insert(
                    id.clone(),
                    Provider {
                        id: id.clone(),
                        name,
                        domain,
                        latitude: body.get("latitude").and_then(Value::as_f64).unwrap_or(0.0),
                        longitude: body.get("longitude").and_then(Value::as_f64).unwrap_or(0.0),
                        admin: admin.clone(),
                        creation_time: now(),
                    },
                );
                let root = self.issue(Subject::Provider(id.clone()), Kind::Access, None, None);
                json200(
                    json!({"providerId": id, "providerRootToken": root.serialized, "adminUserId": admin}),
                )
            }
            "ozProvidersList" => {
                json200(Self::ids_json("providers", self.providers.keys().cloned()))
            }
            "getProviderDetails" => json200(self.provider_json(&call.p("id"))?),
            "getCurrentProviderDetails" => json200(self.provider_json(&call.provider()?)?),
            "removeProvider" | "unregisterProvider" => {
                let pid = if op.name == "removeProvider" {
                    call.p("id")
                } else {
                    call.provider()?
                };
                self.providers.remove(&pid);
                for s in self.spaces.values_mut() {
                    s.support.remove(&pid);
                }
                self.tokens
                    .retain(|t| t.subject != Subject::Provider(pid.clone()));
                ok204()
            }
            "listProviderSupportedSpaces" | "listCurrentProviderSupportedSpaces" => {
                let pid = if op.name == "listProviderSupportedSpaces" {
                    call.p("id")
                } else {
                    call.provider()?
                };
                json200(Self::ids_json(
                    "spaces",
                    self.space_ids(|s| s.support.contains_key(&pid)),
                ))
            }
            _ => Ok(None),
        }
    }
}

/// The token type a create-token body asks for (access by default).
fn kind_from(body: Option<&Value>) -> Kind {
    let ty = body.and_then(|b| b.get("type"));
    if let Some(Value::Object(invite)) = ty.and_then(|t| t.get("inviteToken")) {
        Kind::Invite(invite.clone())
    } else if ty.and_then(|t| t.get("identityToken")).is_some() {
        Kind::Identity
    } else {
        Kind::Access
    }
}

/// Copies the space fields a create or modify body carries.
fn merge_space_fields(fields: &mut Map<String, Value>, body: Option<&Value>) {
    const KEYS: &[&str] = &[
        "name",
        "description",
        "organizationName",
        "tags",
        "advertisedInMarketplace",
        "marketplaceContactEmail",
    ];
    if let Some(Value::Object(b)) = body {
        for k in KEYS {
            if let Some(v) = b.get(*k) {
                fields.insert((*k).to_owned(), v.clone());
            }
        }
    }
}
