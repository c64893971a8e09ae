//! Command-line definitions and dispatch: each subcommand calls one library function in
//! `grad_intake::commands`, renders its report and maps it to an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use grad_intake::commands::{self, Setup};
use grad_intake::config::Config;
use grad_intake::demo;
use grad_intake::pin_prompt;
use grad_intake::roster_file::Format;
use grad_intake::scanner::Terminator;
use grad_intake::strings;
use grad_intake::tui::{self, Clock};

#[derive(Parser)]
#[command(
    name = "grad-intake",
    version,
    about = "自学考试毕业生登记表现场受理柜台 / graduation intake counter"
)]
pub struct Cli {
    /// 数据库文件 (database file)
    #[arg(long, global = true, env = "GRAD_INTAKE_DB")]
    db: Option<PathBuf>,
    /// 以此时间代替系统时钟，RFC3339 (clock for tests and demos)
    #[arg(long, global = true, env = "GRAD_INTAKE_NOW", value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// 配置文件 (configuration file)
    #[arg(long, global = true, env = "GRAD_INTAKE_CONFIG")]
    config: Option<PathBuf>,
    /// 串口扫码枪（设备路径或 auto），代替配置中的 [scanner] port (serial barcode reader)
    #[arg(long = "scanner", value_name = "PORT")]
    scanner_port: Option<String>,
    /// 界面语言 zh|en (interface language; default from config, else zh)
    #[arg(long, global = true, value_parser = ["zh", "en"])]
    lang: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// 查询一次扫码的结果：考生、受理时间、材料清单、不能受理的原因 (what the counter shows for a scan)
    Check {
        /// 扫码内容、准考证号或身份证号
        payload: String,
        #[arg(long)]
        json: bool,
    },
    /// 考生名单 (roster)
    #[command(subcommand)]
    Roster(RosterCommand),
    /// 受理时间安排 (sites and windows)
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// 生成演示数据：合成考生、照片、柜员，并写入配置 (synthetic demo office)
    Demo {
        #[arg(long, default_value_t = demo::DEFAULT_CANDIDATES)]
        candidates: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// 打印：补打《毕业生登记表》（A4双面）、受理回执 (print the registration form or a receipt)
    #[command(subcommand)]
    Print(PrintCommand),
    /// 与考试院同步：上传本柜台的事件，下载名单和照片 (sync with the portal)
    Sync {
        /// 只同步一轮后退出；不加则持续同步，Ctrl-C 停止
        #[arg(long)]
        once: bool,
    },
    /// 用考试院管理员给的一次性登记码登记本柜台：令牌、办理点、柜台编号和考试院公钥写入配置文件
    /// (enrol this counter with the portal's one-time code)
    Enrol {
        /// 登记码，如 ABCD-EFGH-JKMN-PQRS
        code: String,
        /// 考试院地址，如 https://portal.example.cn（http 只能用于本机）
        #[arg(long = "portal", value_name = "URL")]
        portal: String,
        /// 考试院使用自己的CA（如政务CA）时，该CA证书的PEM文件；写入配置的 portal_ca_file
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
    },
    /// 考试院参考服务，供测试、演示和小规模部署 (the reference portal; --db is its own database)
    #[command(subcommand)]
    Portal(PortalCommand),
    /// 串口扫码枪：列出串口、试读 (serial barcode reader diagnostics)
    #[command(subcommand)]
    Scanner(ScannerCommand),
    /// 柜员与主管：添加、列出、重设PIN、停用、启用、解锁（须由主管 --by 执行，均记入审计日志）
    #[command(subcommand)]
    Clerk(ClerkCommand),
    /// 某日受理统计（本柜台数据）：按结果、时段、柜员、柜台、退回原因，名单中尚未前来的人数
    Tally {
        /// 日期 YYYY-MM-DD（北京时间），默认今天
        #[arg(long, value_parser = parse_date)]
        date: Option<chrono::NaiveDate>,
        /// 另存为CSV文件（UTF-8带BOM，Excel可直接打开）
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// 审计日志：校验哈希链、显示最近条目
    #[command(subcommand)]
    Audit(AuditCommand),
    /// 检查这台电脑能否受理：配置、数据库、权限、磁盘、考试院、时钟、打印机、扫码枪、字体、审计日志（只读，不改动任何东西）
    Doctor {
        #[arg(long)]
        json: bool,
        /// 同时测试串口扫码枪：等待扫一次码（默认 30 秒）
        #[arg(long, value_name = "秒", num_args = 0..=1, default_missing_value = "30")]
        scanner_test: Option<u64>,
    },
    /// 照片标准检查（市考办审核用）
    #[command(subcommand)]
    Photo(grad_intake::photo::command::PhotoCommand),
}

#[derive(Subcommand)]
enum PrintCommand {
    /// 补打考生的《毕业生登记表》（可一次多名；份数默认按材料规则：社会考生2份、公开学院3份）
    Form {
        /// 准考证号（可多个）
        #[arg(required = true)]
        exam_nos: Vec<String>,
        #[command(flatten)]
        to: PrintTo,
        /// 每名考生打印的份数；默认按材料规则
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=9))]
        copies: Option<u32>,
        /// 使用另一份表格定义（TOML，格式见 forms/registration-form.toml）
        #[arg(long, value_name = "FILE.toml")]
        form: Option<PathBuf>,
    },
    /// 打印考生这次办理的回执（按准考证号，或回执二维码上的受理编号）
    Receipt {
        /// 准考证号或受理编号
        intake_id: String,
        #[command(flatten)]
        to: PrintTo,
    },
}

