//! The command line: `tierline [serve]`, `migrate`, `user create`, `demo load`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use app::domain::Role;
use app::ssr::store::accounts::NewUser;
use app::ssr::Store;
use clap::{Parser, Subcommand};

use crate::config::Settings;

#[derive(Parser, Debug)]
#[command(name = "tierline", version, about = "Tierline: ticket escalation workflow")]
pub struct Cli {
    /// Settings file (TOML); defaults to tierline.toml in the working folder when it exists.
    #[arg(long, global = true, env = "TIERLINE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (the default when no command is given).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage people.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Business-time arithmetic on a calendar file.
    Calendar {
        #[command(subcommand)]
        command: crate::calendar_cli::CalendarCommand,
    },
    /// Escalation policy documents.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Demo data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// What the organisation's history says: the feedback analysis of the surveys offered in a
    /// period (the figures of /reports/feedback), as text or JSON.
    Analyse {
        /// The period's first day, YYYY-MM-DD (UTC); default 90 days before its last.
        #[arg(long, default_value = "")]
        from: String,
        /// The period's last day, YYYY-MM-DD (UTC); default today.
        #[arg(long, default_value = "")]
        to: String,
        /// Print the whole report as JSON, for other tools.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a person who can sign in. Prints the password when none was given.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// customer, agent, lead, manager or admin
        #[arg(long)]
        role: String,
        /// The organisation's name; required for customers.
        #[arg(long)]
        organisation: Option<String>,
        /// The password; taken from TIERLINE_PASSWORD when not given, generated when neither is.
        #[arg(long, env = "TIERLINE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Check a policy file: every mistake is printed with its line; exits non-zero if any.
    Check {
        /// The policy file (TOML).
        file: PathBuf,
        /// Also check the names it uses against the configured database, and warn of tiers the
        /// ladder leaves out (warnings do not fail the check).
        #[arg(long)]
        against_database: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Load the demo organisations, people and tickets into an empty database.
    Load,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Settings (and logging) are loaded by the commands that need them: calendar arithmetic
    // answers with one line and nothing else.
    let settings = || -> anyhow::Result<Settings> {
        let settings = Settings::load(cli.config.as_deref()).context("reading the settings")?;
        crate::telemetry::init(&settings.log_format);
        Ok(settings)
    };
    match cli.command.as_ref().unwrap_or(&Command::Serve) {
        Command::Serve => serve(settings()?).await,
        Command::Migrate => {
            let settings = settings()?;
            open_store(&settings).await?;
            println!("Migrations applied to {}", settings.redacted_database_url());
            Ok(())
        }
        Command::User { command: UserCommand::Create { email, name, role, organisation, password } } => {
            let store = open_store(&settings()?).await?;
            create_user(&store, email, name.as_deref(), role, organisation.as_deref(), password.clone()).await
        }
        Command::Calendar { command } => match crate::calendar_cli::run(command) {
            Ok(line) => {
                println!("{line}");
                Ok(())
            }
            Err(reason) => bail!(reason),
        },
        Command::Policy { command: PolicyCommand::Check { file, against_database } } => {
            let store = match against_database {
                true => Some(open_store(&settings()?).await?),
                false => None,
            };
            check_policy(file, store.as_ref()).await
        }
        Command::Analyse { from, to, json } => {
            let store = open_store(&settings()?).await?;
            let query = app::domain::feedback::report::FeedbackQuery {
                from: from.clone(),
                to: to.clone(),
                ..Default::default()
            };
            let page =
                app::ssr::reports::feedback(&store, &query, chrono::Utc::now().date_naive(), usize::MAX)
                    .await
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
            if *json {
                let low_score =
                    store.rules().await?.map(|rules| rules.policy.survey).unwrap_or_default().low_score;
                println!("{}", serde_json::to_string_pretty(&AnalysisJson::of(&page, low_score))?);
            } else {
                print!("{}", analysis_text(&page));
            }
            Ok(())
        }
        Command::Demo { command: DemoCommand::Load } => {
            let store = open_store(&settings()?).await?;
            if store.count_users().await? > 0 {
                bail!(
                    "the database already has people in it; demo data is loaded only into an empty database"
                );
            }
            let logins = crate::demo::load(&store, chrono::Utc::now()).await?;
            crate::demo::print_logins(&logins);
            Ok(())
        }
    }
}

/// Validates a policy file on its own or, with a store, also the names it uses (as saving it in
/// the admin pages does) and how its ladder covers the tiers.
async fn check_policy(file: &std::path::Path, store: Option<&Store>) -> anyhow::Result<()> {
    let source = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    match app::domain::policy::Policy::from_toml(&source) {
        Ok(policy) => {
            if let Some(store) = store {
                let mistakes = store.unresolved_names(&policy).await?;
                for mistake in &mistakes {
                    eprintln!("{}: {mistake}", file.display());
                }
                let directory = store.directory().await?;
                for warning in app::domain::ladder::ladder_warnings(&policy, &directory) {
                    eprintln!("{}: warning: {warning}", file.display());
                }
                if !mistakes.is_empty() {
                    bail!("{} has {} mistake(s)", file.display(), mistakes.len());
                }
            }
            println!(
                "{}: \"{}\" is valid: {} targets rules, {} criteria, {} ladder levels, {} notification rules, {} checkpoints",
                file.display(),
                policy.name,
                policy.targets.len(),
                policy.criteria.len(),
                policy.ladder.len(),
                policy.notifications.len(),
                policy.checkpoints.len()
            );
            Ok(())
        }
        Err(errors) => {
            for error in errors.iter() {
                eprintln!("{}: {error}", file.display());
            }
            bail!("{} has {} mistake(s)", file.display(), errors.len())
        }
    }
}

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.database_url)
        .await
        .with_context(|| format!("connecting to {}", settings.redacted_database_url()))?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// What an empty database needs before anyone can sign in.
const FIRST_ADMIN_HINT: &str =
    "Nobody can sign in yet: the database has no people. Create the first admin with
    tierline user create --email you@example.com --name 'Your Name' --role admin
(it prints a generated password), or load the demo into this empty database with
    tierline demo load";

async fn serve(settings: Settings) -> anyhow::Result<()> {
    // Before anything is counted: the workers' counters start with them.
    crate::metrics::install();
    let configuration =
        leptos::config::get_configuration(None).context("reading the Leptos configuration")?;
    let leptos_options = configuration.leptos_options;
    let address = leptos_options.site_addr;
    let state = crate::build_state(&settings, leptos_options).await?;
    tracing::info!(database = %settings.redacted_database_url(), "database ready");
    if state.store.count_users().await? == 0 {
        if settings.demo_on_first_start {
            let logins = crate::demo::load(&state.store, chrono::Utc::now()).await?;
            crate::demo::print_logins(&logins);
        } else {
            println!("{FIRST_ADMIN_HINT}");
        }
    }
    if settings.metrics_token.as_deref().is_none_or(|token| token.trim().is_empty()) {
        tracing::warn!(
            "metrics_token is not set: /metrics answers only scrapers on this host that no proxy forwarded"
        );
    }
    // The escalation engine, the notifier, the delivery worker and the tally's summing run beside
    // the web server on the same store; with PostgreSQL, every instance runs them and the store's
    // locks, leases and unique keys share the work between them.
    let stops: Vec<_> = (0..4).map(|_| std::sync::Arc::new(tokio::sync::Notify::new())).collect();
    let channels = crate::notifications::channels::Channels::from_settings(&settings)?;
    let lease = chrono::Duration::seconds(settings.delivery_lease_seconds.max(1) as i64);
    let workers = vec![
        tokio::spawn(
            crate::escalation::Engine::new(state.store.clone())
                .run(state.store.engine_wake(), stops[0].clone()),
        ),
        tokio::spawn(
            crate::notifications::Notifier::new(state.store.clone(), &settings.public_url)
                .run(stops[1].clone()),
        ),
        tokio::spawn(
            crate::notifications::Sender::new(
                state.store.clone(),
                channels,
                state.survey_links.clone(),
                lease,
            )
            .run(stops[2].clone()),
        ),
        tokio::spawn(crate::workers::compact_tally(state.store.clone(), stops[3].clone())),
        tokio::spawn(state.store.clone().listen_for_changes(settings.database_url.clone())),
    ];
    let listener =
        tokio::net::TcpListener::bind(address).await.with_context(|| format!("listening on {address}"))?;
    let bound = listener.local_addr()?;
    tracing::info!("Tierline is serving on http://{bound}");
    println!("Tierline is serving on http://{bound}");
    let live = state.store.live().clone();
    let shutdown = async move {
        shutdown_signal().await;
        // Open event streams end now; otherwise the server would wait for every browser.
        live.close();
    };
    crate::serve(state, listener, shutdown).await?;
    // A stored permit: a worker busy with a step stops as soon as it next waits.
    for stop in &stops {
        stop.notify_one();
    }
    for worker in workers {
        let _ = worker.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn create_user(
    store: &Store,
    email: &str,
    name: Option<&str>,
    role: &str,
    organisation: Option<&str>,
    password: Option<String>,
) -> anyhow::Result<()> {
    let Some(role) = Role::parse(role) else {
        bail!("--role: {role:?} is not a role; use customer, agent, lead, manager or admin");
    };
    let mut errors = app::domain::FieldErrors::default();
    let email = app::domain::validation::email(&mut errors, "--email", email);
    if let Some(error) = errors.0.first() {
        bail!("{error}");
    }
    let organisation_id = match (role, organisation) {
        (role, None) if role.is_customer() => {
            bail!("--organisation: a customer belongs to an organisation; name it")
        }
        (_, None) => None,
        (_, Some(name)) => {
            let found = store.organisations().await?.into_iter().find(|o| o.name == name);
            match found {
                Some(organisation) => Some(organisation.id),
                None => bail!("--organisation: there is no organisation called {name:?}"),
            }
        }
    };
    let generated = password.is_none();
    let password = password.unwrap_or_else(|| app::ssr::auth::new_secret_token()[..16].to_string());
    if password.chars().count() < 10 {
        bail!("--password: use at least 10 characters");
    }
    let display_name =
        name.map(str::to_string).unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
    let user = NewUser {
        email: &email,
        display_name: &display_name,
        role,
        organisation_id,
        calendar_id: None,
        password: &password,
    };
    match store.create_user(&user, chrono::Utc::now()).await {
        Ok(id) => {
            println!("Created {} {email} (id {id})", role.as_str());
            if generated {
                println!("Password: {password}");
            }
            Ok(())
        }
        Err(error) if error.is_unique_violation() => bail!("--email: {email} is already taken"),
        Err(error) => Err(error.into()),
    }
}

/// `tierline analyse --json`: the period and the feedback report, with each group's shares and
/// intervals computed, so other tools need not know how.
#[derive(serde::Serialize)]
struct AnalysisJson<'a> {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    feedback: FeedbackJson<'a>,
}

#[derive(serde::Serialize)]
struct FeedbackJson<'a> {
    overall: FiguresJson,
    groupings: Vec<GroupingJson<'a>>,
    /// A score at or below this is low under the policy in force.
    low_score: u8,
    /// Every answer of the period, newest first: the outcome criteria mining can target
    /// (low satisfaction is `answer.csat <= low_score`).
    answers: &'a [app::domain::feedback::report::AnswerRow],
}

#[derive(serde::Serialize)]
struct GroupingJson<'a> {
    grouping: &'static str,
    groups: Vec<GroupJson<'a>>,
}

