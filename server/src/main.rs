//! `tierline`: the web server and the command-line tool in one binary.

use clap::error::ErrorKind;
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match server::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            error.exit()
        }
        Err(error) => {
            // Scripts get one line saying what is wrong; `--help` has the rest.
            let text = error.to_string();
            let reason: Vec<&str> =
                text.lines().take_while(|line| !line.trim().is_empty()).map(str::trim).collect();
            eprintln!("tierline: {} (see tierline --help)", reason.join(" ").trim_start_matches("error: "));
            return std::process::ExitCode::from(2);
        }
    };
    match server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tierline: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