#[derive(clap::Args)]
struct PrintTo {
    /// 不送打印机，写入这个PDF文件（文件须尚不存在）
    #[arg(long, value_name = "FILE.pdf")]
    out: Option<PathBuf>,
    /// 打印机的 IPP 地址，如 ipp://127.0.0.1:631/printers/duplex；默认取配置 printer
    #[arg(long, value_name = "URI")]
    printer: Option<String>,
}

#[derive(Subcommand)]
enum ScannerCommand {
    /// 列出本机串口（有USB厂商号/产品号/序列号的一并显示）及 port = "auto" 将选用的设备
    List,
    /// 打开扫码枪串口，逐条显示读到的内容和连接状态变化，按 Ctrl-C 结束
    Listen {
        /// 串口路径（如 /dev/ttyACM0、/dev/serial/by-id/...、COM3）或 auto；默认取配置 scanner.port
        port: Option<String>,
        /// 波特率；默认取配置 scanner.baud，再默认 9600
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        baud: Option<u32>,
        /// 结束符：CR、LF、CRLF 或 Tab；默认取配置 scanner.terminator
        #[arg(long)]
        terminator: Option<Terminator>,
    },
}

#[derive(Subcommand)]
enum PortalCommand {
    /// 启动服务
    Serve {
        /// 监听地址
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// 工作线程数
        #[arg(long, default_value_t = 4)]
        workers: usize,
        /// 以 HTTPS 服务：证书（PEM，服务器证书在前，可含中间证书）；文件更新后自动重新读取，无需重启
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// 证书的私钥（PEM）
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// 生成签名密钥（已有则显示其公钥），公钥填入各柜台的 portal_public_keys
    Keygen {
        /// 另生成新密钥（旧公钥仍应保留在柜台配置中，直至旧登记表不再使用）
        #[arg(long)]
        rotate: bool,
    },
    /// 导入名单（全部成功或全部不导入），并为每名考生签发登记表二维码
    ImportRoster {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// 照片目录，内含 <准考证号>.jpg（导入后按考生办理地点所在城市的标准检测每张照片）
        #[arg(long)]
        photos: Option<PathBuf>,
    },
    /// 照片复核名单：照片不合标准、未能测量或无照片的考生（供市考办审核；全部合格时退出码为0）
    PhotoReport {
        /// 办理地点代码（4位数字）
        #[arg(long, required_unless_present = "city", conflicts_with = "city")]
        site: Option<String>,
        /// 城市（与 data/districts.toml 中一致，如 广州市）：该市所有办理地点
        #[arg(long)]
        city: Option<String>,
        /// 另存为CSV文件（UTF-8带BOM，Excel可直接打开；文件须尚不存在）
        #[arg(long, value_name = "OUT.csv")]
        csv: Option<PathBuf>,
    },
    /// 登记柜台，生成其令牌和一次性登记码（24小时内有效，附二维码）；再次运行则更换令牌，旧令牌作废，已停用的柜台恢复
    AddCounter {
        #[arg(long)]
        site: String,
        #[arg(long)]
        counter: String,
    },
    /// 停用柜台：其令牌从下一次请求起被拒绝，未用的登记码作废；已上传的记录保留
    RevokeCounter {
        #[arg(long)]
        counter: String,
    },
    /// 更换柜台的令牌：旧令牌从下一次请求起被拒绝；显示新令牌和新的登记码
    RotateToken {
        #[arg(long)]
        counter: String,
    },
    /// 列出已登记的柜台：办理点、在用或已停用、令牌签发时间、可用的登记码
    ListCounters,
    /// 设置时钟偏差上限（小时，默认 24）：按柜台时钟偏差校正后仍超出的事件被标记，不计入当日统计
    SetClockLimit { hours: i64 },
}

#[derive(Subcommand)]
enum RosterCommand {
    /// 导入名单文件（全部成功或全部不导入）
    Import {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// 显示一名考生（身份证号只显示后4位）
    Show {
        exam_no: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ScheduleCommand {
    /// 导入新批次的办理点/受理日期文件（格式同 data/windows/*.toml）
    Import { file: PathBuf },
    /// 显示办理点此刻的受理状态
    Status { site: Option<String> },
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| strings::BAD_NOW.to_owned())
}

/// The configuration, database and clock of this run; starts logging next to the database.
fn setup(cli: &Cli) -> Result<Setup> {
    let setup = Setup::load(cli.config.as_deref(), cli.db.as_deref(), cli.now)?;
    if let Some(dir) = setup.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Logging is a help, not a condition: the counter works without it.
        if let Err(e) = grad_intake::logging::init(dir) {
            eprintln!("{}{e}", strings::LOG_UNAVAILABLE);
        }
    }
    Ok(setup)
}

pub fn run(cli: Cli) -> Result<i32> {
    // Before `Setup`: a broken configuration is one of doctor's findings, and doctor creates
    // nothing (not even the log).
    if let Some(Command::Doctor { json, scanner_test }) = cli.command {
        return doctor(&cli, json, scanner_test);
    }
    let setup = setup(&cli)?;
    match cli.command {
        None => counter_screen(&setup, cli.lang.as_deref(), cli.scanner_port.as_deref()),
        Some(Command::Check { payload, json }) => check(&setup, &payload, json),
        Some(Command::Roster(RosterCommand::Import { file, format })) => {
            let report = commands::roster::import(&setup, &file, format)?;
            println!("{}", commands::roster::render_import(&report));
            Ok(0)
        }
        Some(Command::Roster(RosterCommand::Show { exam_no, json })) => {
            roster_show(&setup, &exam_no, json)
        }
        Some(Command::Schedule(ScheduleCommand::Import { file })) => {
            let name = commands::schedule::import(&setup, &file)?;
            println!("{}", commands::schedule::render_import(&name));
            Ok(0)
        }
        Some(Command::Schedule(ScheduleCommand::Status { site })) => {
            let sites = commands::schedule::status(&setup, site.as_deref())?;
            print!("{}", commands::schedule::render_status(&sites));
            Ok(0)
        }
        Some(Command::Demo { candidates, seed }) => demo_command(&setup, candidates, seed),
        Some(Command::Sync { once }) => sync_command(&setup, once),
        Some(Command::Enrol {
            code,
            portal,
            ca_file,
        }) => {
            let enrolled = commands::enrol::enrol(&setup, &code, &portal, ca_file.as_deref())?;
            print!("{}", commands::enrol::render(&enrolled));
            Ok(0)
        }
        Some(Command::Print(command)) => print_command(&setup, command),
        Some(Command::Scanner(command)) => scanner_command(&setup, command),
        Some(Command::Clerk(command)) => clerk_command(&setup, command),
        Some(Command::Tally { date, csv, json }) => {
            tally_command(&setup, date, csv.as_deref(), json)
        }
        Some(Command::Audit(command)) => audit_command(&setup, command),
        Some(Command::Doctor { json, scanner_test }) => doctor(&cli, json, scanner_test),
        Some(Command::Photo(command)) => grad_intake::photo::command::run(&command, &setup.db),
        Some(Command::Portal(command)) => {
            // The portal's database is only ever the one named on the command line (or in
            // GRAD_INTAKE_DB): never the counter's default file.
            let db = cli.db.as_deref().context(strings::PORTAL_NEED_DB)?;
            portal_command(&setup, db, command)
        }
    }
}

fn check(setup: &Setup, payload: &str, json: bool) -> Result<i32> {
    let report = commands::check::run(setup, payload)?;
    tracing::info!(kind = report.kind(), "check");
    let mut out = std::io::stdout().lock();
    match (&report, json) {
        (_, true) => writeln!(out, "{}", commands::check::render_json(&report)?)?,
        (commands::check::CheckReport::Assessed(a), false) => {
            commands::check::render_text(&mut out, a)?;
        }
        (commands::check::CheckReport::Refused(e), false) => eprintln!("{e}"),
    }
    Ok(report.exit_code())
}

fn roster_show(setup: &Setup, exam_no: &str, json: bool) -> Result<i32> {
    let Some(candidate) = commands::roster::show(setup, exam_no)? else {
        eprintln!("{}", strings::CHECK_UNKNOWN_CANDIDATE);
        return Ok(1);
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&candidate)?);
    } else {
        print!("{}", commands::roster::render_show(&candidate));
    }
    Ok(0)
}

