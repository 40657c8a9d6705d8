//! One fake serves Onezone, Oneprovider and Onepanel over one state: the
//! flow a deployment goes through (a space made in Onezone, supported in
//! Onepanel, used in Oneprovider), and the credentials each service takes.

use fake_onezone::probe::{req, Conn, Req, Resp};
use fake_onezone::{
    Config, FakeZone, ProviderSpace, ONEPANEL_PASSPHRASE, ONEPANEL_USER, PROVIDER_ID, STORAGE_ID,
    USER_TOKEN,
};
use onedata_catalogue::validate::validate;
use onedata_catalogue::Catalogue;
use serde_json::{json, Value};

const PROVIDER: &str = "/api/v3/oneprovider";
const PANEL: &str = "/api/v3/onepanel";

/// Wants `status`, showing the answer otherwise.
fn want(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text());
}

/// The answer's JSON validates against `op`'s first success schema in
/// the release `zone` serves of service `service`.
fn valid(zone: &FakeZone, service: &str, op: &str, v: &Value) {
    let cat: Catalogue = zone.catalogue_of(service).unwrap();
    let schema = cat
        .find(op)
        .unwrap()
        .success_responses()
        .next()
        .unwrap()
        .schema
        .as_ref()
        .unwrap();
    let problems = validate(cat, v, schema);
    assert!(problems.is_empty(), "{service} {op}: {v} {problems:?}");
}

fn panel(method: &str, path: &str) -> Req {
    req(method, &format!("{PANEL}{path}")).basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
}

fn provider(method: &str, path: &str) -> Req {
    req(method, &format!("{PROVIDER}{path}")).admin()
}

