//! `oneprovider-rest-cli`: the toolbox's engine with the Oneprovider personality.

fn main() -> std::process::ExitCode {
    onezone_rest_cli::main(&onezone_rest_cli::personality::ONEPROVIDER)
}