#[derive(serde::Serialize)]
struct GroupJson<'a> {
    key: &'a str,
    label: &'a str,
    #[serde(flatten)]
    figures: FiguresJson,
}

#[derive(serde::Serialize)]
struct FiguresJson {
    offered: u64,
    answered: u64,
    response_rate: Option<f64>,
    satisfied: u64,
    csat_share: Option<f64>,
    csat_interval_95: Option<(f64, f64)>,
    mean_csat: Option<f64>,
    mean_effort: Option<f64>,
    enough_to_compare: bool,
}

impl FiguresJson {
    fn of(figures: &app::domain::feedback::FeedbackFigures) -> FiguresJson {
        FiguresJson {
            offered: figures.responses.trials,
            answered: figures.responses.successes,
            response_rate: figures.responses.share(),
            satisfied: figures.satisfied.successes,
            csat_share: figures.satisfied.share(),
            csat_interval_95: figures.satisfied.interval_95(),
            mean_csat: figures.mean_csat(),
            mean_effort: figures.mean_effort(),
            enough_to_compare: figures.satisfied.is_enough_to_compare(),
        }
    }
}

impl<'a> AnalysisJson<'a> {
    fn of(page: &'a app::domain::feedback::report::FeedbackPage, low_score: u8) -> AnalysisJson<'a> {
        AnalysisJson {
            from: page.from,
            to: page.to,
            feedback: FeedbackJson {
                overall: FiguresJson::of(&page.report.overall),
                groupings: page
                    .report
                    .sections
                    .iter()
                    .map(|section| GroupingJson {
                        grouping: section.grouping.as_str(),
                        groups: section
                            .rows
                            .iter()
                            .map(|row| GroupJson {
                                key: &row.key,
                                label: &row.label,
                                figures: FiguresJson::of(&row.figures),
                            })
                            .collect(),
                    })
                    .collect(),
                low_score,
                answers: &page.answers,
            },
        }
    }
}

/// The analysis for people: the overall figures and satisfaction by escalation path.
fn analysis_text(page: &app::domain::feedback::report::FeedbackPage) -> String {
    use app::domain::feedback::report::Grouping;
    let line = |label: &str, figures: &app::domain::feedback::FeedbackFigures| {
        let share =
            figures.satisfied.share().map_or("-".to_string(), |share| format!("{:.0} %", share * 100.0));
        let interval = figures
            .satisfied
            .interval_95()
            .map_or(String::new(), |(low, high)| format!(" ({:.0}-{:.0} %)", low * 100.0, high * 100.0));
        let few = if figures.satisfied.is_enough_to_compare() { "" } else { "  too few to compare" };
        format!(
            "  {label:<48} {:>5} offered {:>5} answered  satisfied {share}{interval}{few}\n",
            figures.responses.trials, figures.responses.successes
        )
    };
    let mut text = format!("Feedback from {} to {}\n", page.from, page.to);
    text.push_str(&line("All surveys", &page.report.overall));
    for section in page.report.sections.iter().filter(|section| section.grouping == Grouping::Path) {
        text.push_str("By escalation path:\n");
        for row in &section.rows {
            text.push_str(&line(&row.label, &row.figures));
        }
    }
    text
}