#[test]
fn a_space_is_made_supported_and_used_across_the_services() {
    let zone = FakeZone::start().unwrap();
    for name in ["onezone", "oneprovider", "onepanel"] {
        assert_eq!(
            zone.service_url(name),
            format!("{}/api/v3/{name}", zone.url())
        );
    }
    let mut c = Conn::open(zone.port());

    // Onezone: createSpace name==s, createSpaceSupportToken id=$S.
    let r = c.send(&req("POST", "/spaces").admin().json(&json!({"name": "s"})));
    want(&r, 201);
    let space = r.location_id();
    let r = c.send(&req("POST", &format!("/spaces/{space}/providers/token")).admin());
    want(&r, 200);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    // The provider is not known before it supports a space.
    let r = c.send(&req("GET", "/providers").admin());
    assert_eq!(r.json(), json!({"providers": []}));

    // Onepanel supportSpace: a bogus token, an invite of another type.
    let body = |t: &str| json!({"token": t, "size": 1_000_000, "storageId": STORAGE_ID});
    let r = c.send(&panel("POST", "/provider/spaces").json(&body("bogus")));
    assert_eq!((r.status, r.error_id().as_str()), (400, "badValueToken"));
    let r = c.send(&req("POST", &format!("/spaces/{space}/users/token")).admin());
    let user_invite = r.json()["token"].as_str().unwrap().to_owned();
    let r = c.send(&panel("POST", "/provider/spaces").json(&body(&user_invite)));
    assert_eq!((r.status, r.error_id().as_str()), (400, "badValueToken"));
    assert_eq!(
        r.json()["error"]["details"]["tokenError"]["id"],
        "inviteTokenTypeMismatch"
    );
    let r = c.send(
        &panel("POST", "/provider/spaces")
            .json(&json!({"token": token, "size": 1_000_000, "storageId": "nope"})),
    );
    assert_eq!(
        (r.status, r.error_id().as_str()),
        (400, "badValueIdNotFound")
    );
    // The support.
    let r = c.send(&panel("POST", "/provider/spaces").json(&body(&token)));
    want(&r, 201);
    assert_eq!(
        r.header("location"),
        Some(format!("http://127.0.0.1{PANEL}/provider/spaces/{space}").as_str())
    );
    assert_eq!(r.json(), json!({ "id": space }));
    let r = c.send(&panel("POST", "/provider/spaces").json(&body(&token)));
    assert_eq!(r.status, 409, "{}", r.text());

    // Onezone knows it now.
    let r = c.send(&req("GET", &format!("/spaces/{space}")).admin());
    want(&r, 200);
    assert_eq!(r.json()["providers"], json!({ PROVIDER_ID: 1_000_000 }));
    valid(&zone, "onezone", "getSpace", &r.json());
    let r = c.send(&req("GET", "/providers").admin());
    assert_eq!(r.json(), json!({ "providers": [PROVIDER_ID] }));
    let r = c.send(&req("GET", &format!("/providers/{PROVIDER_ID}")).admin());
    want(&r, 200);
    assert_eq!(r.json()["name"], "fake-provider");
    valid(&zone, "onezone", "getProviderDetails", &r.json());
    let r = c.send(&req("GET", &format!("/spaces/{space}/providers")).admin());
    assert_eq!(r.json(), json!({ "providers": [PROVIDER_ID] }));
    let r = c.send(&req("GET", &format!("/providers/{PROVIDER_ID}/spaces")).admin());
    assert_eq!(r.json(), json!({ "spaces": [space] }));

    // Onepanel: the supported spaces, the storage.
    let r = c.send(&panel("GET", "/provider/spaces"));
    assert_eq!(r.json(), json!({ "ids": [space] }));
    let r = c.send(&panel("GET", &format!("/provider/spaces/{space}")));
    want(&r, 200);
    assert_eq!(r.json()["storageId"], STORAGE_ID);
    assert_eq!(r.json()["supportingProviders"][PROVIDER_ID], 1_000_000);
    valid(&zone, "onepanel", "getSpaceDetails", &r.json());
    let r = c.send(&panel("GET", "/provider/storages"));
    assert_eq!(r.json(), json!({ "ids": [STORAGE_ID] }));
    let r = c.send(&panel("GET", &format!("/provider/storages/{STORAGE_ID}")));
    want(&r, 200);
    assert_eq!(r.json()["id"], STORAGE_ID);
    valid(&zone, "onepanel", "getStorageDetails", &r.json());
    let r = c.send(&panel("GET", "/provider/storages/nope"));
    assert_eq!(r.status, 404);
    let r = c.send(&panel("GET", "/provider"));
    assert_eq!(r.json()["id"], PROVIDER_ID);
    valid(&zone, "onepanel", "getProvider", &r.json());

    // Oneprovider: the space, and its root directory.
    let r = c.send(&provider("GET", "/spaces"));
    want(&r, 200);
    let all = r.json();
    valid(&zone, "oneprovider", "getAllSpaces", &all);
    assert_eq!(all[0]["spaceId"], space.as_str());
    assert_eq!(all[0]["name"], "s");
    let r = c.send(&provider("GET", &format!("/spaces/{space}")));
    want(&r, 200);
    valid(&zone, "oneprovider", "getSpace", &r.json());
    let root = r.json()["fileId"].as_str().unwrap().to_owned();
    assert_eq!(all[0]["fileId"], root.as_str());
    assert_eq!(
        r.json()["providers"],
        json!([{"providerId": PROVIDER_ID, "providerName": "fake-provider"}])
    );

    // Files: a directory, a file in it with content, listed, read, removed.
    let r = c.send(&provider(
        "POST",
        &format!("/data/{root}/children?name=dir&type=DIR"),
    ));
    want(&r, 201);
    let dir = r.json()["fileId"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("http://127.0.0.1{PROVIDER}/data/{dir}").as_str())
    );
    let r = c.send(
        &provider("POST", &format!("/data/{dir}/children?name=hello.txt")).octets(b"hello\n"),
    );
    want(&r, 201);
    let file = r.json()["fileId"].as_str().unwrap().to_owned();
    let r = c.send(&provider("GET", &format!("/data/{dir}/children")));
    want(&r, 200);
    valid(&zone, "oneprovider", "listChildren", &r.json());
    assert_eq!(r.json()["children"][0]["fileId"], file.as_str());
    assert_eq!(r.json()["children"][0]["name"], "hello.txt");
    assert_eq!(r.json()["isLast"], true);
    let r = c.send(&provider("GET", &format!("/data/{file}/content")));
    want(&r, 200);
    assert_eq!(r.body, b"hello\n");
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    let r = c.send(&provider("GET", &format!("/data/{file}")));
    want(&r, 200);
    let attrs = r.json();
    valid(&zone, "oneprovider", "getAttrs", &attrs);
    assert_eq!(
        (&attrs["name"], &attrs["size"], &attrs["type"]),
        (&json!("hello.txt"), &json!(6), &json!("REG"))
    );
    assert_eq!(attrs["parentFileId"], dir.as_str());
    assert_eq!(attrs["path"], "/s/dir/hello.txt");
    let r = c.send(&provider("DELETE", &format!("/data/{dir}")));
    want(&r, 204);
    for id in [&dir, &file] {
        let r = c.send(&provider("GET", &format!("/data/{id}")));
        assert_eq!((r.status, r.error_id().as_str()), (404, "notFound"));
    }

    // Each service reports the release at /configuration.
    for (base, op) in [
        ("/api/v3/onezone", "onezone"),
        (PROVIDER, "oneprovider"),
        (PANEL, "onepanel"),
    ] {
        let r = c.send(&req("GET", &format!("{base}/configuration")));
        want(&r, 200);
        assert_eq!(r.json()["version"], "21.02.7", "{base}");
        valid(&zone, op, "getConfiguration", &r.json());
    }

    // Onepanel revokeSpaceSupport: Onezone forgets the support.
    let r = c.send(&panel("DELETE", &format!("/provider/spaces/{space}")));
    want(&r, 204);
    let r = c.send(&req("GET", &format!("/spaces/{space}")).admin());
    assert_eq!(r.json()["providers"], json!({}));
    let r = c.send(&provider("GET", &format!("/spaces/{space}")));
    assert_eq!(r.status, 404);
    let r = c.send(&panel("DELETE", &format!("/provider/spaces/{space}")));
    assert_eq!(r.status, 404);
}

