//! The stateful session, authentication and authorization.

use base64::Engine as _;
use fake_onezone::probe::{req, Conn};
use fake_onezone::{Config, FakeZone, UserConfig, ADMIN_ID, USER_ID, USER_TOKEN};
use onedata_catalogue::validate::validate;
use onedata_catalogue::{Catalogue, Operation};

fn find(name: &str) -> Option<&'static Operation> {
    Catalogue::newest(fake_onezone::SERVICE).find(name)
}
use serde_json::json;

fn schema_ok(op: &str, v: &serde_json::Value) {
    let s = find(op)
        .unwrap()
        .success_responses()
        .next()
        .unwrap()
        .schema
        .as_ref()
        .unwrap();
    let problems = validate(Catalogue::newest(fake_onezone::SERVICE), v, s);
    assert!(problems.is_empty(), "{op}: {v} {problems:?}");
}

#[test]
fn the_session_works_end_to_end() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());

    // createSpace name==demo
    let r = c.send(
        &req("POST", "/spaces")
            .admin()
            .json(&json!({"name": "demo"})),
    );
    assert_eq!(r.status, 201);
    assert!(r.body.is_empty());
    let loc = r.header("location").unwrap().to_owned();
    let space = r.location_id();
    assert_eq!(
        loc,
        format!("http://127.0.0.1/api/v3/onezone/spaces/{space}")
    );

    // createSpaceSupportToken id=$SPACE, and an unknown space
    let r = c.send(&req("POST", &format!("/spaces/{space}/providers/token")).admin());
    assert_eq!(r.status, 200);
    let support = r.json()["token"].as_str().unwrap().to_owned();
    assert!(support.starts_with("MDAx"));
    let r = c.send(&req("POST", "/spaces/nope/providers/token").admin());
    assert_eq!((r.status, r.error_id().as_str()), (404, "notFound"));

    let r = c.send(&req("POST", &format!("/spaces/{space}/users/token")).admin());
    let space_invite = r.json()["token"].as_str().unwrap().to_owned();

    // createGroup name==team, createChildGroupToken
    let r = c.send(
        &req("POST", "/groups")
            .admin()
            .json(&json!({"name": "team"})),
    );
    assert_eq!(r.status, 201);
    let group = r.location_id();
    assert!(r
        .header("location")
        .unwrap()
        .ends_with(&format!("/api/v3/onezone/groups/{group}")));
    let r = c.send(&req("POST", &format!("/groups/{group}/children/token")).admin());
    let child_token = r.json()["token"].as_str().unwrap().to_owned();

    // The documented session joins with the child-group token (the fake is
    // lenient there; see `redeem` in state.rs).
    let r = c.send(
        &req("POST", "/user/groups/join")
            .admin()
            .json(&json!({"token": child_token})),
    );
    assert_eq!(r.status, 201, "{}", r.text());

    // joinGroup with a bogus and a wrong-type token
    for (t, why) in [
        ("bogus", "badToken"),
        (support.as_str(), "inviteTokenTypeMismatch"),
        (fake_onezone::ADMIN_TOKEN, "notAnInviteToken"),
    ] {
        let r = c.send(
            &req("POST", "/user/groups/join")
                .token(USER_TOKEN)
                .json(&json!({"token": t})),
        );
        assert_eq!(
            (r.status, r.error_id().as_str()),
            (400, "badValueToken"),
            "{t}"
        );
        assert_eq!(r.json()["error"]["details"]["key"], "token");
        assert_eq!(r.json()["error"]["details"]["tokenError"]["id"], why);
    }

    // The user joins the group and the space.
    let r = c.send(&req("POST", &format!("/groups/{group}/users/token")).admin());
    let group_invite = r.json()["token"].as_str().unwrap().to_owned();
    let r = c.send(
        &req("POST", "/user/groups/join")
            .token(USER_TOKEN)
            .json(&json!({"token": group_invite})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r
        .header("location")
        .unwrap()
        .ends_with(&format!("/user/groups/{group}")));
    let r = c.send(&req("GET", "/user/groups").token(USER_TOKEN));
    assert_eq!(r.json(), json!({"groups": [group]}));
    let r = c.send(&req("GET", &format!("/user/groups/{group}")).token(USER_TOKEN));
    assert_eq!(r.json()["name"], "team");
    schema_ok("getUserGroup", &r.json());

    let r = c.send(
        &req("POST", "/user/spaces/join")
            .token(USER_TOKEN)
            .json(&json!({"token": space_invite})),
    );
    assert_eq!(r.status, 201);
    assert!(r
        .header("location")
        .unwrap()
        .ends_with(&format!("/user/spaces/{space}")));
    // Joining again is accepted.
    let r = c.send(
        &req("POST", "/user/spaces/join")
            .token(USER_TOKEN)
            .json(&json!({"token": space_invite})),
    );
    assert_eq!(r.status, 201);
    let r = c.send(&req("GET", "/user/spaces").token(USER_TOKEN));
    assert_eq!(r.json(), json!({"spaces": [space]}));
    let r = c.send(&req("GET", &format!("/spaces/{space}/users")).token(USER_TOKEN));
    let mut users = vec![ADMIN_ID, USER_ID];
    users.sort();
    assert_eq!(r.json(), json!({"users": users}));

    // Provider registration.
    let r = c.send(&req("POST", "/user/clusters/provider_registration_token").admin());
    assert_eq!(r.status, 200);
    let reg = r.json()["token"].as_str().unwrap().to_owned();
    let r = c.send(&req("POST", "/tokens/examine").json(&json!({"token": reg})));
    assert_eq!(
        r.json()["type"]["inviteToken"]["inviteType"],
        "registerOneprovider"
    );
    let body =
        json!({"token": reg, "name": "p1", "adminEmail": "a@b.c", "subdomainDelegation": false});
    let r = c.send(&req("POST", "/providers").json(&body));
    assert_eq!(r.status, 200, "{}", r.text());
    let pid = r.json()["providerId"].as_str().unwrap().to_owned();
    let root = r.json()["providerRootToken"].as_str().unwrap().to_owned();
    let r = c.send(&req("GET", "/provider").token(&root));
    assert_eq!(r.json()["providerId"], pid.as_str());
    assert_eq!(
        c.send(&req("POST", "/providers").json(&body)).status,
        400,
        "a registration token is used once"
    );

    // getCurrentUser and examineToken
    let r = c.send(&req("GET", "/user").admin());
    assert_eq!(r.json()["userId"], ADMIN_ID);
    assert_eq!(r.json()["username"], "admin");
    schema_ok("getCurrentUser", &r.json());
    let r = c.send(&req("POST", "/tokens/examine").json(&json!({"token": space_invite})));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["type"],
        json!({"inviteToken": {"inviteType": "userJoinSpace", "spaceId": space}})
    );
    assert_eq!(r.json()["subject"], json!({"type": "user", "id": ADMIN_ID}));
    schema_ok("examineToken", &r.json());
    let r = c.send(&req("POST", "/tokens/examine").json(&json!({"token": "nope"})));
    assert_eq!(r.error_id(), "badValueToken");

    // Named tokens.
    let r = c.send(
        &req("POST", "/user/tokens/named")
            .token(USER_TOKEN)
            .json(&json!({"name": "ci"})),
    );
    assert_eq!(r.status, 201);
    let tid = r.json()["tokenId"].as_str().unwrap().to_owned();
    let named = r.json()["token"].as_str().unwrap().to_owned();
    assert!(r
        .header("location")
        .unwrap()
        .ends_with(&format!("/tokens/named/{tid}")));
    let r = c.send(&req("GET", "/user").token(&named));
    assert_eq!(
        r.json()["userId"],
        USER_ID,
        "a named access token authenticates"
    );
    let r = c.send(&req("GET", &format!("/tokens/named/{tid}")).token(USER_TOKEN));
    assert_eq!(
        r.status,
        200,
        "the owner may read their named token: {}",
        r.text()
    );
    schema_ok("getNamedToken", &r.json());
    let r = c.send(
        &req("PATCH", &format!("/tokens/named/{tid}"))
            .token(USER_TOKEN)
            .json(&json!({"revoked": true})),
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        c.send(&req("GET", "/user").token(&named)).status,
        401,
        "revoked"
    );

    // Deletes.
    let r = c.send(&req("DELETE", &format!("/user/groups/{group}")).token(USER_TOKEN));
    assert_eq!(r.status, 204);
    assert_eq!(
        c.send(&req("GET", "/user/groups").token(USER_TOKEN)).json(),
        json!({"groups": []})
    );
    let r = c.send(&req("DELETE", &format!("/spaces/{space}")).admin());
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    let r = c.send(&req("GET", &format!("/spaces/{space}")).admin());
    assert_eq!((r.status, r.error_id().as_str()), (404, "notFound"));
    assert_eq!(
        c.send(&req("GET", "/user/spaces").token(USER_TOKEN)).json(),
        json!({"spaces": []})
    );

    assert!(
        zone.requests().iter().all(|r| r.problems.is_empty()),
        "{:?}",
        zone.requests()
    );
}

