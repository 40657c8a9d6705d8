//! Resources made on a fresh fake so that every path parameter of every
//! catalogue operation can name something real, and the values, credentials
//! and bodies that make each operation succeed there. Shared by the fake's
//! routing test and the client's call tests, which must agree on it.
//! [`ProviderSpace`] makes a space that the fake's provider supports.

use crate::probe::{encode, req, Conn, Req, Resp};
use crate::{
    sample_body, FakeZone, ADMIN_ID, ADMIN_TOKEN, ONEPANEL_PASSPHRASE, ONEPANEL_USER, STORAGE_ID,
};
use onedata_catalogue::builtin::{ONEPANEL, ONEPROVIDER};
use onedata_catalogue::{Catalogue, Operation};
use serde_json::{json, Value};

/// What [`World::new`] made: ids of real resources, and tokens that are
/// valid for joining them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    /// The release the zone serves (bodies are shaped for it).
    pub catalogue: Catalogue,
    pub space: String,
    /// A group, member of `space` and child of `parent`.
    pub group: String,
    /// A child group of `group`.
    pub child: String,
    pub parent: String,
    /// A registered provider, and its root token.
    pub provider: String,
    pub provider_token: String,
    /// The admin's named token `nt` (the provider has one of that name too).
    pub named: String,
    pub client: String,
    pub user_group_invite: String,
    pub group_group_invite: String,
    pub user_space_invite: String,
    pub group_space_invite: String,
    pub registration: String,
}

impl World {
    /// Makes the resources on `zone`, as the admin, over one connection.
    /// `Err` names the request that failed and its answer.
    pub fn new(zone: &FakeZone) -> Result<World, String> {
        let mut conn = Conn::connect(zone.port()).map_err(|e| format!("connect: {e}"))?;
        let c = &mut conn;
        let space = created(c, req("POST", "/spaces").json(&json!({"name": "s"})))?;
        let group = created(c, req("POST", "/groups").json(&json!({"name": "g"})))?;
        let child = created(
            c,
            req("POST", &format!("/groups/{group}/children")).json(&json!({"name": "c"})),
        )?;
        let parent = created(c, req("POST", "/groups").json(&json!({"name": "pg"})))?;
        created(c, req("PUT", &format!("/groups/{parent}/children/{group}")))?;
        expect(
            c,
            req("PUT", &format!("/spaces/{space}/groups/{group}")).admin(),
            204,
        )?;
        let reg = token(c, "/user/clusters/provider_registration_token")?;
        let r = expect(
            c,
            req("POST", "/providers").json(&json!({
                "token": reg, "name": "p", "adminEmail": "a@example.com",
                "subdomainDelegation": false,
            })),
            200,
        )?;
        let provider = string(&r, "providerId")?;
        let provider_token = string(&r, "providerRootToken")?;
        let named = created(
            c,
            req("POST", "/user/tokens/named").json(&json!({"name": "nt"})),
        )?;
        expect(
            c,
            req("POST", "/provider/tokens/named")
                .token(&provider_token)
                .json(&json!({"name": "nt"})),
            201,
        )?;
        Ok(World {
            catalogue: zone.catalogue(),
            client: token(c, "/user/client_tokens")?,
            user_group_invite: token(c, &format!("/groups/{group}/users/token"))?,
            group_group_invite: token(c, &format!("/groups/{parent}/children/token"))?,
            user_space_invite: token(c, &format!("/spaces/{space}/users/token"))?,
            group_space_invite: token(c, &format!("/spaces/{space}/groups/token"))?,
            registration: token(c, "/user/clusters/provider_registration_token")?,
            space,
            group,
            child,
            parent,
            provider,
            provider_token,
            named,
        })
    }

    /// The value of the path parameter `name` at segment `index` of
    /// `template`, chosen by the literal segment before it; `x1` where
    /// nothing real is needed.
    pub fn param_value(&self, template: &str, index: usize, name: &str) -> String {
        if name == "subpath" {
            return "dir/file name.txt".into();
        }
        let segs: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        let prev = index
            .checked_sub(1)
            .and_then(|i| segs.get(i))
            .copied()
            .unwrap_or("");
        match prev {
            "spaces" | "effective_spaces" => self.space.clone(),
            "groups" | "effective_groups" => self.group.clone(),
            "children" | "effective_children" => self.child.clone(),
            "parents" | "effective_parents" => self.parent.clone(),
            "users" | "effective_users" | "owners" => ADMIN_ID.into(),
            "providers" | "effective_providers" => self.provider.clone(),
            "named" => self.named.clone(),
            "name" => "nt".into(),
            "client_tokens" => self.client.clone(),
            _ => "x1".into(),
        }
    }