#[test]
fn each_service_takes_its_credentials() {
    let zone = FakeZone::start().unwrap();
    let ps = ProviderSpace::new(&zone, "s", 1 << 30).unwrap();
    let mut c = Conn::open(zone.port());
    let refused = |c: &mut Conn, r: Req, status: u16, id: &str| {
        let resp = c.send(&r);
        assert_eq!(
            (resp.status, resp.error_id().as_str()),
            (status, id),
            "{r:?}: {}",
            resp.text()
        );
        assert!(resp.json()["error"]["description"].is_string());
    };
    let spaces = format!("{PROVIDER}/spaces/{}", ps.space);

    // Oneprovider: the Onezone users' access tokens, either header.
    want(&c.send(&req("GET", &spaces).admin()), 200);
    want(
        &c.send(&req("GET", &spaces).header("Authorization", "Bearer test-token")),
        200,
    );
    refused(&mut c, req("GET", &spaces), 401, "unauthorized");
    refused(
        &mut c,
        req("GET", &spaces).token("bogus"),
        401,
        "unauthorized",
    );
    refused(
        &mut c,
        req("GET", &spaces).basic("admin", "password"),
        401,
        "unauthorized",
    );
    refused(
        &mut c,
        req("GET", &spaces).basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE),
        401,
        "unauthorized",
    );
    // A user who is not in the space.
    refused(
        &mut c,
        req("GET", &spaces).token(USER_TOKEN),
        403,
        "forbidden",
    );
    let r = c.send(&req("GET", &format!("{PROVIDER}/spaces")).token(USER_TOKEN));
    assert_eq!(r.json(), json!([]));
    refused(
        &mut c,
        req("GET", &format!("{PROVIDER}/data/{}", ps.root)).token(USER_TOKEN),
        403,
        "forbidden",
    );
    refused(
        &mut c,
        req("GET", &format!("{PROVIDER}/data/nope")).admin(),
        404,
        "notFound",
    );
    refused(
        &mut c,
        req("GET", &format!("{PROVIDER}/spaces/nope")).admin(),
        404,
        "notFound",
    );
    want(
        &c.send(&req("GET", &format!("{PROVIDER}/configuration"))),
        200,
    );
    want(&c.send(&req("GET", &format!("{PROVIDER}/health"))), 200);

    // Onepanel: basic onepanel:PASSPHRASE, or an admin's token.
    let spaces = format!("{PANEL}/provider/spaces");
    want(
        &c.send(&req("GET", &spaces).basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)),
        200,
    );
    want(&c.send(&req("GET", &spaces).admin()), 200);
    refused(&mut c, req("GET", &spaces), 401, "unauthorized");
    refused(
        &mut c,
        req("GET", &spaces).basic(ONEPANEL_USER, "wrong"),
        401,
        "unauthorized",
    );
    refused(
        &mut c,
        req("GET", &spaces).basic("admin", "password"),
        401,
        "unauthorized",
    );
    refused(
        &mut c,
        req("GET", &spaces).token("bogus"),
        401,
        "unauthorized",
    );
    refused(
        &mut c,
        req("GET", &spaces).token(USER_TOKEN),
        403,
        "forbidden",
    );
    want(&c.send(&req("GET", &format!("{PANEL}/configuration"))), 200);
    want(
        &c.send(&req("GET", &format!("{PANEL}/configuration")).token(USER_TOKEN)),
        200,
    );
    refused(
        &mut c,
        req("GET", &format!("{PANEL}/provider/spaces/nope")).admin(),
        404,
        "notFound",
    );
    // Outside every base path, and an unknown path below one.
    refused(
        &mut c,
        req("GET", "/api/v3/onenothing/x").admin(),
        404,
        "notFound",
    );
    refused(
        &mut c,
        req("GET", &format!("{PROVIDER}/nothing")).admin(),
        404,
        "notFound",
    );
    let recs = zone.requests();
    assert!(recs.iter().any(|r| r.operation == Some("supportSpace")));
}