fn demo_command(setup: &Setup, candidates: usize, seed: u64) -> Result<i32> {
    demo_setup(setup, candidates, seed)?;
    Ok(0)
}

/// Sets up the demo office and prints what was set up.
fn demo_setup(setup: &Setup, candidates: usize, seed: u64) -> Result<commands::demo::DemoReport> {
    let report = commands::demo::install(setup, candidates, seed)?;
    print!("{}", commands::demo::render(&report));
    Ok(report)
}

/// Without a subcommand: the counter screen. With no configuration it first sets up the demo
/// office, so a new user sees a working counter at once.
fn counter_screen(setup: &Setup, lang: Option<&str>, scanner_port: Option<&str>) -> Result<i32> {
    // The report printed here is hidden by the screen until it closes: the login box repeats it.
    let welcome = if setup.config_path.exists() {
        None
    } else {
        Some(demo_setup(setup, demo::DEFAULT_CANDIDATES, 1)?.welcome())
    };
    let config = Config::load(&setup.config_path)?;
    let options = tui::ScreenOptions {
        lang,
        scanner_port,
        clock: setup.fixed_now.map_or(Clock::System, Clock::Fixed),
        welcome,
    };
    tui::run_counter(&config, &setup.db, &options)?;
    Ok(0)
}

// ---- sync and portal commands ----

