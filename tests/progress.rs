//! Progress bars of large transfers: drawn on stderr when it is a terminal
//! (a pty from `script`), never when stderr is piped or with `-s`, and
//! marked broken (never complete-looking) when the transfer breaks.

mod common;

use common::{installed, isolate, run_bounded, scratch, skip, TIMEOUT};
use fake_onezone::{FakeZone, ProviderSpace, ADMIN_TOKEN};

const PROVIDER: &str = env!("CARGO_BIN_EXE_oneprovider-rest-cli");
/// Above the 4 MiB at which a bar appears.
const SIZE: usize = 6 << 20;

/// A supported space holding one file of SIZE bytes; its id and the file.
fn file_on(zone: &FakeZone) -> (String, std::path::PathBuf) {
    let space = ProviderSpace::new(zone, "progress", 1 << 40).expect("a supported space");
    let dir = scratch("progress");
    let path = dir.join("data.bin");
    let data: Vec<u8> = (0..SIZE).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &data).expect("write the file");
    let mut c = std::process::Command::new(PROVIDER);
    isolate(&mut c)
        .args([
            "createFile",
            &format!("id={}", space.root),
            "name=data.bin",
            "-T",
        ])
        .arg(&path)
        .env("ONEPROVIDER_HOST", zone.url())
        .env("ONEPROVIDER_API_KEY", ADMIN_TOKEN);
    let r = run_bounded(&mut c, None, TIMEOUT);
    assert_eq!(r.code, Some(0), "{r:?}");
    let id = r.json()["fileId"].as_str().expect("fileId").to_owned();
    (id, path)
}

/// Runs the command line `args` (shell words) with every stream on a pty;
/// the exit code and what the terminal showed.
fn on_a_terminal(zone: &FakeZone, args: &str) -> (Option<i32>, String) {
    let line = format!("{} {args}", shlex::try_quote(PROVIDER).expect("path"));
    let mut c = std::process::Command::new("script");
    isolate(&mut c)
        .args(["-qec", &line, "/dev/null"])
        .env("ONEPROVIDER_HOST", zone.url())
        .env("ONEPROVIDER_API_KEY", ADMIN_TOKEN)
        .env("TERM", "xterm");
    let r = run_bounded(&mut c, None, TIMEOUT);
    (r.code, r.out())
}

#[test]
fn a_large_download_shows_a_bar_on_a_terminal_only() {
    if !installed("script") {
        skip("script (util-linux) is not installed; the progress bar was not checked");
        return;
    }
    let zone = FakeZone::start().expect("fake");
    let (id, source) = file_on(&zone);
    let dir = source.parent().expect("dir").to_owned();
    let out = dir.join("copy.bin");
    let quoted = shlex::try_quote(out.to_str().expect("utf-8"))
        .expect("path")
        .into_owned();

    let (code, screen) = on_a_terminal(
        &zone,
        &format!("downloadFileContent id={id} --output-file {quoted}"),
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("download"),
        "no bar on the terminal: {screen:?}"
    );
    assert_eq!(
        std::fs::read(&out).expect("the copy"),
        std::fs::read(&source).expect("the source")
    );

    // -s: nothing on the terminal.
    std::fs::remove_file(&out).expect("remove");
    let (code, screen) = on_a_terminal(
        &zone,
        &format!("-s downloadFileContent id={id} --output-file {quoted}"),
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.trim().is_empty(), "-s drew: {screen:?}");

    // stderr piped: nothing on it.
    let mut c = std::process::Command::new(PROVIDER);
    isolate(&mut c)
        .args(["downloadFileContent", &format!("id={id}"), "--output-file"])
        .arg(&out)
        .env("ONEPROVIDER_HOST", zone.url())
        .env("ONEPROVIDER_API_KEY", ADMIN_TOKEN);
    let r = run_bounded(&mut c, None, TIMEOUT);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.is_empty(), "a piped stderr got: {:?}", r.stderr);
}

#[test]
fn a_large_upload_shows_a_bar_and_a_small_one_none() {
    if !installed("script") {
        skip("script (util-linux) is not installed; the progress bar was not checked");
        return;
    }
    let zone = FakeZone::start().expect("fake");
    let space = ProviderSpace::new(&zone, "up", 1 << 40).expect("a supported space");
    let dir = scratch("progress-up");
    let big = dir.join("big.bin");
    std::fs::write(&big, vec![7u8; SIZE]).expect("write");
    let small = dir.join("small.bin");
    std::fs::write(&small, b"tiny").expect("write");
    let q = |p: &std::path::Path| {
        shlex::try_quote(p.to_str().expect("utf-8"))
            .expect("path")
            .into_owned()
    };
    let (code, screen) = on_a_terminal(
        &zone,
        &format!("createFile id={} name=big -T {}", space.root, q(&big)),
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("upload"), "no bar: {screen:?}");
    let (code, screen) = on_a_terminal(
        &zone,
        &format!("createFile id={} name=small -T {}", space.root, q(&small)),
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("upload"), "a bar for 4 bytes: {screen:?}");
}
