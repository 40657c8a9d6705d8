use std::io::Write;

fn main() -> std::process::ExitCode {
    // `std::env::args()` panics on an argument that is not UTF-8: take them
    // as OsStrings and refuse such an argument with a usage error instead.
    // The argument itself is not shown: it may be a credential (-u, -H).
    let mut args = Vec::new();
    for (i, arg) in std::env::args_os().skip(1).enumerate() {
        match arg.into_string() {
            Ok(a) => args.push(a),
            Err(_) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: argument {} of the command line is not valid UTF-8\n  \
                     arguments are text; send other bytes as the body, from stdin: - < FILE",
                    i + 1
                );
                return std::process::ExitCode::from(onezone_rest_cli::exit::USAGE);
            }
        }
    }
    std::process::ExitCode::from(onezone_rest_cli::app::run(args))
}