/// `grad-intake sync [--once]`.
fn sync_command(setup: &Setup, once: bool) -> Result<i32> {
    use commands::sync::{self as sync, RoundOutcome};
    use std::io::IsTerminal;
    let settings = sync::settings(setup)?;
    if !once {
        let print = |status: grad_intake::sync::SyncStatus| {
            println!("{}", sync::render_status(&status));
        };
        let _worker = sync::spawn(setup, settings, print)?;
        // Syncs in the background until interrupted.
        loop {
            std::thread::park();
        }
    }
    // One round with a progress bar on a terminal; a summary and the rejected events at the end.
    let tty = std::io::stderr().is_terminal();
    let mut show = |p: &grad_intake::sync::Progress| {
        if tty {
            eprint!("\r{}", sync::render_progress(p));
        }
    };
    let outcome = sync::once(setup, &settings, &mut show);
    if tty {
        eprintln!();
    }
    match outcome? {
        RoundOutcome::Done {
            report,
            rejected,
            rejected_total,
        } => {
            print!("{}", sync::render_done(&report, &rejected, rejected_total));
            Ok(0)
        }
        RoundOutcome::Failed(e) => {
            eprintln!("{e}");
            Ok(1)
        }
    }
}

fn portal_command(setup: &Setup, db: &Path, command: PortalCommand) -> Result<i32> {
    use commands::portal;
    match command {
        PortalCommand::Serve {
            listen,
            workers,
            tls_cert,
            tls_key,
        } => {
            if let Some(now) = setup.fixed_now {
                grad_intake::portal::fix_clock(now);
            }
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| grad_intake::portal::TlsFiles { cert, key });
            let server = portal::serve(db, &listen, workers, tls.as_ref())?;
            println!("{}", portal::render_started(&server, db));
            std::io::stdout().flush()?;
            // Returns only if the server failed: exit with a failure status, never 0.
            server.wait()?;
        }
        PortalCommand::Keygen { rotate } => {
            print!(
                "{}",
                portal::render_keygen(&portal::keygen(db, rotate, setup.now)?)
            );
        }
        PortalCommand::ImportRoster {
            file,
            format,
            photos,
        } => {
            let report = portal::import_roster(db, &file, format, photos.as_deref(), setup.now)?;
            println!("{}", portal::render_import(&report));
        }
        PortalCommand::AddCounter { site, counter } => {
            let added = portal::add_counter(db, &site, &counter, setup.now)?;
            print!("{}", portal::render_counter_added(&added));
        }
        PortalCommand::RevokeCounter { counter } => {
            portal::revoke_counter(db, &counter, setup.now)?;
            print!("{}", portal::render_revoked(&counter));
        }
        PortalCommand::RotateToken { counter } => {
            let rotated = portal::rotate_token(db, &counter, setup.now)?;
            print!("{}", portal::render_token_rotated(&rotated));
        }
        PortalCommand::ListCounters => {
            print!(
                "{}",
                portal::render_counters(&portal::list_counters(db, setup.now)?)
            );
        }
        PortalCommand::PhotoReport { site, city, csv } => {
            let scope = match (site, city) {
                (Some(site), _) => portal::PhotoScope::Site(site),
                (None, city) => portal::PhotoScope::City(city.unwrap_or_default()),
            };
            let report = portal::photo_report(db, &scope)?;
            if let Some(path) = &csv {
                portal::write_photo_report_csv(&report, path)?;
            }
            print!("{}", portal::render_photo_report(&report));
            return Ok(if report.rows.is_empty() { 0 } else { 1 });
        }
        PortalCommand::SetClockLimit { hours } => {
            portal::set_clock_limit(db, hours)?;
            print!("{}", portal::render_clock_limit(hours));
        }
    }
    Ok(0)
}