#[test]
fn groups_nest_and_memberships_are_effective() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    let parent = c
        .send(
            &req("POST", "/groups")
                .admin()
                .json(&json!({"name": "parent"})),
        )
        .location_id();
    let r = c.send(
        &req("POST", &format!("/groups/{parent}/children"))
            .admin()
            .json(&json!({"name": "child", "type": "unit"})),
    );
    assert_eq!(r.status, 201);
    let child = r.location_id();
    let r = c.send(&req("GET", &format!("/groups/{parent}/children")).admin());
    assert_eq!(r.json(), json!({"groups": [child]}));
    let r = c.send(&req("GET", &format!("/groups/{child}/parents")).admin());
    assert_eq!(r.json(), json!({"groups": [parent]}));
    // A third group joins the child with a child-group token.
    let other = c
        .send(
            &req("POST", "/groups")
                .admin()
                .json(&json!({"name": "other"})),
        )
        .location_id();
    let t = c
        .send(&req("POST", &format!("/groups/{child}/children/token")).admin())
        .json()["token"]
        .clone();
    let r = c.send(
        &req("POST", &format!("/groups/{other}/parents/join"))
            .admin()
            .json(&json!({"token": t})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let r = c.send(&req("GET", &format!("/groups/{parent}/effective_children")).admin());
    let mut both = vec![child.clone(), other.clone()];
    both.sort();
    assert_eq!(r.json(), json!({"groups": both}));
    // The user joins `other` and so is an effective member of `parent`.
    let t = c
        .send(&req("POST", &format!("/groups/{other}/users/token")).admin())
        .json()["token"]
        .clone();
    assert_eq!(
        c.send(
            &req("POST", "/user/groups/join")
                .token(USER_TOKEN)
                .json(&json!({"token": t}))
        )
        .status,
        201
    );
    let r = c.send(&req("GET", "/user/effective_groups").token(USER_TOKEN));
    assert_eq!(r.json()["groups"].as_array().unwrap().len(), 3);
    let r = c.send(&req("GET", &format!("/groups/{parent}")).token(USER_TOKEN));
    assert_eq!(r.status, 200, "an effective member may read the group");
    // A space for the parent group is an effective space of the user.
    let r = c.send(
        &req("POST", &format!("/groups/{parent}/spaces"))
            .admin()
            .json(&json!({"name": "gs"})),
    );
    assert_eq!(r.status, 204);
    let space = r.location_id();
    let r = c.send(&req("GET", "/user/effective_spaces").token(USER_TOKEN));
    assert_eq!(r.json(), json!({"spaces": [space]}));
    assert_eq!(
        c.send(&req("GET", &format!("/user/spaces/{space}")).token(USER_TOKEN))
            .status,
        404
    );
    assert_eq!(
        c.send(&req("GET", &format!("/user/effective_spaces/{space}")).token(USER_TOKEN))
            .status,
        200
    );
    // Removing the group cleans up.
    assert_eq!(
        c.send(&req("DELETE", &format!("/groups/{other}")).admin())
            .status,
        204
    );
    let r = c.send(&req("GET", "/user/effective_groups").token(USER_TOKEN));
    assert_eq!(r.json(), json!({"groups": []}));
    assert_eq!(
        c.send(&req("GET", &format!("/groups/{other}")).admin())
            .status,
        404
    );
}

#[test]
fn credentials_are_checked() {
    let zone = FakeZone::start().unwrap();
    let basic = |u: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(u.as_bytes())
        )
    };
    let ok = [
        req("GET", "/user").header("X-Auth-Token", "test-token"),
        req("GET", "/user").header("Authorization", "Bearer test-token"),
        req("GET", "/user").header("authorization", "bearer test-token"),
        req("GET", "/user").header("Authorization", &basic("admin:password")),
    ];
    for r in ok {
        let resp = r.send(&zone);
        assert_eq!(resp.status, 200, "{r:?}");
        assert_eq!(resp.json()["userId"], ADMIN_ID);
    }
    let resp = req("GET", "/user")
        .header("Authorization", &basic("user:password"))
        .send(&zone);
    assert_eq!(resp.json()["userId"], USER_ID);
    assert!(zone.requests().iter().all(|r| r.problems.is_empty()));

    for (r, problem) in [
        (req("GET", "/user"), false),
        (req("GET", "/user").token("wrong"), false),
        (
            req("GET", "/user").header("Authorization", &basic("admin:wrong")),
            false,
        ),
        (req("GET", "/user").header("Authorization", "KEY-H"), true),
        (
            req("GET", "/user").header("Authorization", "Basic !!!"),
            true,
        ),
    ] {
        zone.clear_requests();
        let resp = r.send(&zone);
        assert_eq!(
            (resp.status, resp.error_id().as_str()),
            (401, "unauthorized"),
            "{r:?}"
        );
        assert_eq!(!zone.requests()[0].problems.is_empty(), problem, "{r:?}");
    }

    // Two credentials: a problem and a 400.
    zone.clear_requests();
    let resp = req("GET", "/user")
        .admin()
        .header("Authorization", "Bearer test-token")
        .send(&zone);
    assert_eq!(
        (resp.status, resp.error_id().as_str()),
        (400, "badValueAuthorization")
    );
    assert!(
        zone.requests()[0].problems[0].contains("2 credentials"),
        "{:?}",
        zone.requests()
    );
    let resp = req("GET", "/user").admin().admin().send(&zone);
    assert_eq!(resp.status, 400);

    // Public operations need none.
    for p in [
        "/configuration",
        "/health",
        "/test_image",
        "/shares/data/f/x",
    ] {
        let resp = req("GET", p).send(&zone);
        assert!(resp.status < 400, "{p}: {}", resp.status);
    }
    let r = req("GET", "/configuration").send(&zone);
    assert_eq!(r.json()["version"], "21.02.7");
    // …but a bad credential on them is still refused.
    assert_eq!(req("GET", "/health").token("wrong").send(&zone).status, 401);
}