#[test]
fn every_service_reports_the_configured_release() {
    let zone = FakeZone::start_with(Config {
        release: Some("20.02.20".into()),
        ..Config::default()
    })
    .unwrap();
    for (name, base) in [
        ("onezone", "/api/v3/onezone"),
        ("oneprovider", PROVIDER),
        ("onepanel", PANEL),
    ] {
        assert_eq!(zone.catalogue_of(name).unwrap().release(), "20.02.20");
        let r = req("GET", &format!("{base}/configuration")).send(&zone);
        assert_eq!(r.json()["version"], "20.02.20", "{name}");
    }
    assert_eq!(zone.catalogue_of("nothing"), None);
    // The whole flow works at that release too, in its shapes.
    let ps = ProviderSpace::new(&zone, "old", 10).unwrap();
    let r = provider(
        "POST",
        &format!("/data/{}/children?name=a&type=reg", ps.root),
    )
    .send(&zone);
    want(&r, 201);
    let r = provider("GET", &format!("/data/{}/children", ps.root)).send(&zone);
    valid(&zone, "oneprovider", "listChildren", &r.json());
    assert_eq!(r.json()["children"][0]["name"], "a");
    assert!(r.json()["children"][0]["id"].is_string());
    let r = provider("GET", &format!("/spaces/{}", ps.space)).send(&zone);
    valid(&zone, "oneprovider", "getSpace", &r.json());
    assert_eq!(r.json()["fileId"], ps.root.as_str());
}