fn scanner_command(setup: &Setup, command: ScannerCommand) -> Result<i32> {
    use commands::scanner;
    match command {
        ScannerCommand::List => print!("{}", scanner::render_list(&scanner::list()?)),
        ScannerCommand::Listen {
            port,
            baud,
            terminator,
        } => {
            let config = scanner::listen_config(setup, port.as_deref(), baud, terminator);
            println!("{}", scanner::render_listening(&config));
            scanner::listen(config, &mut std::io::stdout().lock())?;
        }
    }
    Ok(0)
}

// ---- supervisor commands: clerks, tally, audit ----

#[derive(Subcommand)]
enum ClerkCommand {
    /// 添加柜员或主管；PIN 在终端中隐藏输入两次，或用 --pin-stdin 从标准输入读一行
    Add {
        /// 工号（字母、数字、-和_，最长32位）
        id: String,
        /// 姓名
        #[arg(long)]
        name: String,
        /// 角色：clerk（柜员）或 supervisor（主管）
        #[arg(long, value_enum)]
        role: RoleArg,
        /// 从标准输入读取一行作为PIN（供脚本使用）
        #[arg(long)]
        pin_stdin: bool,
        /// 执行此操作的主管工号（数据库中还没有主管时，添加首位主管可不指定）
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
    /// 列出柜员：工号、姓名、角色、是否停用、是否锁定
    List {
        #[arg(long)]
        json: bool,
    },
    /// 重设PIN（并解除锁定）
    ResetPin {
        id: String,
        #[arg(long)]
        pin_stdin: bool,
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
    /// 停用工号（不能再登录，记录保留）
    Disable {
        id: String,
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
    /// 重新启用已停用的工号
    Enable {
        id: String,
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
    /// 解除PIN输错造成的锁定
    Unlock {
        id: String,
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Clerk,
    Supervisor,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验审计日志的哈希链：完整则显示条目数；否则指出第一条被修改、删除或调换顺序的条目（退出码1）
    Verify,
    /// 显示最近的审计日志条目
    Show {
        /// 条数
        #[arg(long, default_value_t = 20)]
        last: usize,
    },
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| strings::BAD_DATE.to_owned())
}

fn clerk_command(setup: &Setup, command: ClerkCommand) -> Result<i32> {
    use commands::clerk;
    use grad_intake::store::Role;
    let report = match command {
        ClerkCommand::Add {
            id,
            name,
            role,
            pin_stdin,
            by,
        } => {
            let role = match role {
                RoleArg::Clerk => Role::Clerk,
                RoleArg::Supervisor => Role::Supervisor,
            };
            let read_pin = || pin_prompt::read_new_pin(pin_stdin);
            clerk::add(setup, &id, &name, role, by.as_deref(), read_pin)?
        }
        ClerkCommand::List { json } => {
            let list = clerk::list(setup)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print!("{}", clerk::render_list(&list));
            }
            return Ok(0);
        }
        ClerkCommand::ResetPin { id, pin_stdin, by } => {
            let read_pin = || pin_prompt::read_new_pin(pin_stdin);
            clerk::reset_pin(setup, &id, by.as_deref(), read_pin)?
        }
        ClerkCommand::Disable { id, by } => clerk::disable(setup, &id, by.as_deref())?,
        ClerkCommand::Enable { id, by } => clerk::enable(setup, &id, by.as_deref())?,
        ClerkCommand::Unlock { id, by } => clerk::unlock(setup, &id, by.as_deref())?,
    };
    print!("{}", clerk::render(&report));
    Ok(0)
}

/// `grad-intake doctor [--json] [--scanner-test [秒]]`: exit code 0 only when every configured check
/// passes.
fn doctor(cli: &Cli, json: bool, scanner_test: Option<u64>) -> Result<i32> {
    use grad_intake::doctor;
    let inputs = doctor::Inputs {
        config_path: cli
            .config
            .clone()
            .unwrap_or_else(grad_intake::config::default_config_path),
        db_flag: cli.db.clone(),
        now: cli.now.unwrap_or_else(Utc::now),
        scanner_test: scanner_test.map(std::time::Duration::from_secs),
    };
    // What the person must do goes to stderr, so `--json` stays one document on stdout.
    let report = doctor::run(&inputs, &mut |line| eprintln!("{line}"));
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", doctor::render_text(&report));
    }
    Ok(if report.ok { 0 } else { 1 })
}

/// `grad-intake tally [--date D] [--csv FILE] [--json]`: this counter's numbers of a local day.
fn tally_command(
    setup: &Setup,
    date: Option<chrono::NaiveDate>,
    csv: Option<&Path>,
    json: bool,
) -> Result<i32> {
    use commands::tally;
    let report = tally::run(setup, date)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report.tally)?);
    } else {
        let text = tally::render_text(&report.tally, &report.scope, tally::TOP_REASONS);
        print!("{text}");
    }
    if let Some(path) = csv {
        tally::write_csv(&report, path)?;
        eprintln!("{}{}", strings::TALLY_CSV_WRITTEN, path.display());
    }
    Ok(0)
}

fn audit_command(setup: &Setup, command: AuditCommand) -> Result<i32> {
    use commands::audit;
    match command {
        AuditCommand::Verify => {
            let verdict = audit::verify(setup)?;
            print!("{}", audit::render_verdict(&verdict));
            Ok(verdict.exit_code())
        }
        AuditCommand::Show { last } => {
            print!("{}", audit::render_tail(&audit::show(setup, last)?));
            Ok(0)
        }
    }
}

fn print_command(setup: &Setup, command: PrintCommand) -> Result<i32> {
    use commands::print;
    match command {
        PrintCommand::Form {
            exam_nos,
            to,
            copies,
            form,
        } => {
            let mut show = |done: &grad_intake::print::Done| println!("{done}");
            print::forms(
                setup,
                &exam_nos,
                &to.into(),
                copies,
                form.as_deref(),
                &mut show,
            )?;
        }
        PrintCommand::Receipt { intake_id, to } => {
            println!("{}", print::receipt(setup, &intake_id, &to.into())?);
        }
    }
    Ok(0)
}

impl From<PrintTo> for commands::print::PrintTo {
    fn from(to: PrintTo) -> Self {
        Self {
            out: to.out,
            printer: to.printer,
        }
    }
}