#[test]
fn non_admins_get_403() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    let space = c
        .send(&req("POST", "/spaces").admin().json(&json!({"name": "s"})))
        .location_id();
    for (m, p) in [
        ("GET", "/spaces".to_owned()),
        ("GET", "/users".to_owned()),
        ("GET", format!("/users/{ADMIN_ID}")),
        ("GET", format!("/spaces/{space}")),
        ("GET", format!("/spaces/{space}/users")),
        ("POST", format!("/spaces/{space}/users/token")),
        ("DELETE", format!("/spaces/{space}")),
        ("GET", "/spaces/unknown".to_owned()),
    ] {
        let r = c.send(&req(m, &p).token(USER_TOKEN));
        assert_eq!(
            (r.status, r.error_id().as_str()),
            (403, "forbidden"),
            "{m} {p}"
        );
    }
    let r = c.send(
        &req("POST", "/spaces")
            .token(USER_TOKEN)
            .json(&json!({"name": "x"})),
    );
    assert_eq!(r.status, 403);
    // Non-admin but own record, and not admin-only: fine.
    assert_eq!(
        c.send(&req("GET", &format!("/users/{USER_ID}")).token(USER_TOKEN))
            .status,
        200
    );
    assert_eq!(
        c.send(&req("GET", "/spaces/unknown/users").token(USER_TOKEN))
            .status,
        404
    );
    assert_eq!(
        c.send(
            &req("POST", "/user/spaces")
                .token(USER_TOKEN)
                .json(&json!({"name": "mine"}))
        )
        .status,
        201
    );
    // After joining, the user may read the space.
    let t = c
        .send(&req("POST", &format!("/spaces/{space}/users/token")).admin())
        .json()["token"]
        .clone();
    assert_eq!(
        c.send(
            &req("POST", "/user/spaces/join")
                .token(USER_TOKEN)
                .json(&json!({"token": t}))
        )
        .status,
        201
    );
    assert_eq!(
        c.send(&req("GET", &format!("/spaces/{space}")).token(USER_TOKEN))
            .status,
        200
    );
    assert_eq!(c.send(&req("GET", "/spaces").token(USER_TOKEN)).status, 403);
    assert!(zone.requests().iter().all(|r| r.problems.is_empty()));
}

