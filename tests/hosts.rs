//! Host URLs per command: Onepanel's port 9443 unless the URL names one,
//! and a normalised URL normalised again stays the same (login stores it as
//! the default host; the next call normalises it again).

mod common;

use common::{command_of, run_bounded, TIMEOUT};

fn url_of(command: &str, host: &str) -> String {
    let mut c = command_of(command);
    c.args(["--dry-run", "getConfiguration", "--host", host]);
    let r = run_bounded(&mut c, None, TIMEOUT);
    assert_eq!(r.code, Some(0), "{command} --host {host}: {}", r.stderr);
    // The URL is the word after `-X GET`, quoted where the shell needs it.
    let words = shlex::split(&r.out()).expect("shell words");
    let at = words.iter().position(|w| w == "GET").expect("-X GET");
    words[at + 1].trim_end_matches("/configuration").to_owned()
}

#[test]
fn onepanel_adds_its_port_and_keeps_a_named_one() {
    for (given, want) in [
        (
            "panel.example.com",
            "https://panel.example.com:9443/api/v3/onepanel",
        ),
        ("https://p:443", "https://p:443/api/v3/onepanel"),
        ("http://p:80/", "http://p:80/api/v3/onepanel"),
        ("https://p:9443", "https://p:9443/api/v3/onepanel"),
        ("https://[::1]", "https://[::1]:9443/api/v3/onepanel"),
        ("https://[::1]:443", "https://[::1]:443/api/v3/onepanel"),
    ] {
        let once = url_of("onepanel-rest-cli", given);
        assert_eq!(once, want, "{given}");
        assert_eq!(url_of("onepanel-rest-cli", &once), once, "{given}, twice");
    }
}

#[test]
fn the_others_use_the_scheme_port() {
    assert_eq!(
        url_of("oneprovider-rest-cli", "provider.example.com"),
        "https://provider.example.com/api/v3/oneprovider"
    );
    assert_eq!(
        url_of("onezone-rest-cli", "https://zone.example.com:443"),
        "https://zone.example.com/api/v3/onezone"
    );
}
