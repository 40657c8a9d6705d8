fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(onezone_rest_cli::app::run(
        std::env::args().skip(1).collect(),
    ))
}