    /// `template` with every parameter filled in by
    /// [`World::param_value`] and percent-encoded (a `subpath` keeps its
    /// slashes): the path below the base path.
    pub fn path(&self, template: &str) -> String {
        let segs: Vec<String> = template
            .trim_start_matches('/')
            .split('/')
            .enumerate()
            .map(
                |(i, seg)| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        let v = self.param_value(template, i, name);
                        v.split('/').map(encode).collect::<Vec<_>>().join("/")
                    }
                    None => seg.to_owned(),
                },
            )
            .collect();
        format!("/{}", segs.join("/"))
    }

    /// The token an operation on `template` must be sent with: the
    /// provider's own for `/provider…`, the admin's otherwise.
    pub fn credential(&self, template: &str) -> &str {
        if template == "/provider" || template.starts_with("/provider/") {
            &self.provider_token
        } else {
            ADMIN_TOKEN
        }
    }

    /// The sample body of `op` (see [`sample_body`]), if it takes one, with
    /// the token that makes it succeed: an invite or registration token of
    /// this world, or the admin's for `/tokens/…` operations.
    pub fn body(&self, op: &'static Operation) -> Option<Value> {
        let mut body = sample_body(self.catalogue, &op.body.as_ref()?.schema);
        let tok = match op.name {
            "joinGroup" | "verifyInviteToken" => Some(&self.user_group_invite),
            "joinParentGroup" => Some(&self.group_group_invite),
            "joinSpace" => Some(&self.user_space_invite),
            "groupJoinSpace" => Some(&self.group_space_invite),
            "registerProvider" => Some(&self.registration),
            _ => None,
        };
        if let Some(t) = tok {
            body["token"] = json!(t);
        } else if body.get("token").is_some_and(Value::is_string) && op.path.starts_with("/tokens/")
        {
            body["token"] = json!(ADMIN_TOKEN);
        }
        Some(body)
    }
}

/// A space made by the admin and supported by the fake's provider, the
/// way a deployment does it: Onezone createSpace, createSpaceSupportToken,
/// Onepanel supportSpace, then Oneprovider getSpace for its root directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSpace {
    pub space: String,
    /// The support token it was supported with.
    pub support_token: String,
    /// Its root directory's file id (Oneprovider getSpace's `fileId`).
    pub root: String,
}

impl ProviderSpace {
    /// Makes space `name` with `size` bytes of support on `zone`. `Err`
    /// names the request that failed and its answer.
    pub fn new(zone: &FakeZone, name: &str, size: u64) -> Result<ProviderSpace, String> {
        let mut conn = Conn::connect(zone.port()).map_err(|e| format!("connect: {e}"))?;
        let c = &mut conn;
        let space = created(c, req("POST", "/spaces").json(&json!({ "name": name })))?;
        let support_token = token(c, &format!("/spaces/{space}/providers/token"))?;
        expect(
            c,
            req("POST", &format!("{}/provider/spaces", ONEPANEL.base_path))
                .basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
                .json(&json!({"token": support_token, "size": size, "storageId": STORAGE_ID})),
            201,
        )?;
        let r = expect(
            c,
            req("GET", &format!("{}/spaces/{space}", ONEPROVIDER.base_path)).admin(),
            200,
        )?;
        Ok(ProviderSpace {
            root: string(&r, "fileId")?,
            space,
            support_token,
        })
    }
}

/// Sends `r` and wants `status`.
fn expect(conn: &mut Conn, r: Req, status: u16) -> Result<Resp, String> {
    let resp = conn.request(&r)?;
    if resp.status == status {
        Ok(resp)
    } else {
        Err(format!(
            "{} {}: {} {}, expected {status}",
            r.method,
            r.target,
            resp.status,
            resp.text()
        ))
    }
}

/// Sends `r` as the admin and wants a 201 or 204 naming what it made.
fn created(conn: &mut Conn, r: Req) -> Result<String, String> {
    let r = r.admin();
    let resp = conn.request(&r)?;
    match (resp.status, resp.last_location_segment()) {
        (201 | 204, Some(id)) => Ok(id.to_owned()),
        _ => Err(format!("{} {}: {resp:?}", r.method, r.target)),
    }
}

/// A token made by POSTing to `path` as the admin.
fn token(conn: &mut Conn, path: &str) -> Result<String, String> {
    let r = expect(conn, req("POST", path).admin(), 200)?;
    string(&r, "token")
}

/// The string field `field` of a JSON answer.
fn string(r: &Resp, field: &str) -> Result<String, String> {
    serde_json::from_slice::<Value>(&r.body)
        .ok()
        .and_then(|v| v.get(field)?.as_str().map(str::to_owned))
        .ok_or_else(|| format!("no string {field:?} in {}", r.text()))
}