#[test]
fn custom_users() {
    let zone = FakeZone::start_with(Config {
        users: vec![UserConfig {
            id: "u1".into(),
            username: "alice".into(),
            full_name: "Alice".into(),
            password: None,
            tokens: vec!["t1".into(), "t2".into()],
            admin: false,
        }],
        ..Config::default()
    })
    .unwrap();
    for t in ["t1", "t2"] {
        assert_eq!(
            req("GET", "/user").token(t).send(&zone).json()["username"],
            "alice"
        );
    }
    assert_eq!(
        req("GET", "/user").token("test-token").send(&zone).status,
        401
    );
    let b = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(b"alice:")
    );
    assert_eq!(
        req("GET", "/user")
            .header("Authorization", &b)
            .send(&zone)
            .status,
        401
    );
}

#[test]
fn providers_are_not_admins() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    let register = |c: &mut Conn, name: &str| {
        let reg = c
            .send(&req("POST", "/user/clusters/provider_registration_token").admin())
            .json()["token"]
            .clone();
        let r = c.send(&req("POST", "/providers").json(&json!({
            "token": reg, "name": name, "adminEmail": "a@b.c", "subdomainDelegation": false,
        })));
        assert_eq!(r.status, 200, "{}", r.text());
        (
            r.json()["providerId"].as_str().unwrap().to_owned(),
            r.json()["providerRootToken"].as_str().unwrap().to_owned(),
        )
    };
    let (pid, root) = register(&mut c, "p1");
    let (other, _) = register(&mut c, "p2");
    let space = c
        .send(&req("POST", "/spaces").admin().json(&json!({"name": "s"})))
        .location_id();

    // User and admin operations are refused, and change nothing.
    for (m, p, body) in [
        ("GET", "/users".to_owned(), None),
        ("POST", "/users".to_owned(), Some(json!({"username": "x"}))),
        ("GET", format!("/users/{ADMIN_ID}"), None),
        ("DELETE", format!("/users/{ADMIN_ID}"), None),
        ("DELETE", format!("/users/{ADMIN_ID}/tokens/named"), None),
        ("GET", "/user".to_owned(), None),
        ("GET", "/user/handles".to_owned(), None),
        ("GET", "/spaces".to_owned(), None),
        ("GET", format!("/spaces/{space}"), None),
        ("DELETE", format!("/spaces/{space}"), None),
        ("GET", "/providers".to_owned(), None),
        ("GET", format!("/providers/{other}"), None),
        ("DELETE", format!("/providers/{other}"), None),
        ("GET", "/tokens/named".to_owned(), None),
        ("GET", "/handle_services".to_owned(), None),
    ] {
        let r = req(m, &p).token(&root);
        let r = match body {
            Some(b) => r.json(&b),
            None => r,
        };
        let resp = c.send(&r);
        assert_eq!(
            (resp.status, resp.error_id().as_str()),
            (403, "forbidden"),
            "{m} {p}: {}",
            resp.text()
        );
    }
    let r = c.send(&req("GET", "/users").admin());
    let mut users = vec![ADMIN_ID, USER_ID];
    users.sort();
    assert_eq!(
        r.json(),
        json!({"users": users}),
        "no user was made or removed"
    );
    assert_eq!(
        c.send(&req("GET", &format!("/spaces/{space}")).admin())
            .status,
        200
    );
    assert_eq!(
        c.send(&req("GET", &format!("/providers/{other}")).admin())
            .status,
        200
    );

    // Its own operations are fine.
    assert_eq!(c.send(&req("GET", "/provider").token(&root)).status, 200);
    assert_eq!(
        c.send(&req("GET", "/provider/domain_config").token(&root))
            .status,
        200
    );
    let r = c.send(
        &req("POST", "/provider/tokens/named")
            .token(&root)
            .json(&json!({"name": "mine"})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let tid = r.json()["tokenId"].as_str().unwrap().to_owned();
    let r = c.send(&req("GET", &format!("/tokens/named/{tid}")).token(&root));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.send(&req("GET", &format!("/providers/{pid}")).token(&root));
    assert_eq!(r.json()["providerId"], pid.as_str());
    let r = c.send(&req("GET", &format!("/providers/{pid}/tokens/named")).token(&root));
    assert_eq!(r.json(), json!({"tokens": [tid]}));
    let r = c.send(
        &req("POST", "/tokens/verify_access_token")
            .token(&root)
            .json(&json!({"token": root})),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(zone.requests().iter().all(|r| r.problems.is_empty()));
}

#[test]
fn non_admins_may_not_act_on_other_users() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    let named = c
        .send(
            &req("POST", "/user/tokens/named")
                .admin()
                .json(&json!({"name": "keep"})),
        )
        .json()["tokenId"]
        .clone();
    // Operations on /users/{id} without oz_* privileges in the catalogue.
    for (m, p) in [
        ("DELETE", format!("/users/{ADMIN_ID}/tokens/named")),
        (
            "POST",
            format!("/users/{ADMIN_ID}/clusters/provider_registration_token"),
        ),
    ] {
        let r = c.send(&req(m, &p).token(USER_TOKEN));
        assert_eq!(
            (r.status, r.error_id().as_str()),
            (403, "forbidden"),
            "{m} {p}"
        );
    }
    let r = c.send(&req("GET", "/user/tokens/named").admin());
    assert_eq!(r.json(), json!({"tokens": [named]}));
    // On their own record they may.
    let r = c.send(
        &req(
            "POST",
            &format!("/users/{USER_ID}/clusters/provider_registration_token"),
        )
        .token(USER_TOKEN),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.send(&req("DELETE", &format!("/users/{USER_ID}/tokens/named")).token(USER_TOKEN));
    assert_eq!(r.status, 204, "{}", r.text());
}
