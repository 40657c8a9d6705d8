//! `onepanel-rest-cli`: the toolbox's engine with the Onepanel personality.

fn main() -> std::process::ExitCode {
    onezone_rest_cli::main(&onezone_rest_cli::personality::ONEPANEL)
}
