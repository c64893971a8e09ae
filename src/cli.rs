//! Command-line definitions and one function per subcommand.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use grad_intake::config::{self, Config};
use grad_intake::counter::{CheckError, Counter};
use grad_intake::demo;
use grad_intake::domain::assess::Assessment;
use grad_intake::roster_file::{self, Format};
use grad_intake::scanner::{self, PortSpec, ReaderConfig, Terminator};
use grad_intake::store::Store;
use grad_intake::strings;
use grad_intake::strings::ui::Lang;
use grad_intake::sync::SyncSettings;
use grad_intake::tui::{self, Clock, UiConfig};

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
        /// 照片目录，内含 <准考证号>.jpg
        #[arg(long)]
        photos: Option<PathBuf>,
    },
    /// 登记柜台并生成其令牌（再次运行则更换令牌，旧令牌作废）
    AddCounter {
        #[arg(long)]
        site: String,
        #[arg(long)]
        counter: String,
    },
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

/// Where things are, after flags, environment and the configuration file.
struct Setup {
    config: Config,
    config_path: PathBuf,
    db: PathBuf,
    now: DateTime<Utc>,
    /// The `--now` given, if any: the counter screen then runs on a fixed clock.
    fixed_now: Option<DateTime<Utc>>,
}

impl Setup {
    fn new(cli: &Cli) -> Result<Self> {
        let config_path = cli
            .config
            .clone()
            .unwrap_or_else(config::default_config_path);
        let config = Config::load(&config_path)?;
        let db = config::resolve_db(cli.db.as_deref(), &config, &config_path);
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Logging is a help, not a condition: the counter works without it.
            if let Err(e) = grad_intake::logging::init(dir) {
                eprintln!("{}{e}", strings::LOG_UNAVAILABLE);
            }
        }
        Ok(Self {
            config,
            config_path,
            db,
            now: cli.now.unwrap_or_else(Utc::now),
            fixed_now: cli.now,
        })
    }

    fn counter(&self) -> Result<Counter> {
        Ok(Counter::open(&self.config, &self.db)?)
    }
}

pub fn run(cli: Cli) -> Result<i32> {
    let setup = Setup::new(&cli)?;
    match cli.command {
        None => counter_screen(&setup, cli.lang.as_deref(), cli.scanner_port.as_deref()),
        Some(Command::Check { payload, json }) => check(&setup, &payload, json),
        Some(Command::Roster(RosterCommand::Import { file, format })) => {
            roster_import(&setup, &file, format)
        }
        Some(Command::Roster(RosterCommand::Show { exam_no, json })) => {
            roster_show(&setup, &exam_no, json)
        }
        Some(Command::Schedule(ScheduleCommand::Import { file })) => schedule_import(&setup, &file),
        Some(Command::Schedule(ScheduleCommand::Status { site })) => {
            schedule_status(&setup, site.as_deref())
        }
        Some(Command::Demo { candidates, seed }) => demo_command(&setup, candidates, seed),
        Some(Command::Sync { once }) => sync_command(&setup, once),
        Some(Command::Print(command)) => print_command(&setup, command),
        Some(Command::Scanner(ScannerCommand::List)) => scanner_list(),
        Some(Command::Clerk(command)) => clerk_command(&setup, command),
        Some(Command::Tally { date, csv, json }) => {
            tally_command(&setup, date, csv.as_deref(), json)
        }
        Some(Command::Audit(command)) => audit_command(&setup, command),
        Some(Command::Photo(command)) => grad_intake::photo::command::run(&command, &setup.db),
        Some(Command::Scanner(ScannerCommand::Listen {
            port,
            baud,
            terminator,
        })) => scanner_listen(&setup, port.as_deref(), baud, terminator),
        Some(Command::Portal(command)) => {
            // The portal's database is only ever the one named on the command line (or in
            // GRAD_INTAKE_DB): never the counter's default file.
            let db = cli.db.as_deref().context(strings::PORTAL_NEED_DB)?;
            match command {
                PortalCommand::Serve { listen, workers } => portal_serve(db, &listen, workers),
                PortalCommand::Keygen { rotate } => portal_keygen(&setup, db, rotate),
                PortalCommand::ImportRoster {
                    file,
                    format,
                    photos,
                } => portal_import_roster(&setup, db, &file, format, photos.as_deref()),
                PortalCommand::AddCounter { site, counter } => {
                    portal_add_counter(&setup, db, &site, &counter)
                }
            }
        }
    }
}

fn check(setup: &Setup, payload: &str, json: bool) -> Result<i32> {
    let counter = setup.counter()?;
    let result = counter.check(payload, setup.now);
    tracing::info!(
        kind = result
            .as_ref()
            .map_or_else(|e| e.kind(), |a| a.intake.state.as_str()),
        "check"
    );
    let mut out = std::io::stdout().lock();
    match (result, json) {
        (Ok(a), true) => writeln!(out, "{}", serde_json::to_string_pretty(&a)?)?,
        (Ok(a), false) => print_assessment(&mut out, &a)?,
        (Err(e), true) => {
            let doc = serde_json::json!({"error": {"kind": e.kind(), "message": e.to_string()}});
            writeln!(out, "{doc}")?;
            return Ok(1);
        }
        (Err(e), false) => return fail(&e),
    }
    Ok(0)
}

fn fail(e: &CheckError) -> Result<i32> {
    eprintln!("{e}");
    Ok(1)
}

fn print_assessment(out: &mut impl Write, a: &Assessment) -> Result<()> {
    let c = &a.candidate;
    writeln!(
        out,
        "考生：{}  准考证号：{}  证件号：{}",
        c.name, c.exam_no, c.id_masked
    )?;
    writeln!(
        out,
        "层次：{}  专业代码：{}  办理地点：{}",
        c.level, c.major_code, c.site_code
    )?;
    writeln!(out, "扫码：{}", strings::scan_kind(a.scan.kind))?;
    let until = a
        .window
        .until
        .map(|t| format!("（至 {}）", t.format("%m-%d %H:%M")))
        .unwrap_or_default();
    writeln!(
        out,
        "受理时间：{}{until}",
        strings::window_status(a.window.status)
    )?;
    writeln!(out, "办理状态：{}", strings::intake_state(a.intake.state))?;
    writeln!(out, "材料清单：")?;
    for item in &a.checklist {
        writeln!(
            out,
            "  □ {} ×{}  {}",
            item.title,
            item.copies,
            strings::item_kind(item.kind)
        )?;
        if let Some(note) = &item.note {
            writeln!(out, "      {note}")?;
        }
    }
    if !a.blockers.is_empty() {
        writeln!(out, "不能受理：")?;
        for b in &a.blockers {
            writeln!(out, "  ✗ {}", b.message)?;
        }
    }
    Ok(())
}

fn roster_import(setup: &Setup, file: &Path, format: Option<Format>) -> Result<i32> {
    let (text, format) = roster_file::read_text(file, format)?;
    let mut store = Store::open(&setup.db)?;
    // Parsed and stored at once (one transaction): nothing is stored unless all of it is.
    let report = roster_file::import(&mut store, &text, format)?;
    tracing::info!(
        added = report.added,
        updated = report.updated,
        unchanged = report.unchanged,
        "roster import"
    );
    println!(
        "导入完成：新增 {}，更新 {}，未变 {}（共 {} 条）",
        report.added,
        report.updated,
        report.unchanged,
        report.added + report.updated + report.unchanged
    );
    Ok(0)
}

fn roster_show(setup: &Setup, exam_no: &str, json: bool) -> Result<i32> {
    let store = Store::open(&setup.db)?;
    let Some(mut c) = store.candidate(exam_no.trim())? else {
        eprintln!("{}", strings::CHECK_UNKNOWN_CANDIDATE);
        return Ok(1);
    };
    // Screens and reports show only the last 4 characters of an ID number.
    c.id_no = c.id_masked();
    if json {
        println!("{}", serde_json::to_string_pretty(&c)?);
        return Ok(0);
    }
    println!(
        "{}  {}  {}  证件号 {}",
        c.exam_no,
        c.name,
        c.gender.label(),
        c.id_no
    );
    println!(
        "{} {}（{}）  主考学校：{}",
        c.level.label(),
        c.major_name,
        c.major_code,
        c.exam_school
    );
    println!(
        "批次 {}  办理地点 {}  照片 {:?}  毕业预测{}",
        c.batch,
        c.site_code,
        c.photo_status,
        if c.prediction_passed {
            "通过"
        } else {
            "未通过"
        }
    );
    for course in &c.courses {
        println!(
            "  {} {} {} {}",
            course.code, course.name, course.score, course.date
        );
    }
    Ok(0)
}

fn schedule_import(setup: &Setup, file: &Path) -> Result<i32> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{}{}", strings::IMPORT_READ, file.display()))?;
    let store = Store::open(&setup.db)?;
    let mut schedule = grad_intake::counter::load_schedule(&store)?;
    let name = file.file_name().map_or_else(
        || "schedule.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    // Parse against what is there first: a bad document is refused and nothing is stored.
    schedule.merge_doc(&name, &text)?;
    store.put_schedule_doc(&name, &text)?;
    println!("{}{name}", strings::SCHEDULE_IMPORTED);
    Ok(0)
}

fn schedule_status(setup: &Setup, site: Option<&str>) -> Result<i32> {
    let counter = setup.counter()?;
    let wanted = site
        .map(str::to_owned)
        .or_else(|| counter.site_code.clone());
    for s in counter
        .schedule
        .sites()
        .filter(|s| wanted.as_ref().is_none_or(|w| *w == s.code))
    {
        let state = counter.schedule.status(&s.code, setup.now);
        let until = state
            .until
            .map(|t| format!("（至 {}）", t.format("%Y-%m-%d %H:%M")))
            .unwrap_or_default();
        println!(
            "{} {}：{}{until}",
            s.code,
            s.name,
            strings::window_status(state.status)
        );
    }
    Ok(0)
}

fn demo_command(setup: &Setup, candidates: usize, seed: u64) -> Result<i32> {
    let mut store = Store::open(&setup.db)?;
    let key = demo::load_or_create_key(&setup.db)?;
    let installed = demo::install(&mut store, candidates, seed, setup.now, &key)?;
    let r = installed.report;
    println!("演示数据（合成，非真实考生）已写入 {}", setup.db.display());
    println!(
        "  考生：新增 {}，更新 {}，未变 {}",
        r.added, r.updated, r.unchanged
    );
    if !setup.config_path.exists() {
        let config = demo_config(&setup.db, &key);
        config.write_new(&setup.config_path)?;
        println!("  已写入配置：{}", setup.config_path.display());
    } else {
        println!("  配置已存在，未改动：{}", setup.config_path.display());
    }
    println!("  演示柜员（工号 / PIN）：");
    for (id, name, role, pin) in demo::DEMO_CLERKS {
        println!("    {id} / {pin}  {name}（{}）", role.as_str());
    }
    println!("  试一试：");
    for d in installed.candidates.iter().take(3) {
        if let Some(qr) = &d.candidate.qr {
            println!("    grad-intake check '{qr}'    # {}", d.case);
        }
    }
    Ok(0)
}

fn demo_config(db: &Path, key: &ed25519_dalek::SigningKey) -> Config {
    let db = std::path::absolute(db).unwrap_or_else(|_| db.to_owned());
    Config {
        site_code: Some(demo::DEMO_SITE.into()),
        counter_id: Some(demo::DEMO_COUNTER.into()),
        db: Some(db),
        lang: Some("zh".into()),
        portal_public_keys: vec![grad_intake::domain::scan::encode_public_key(
            &key.verifying_key(),
        )],
        ..Config::default()
    }
}

/// The serial reader: `--scanner PORT` over the configuration's `[scanner]` table (whose baud
/// rate and terminator still apply); none when neither names one.
fn reader_config(config: &Config, port: Option<&str>) -> Option<ReaderConfig> {
    let mut table = config.scanner.clone();
    if let Some(port) = port {
        let base = table.unwrap_or(config::ScannerConfig {
            port: String::new(),
            baud: None,
            terminator: None,
        });
        table = Some(config::ScannerConfig {
            port: port.to_owned(),
            ..base
        });
    }
    table.as_ref().map(ReaderConfig::from_config)
}

/// Without a subcommand: the counter screen. With no configuration it first sets up the demo
/// office, so a new user sees a working counter at once.
fn counter_screen(setup: &Setup, lang: Option<&str>, scanner_port: Option<&str>) -> Result<i32> {
    if !setup.config_path.exists() {
        demo_command(setup, demo::DEFAULT_CANDIDATES, 1)?;
    }
    let config = Config::load(&setup.config_path)?;
    let counter = Counter::open(&config, &setup.db)?;
    if counter.site_code.as_deref() == Some(demo::DEMO_SITE) {
        // The demo window follows the clock, so the demo counter is open whenever it is started.
        demo::refresh_window(&counter.store, setup.now)?;
    }
    let counter = Counter::open(&config, &setup.db)?;
    let site_code = counter.site_code.clone().unwrap_or_default();
    let site_name = counter
        .schedule
        .site(&site_code)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let lang = lang
        .or(config.lang.as_deref())
        .and_then(Lang::parse)
        .unwrap_or_default();
    let cfg = UiConfig {
        site_code,
        site_name,
        counter_id: counter.counter_id.clone(),
        lang,
        bell: config.bell.unwrap_or(true),
        idle_lock: chrono::Duration::minutes(i64::from(config.idle_lock_minutes.unwrap_or(10))),
        override_ttl: config.override_ttl(),
        portal: config.portal_url.is_some(),
        printer: config.printer.is_some(),
    };
    let clock = setup.fixed_now.map_or(Clock::System, Clock::Fixed);
    // A portal that is set up wrongly stops sync, never the counter: it works offline and the
    // status bar says what is wrong.
    let sync = config.portal_url.as_ref().map(|_| {
        SyncSettings::from_config(&config)
            .map(|s| (s, setup.db.clone()))
            .map_err(|e| e.to_string())
    });
    let printer = match &config.printer {
        Some(uri) => Some(tui::PrintEdge {
            uri: uri.clone(),
            fonts: grad_intake::print::configured_fonts(config.print_fallback_font.as_deref())?,
            counter: Counter::open(&config, &setup.db)?,
        }),
        None => None,
    };
    let edges = tui::Edges {
        scanner: reader_config(&config, scanner_port),
        sync,
        printer,
    };
    tui::run(counter, cfg, clock, edges)?;
    Ok(0)
}

// ---- sync and portal commands ----

/// `grad-intake sync [--once]`.
fn sync_command(setup: &Setup, once: bool) -> Result<i32> {
    use grad_intake::sync::SyncSettings;
    let settings = SyncSettings::from_config(&setup.config)?;
    if once {
        sync_once(setup, &settings)
    } else {
        sync_forever(setup, settings)
    }
}

/// One round with a progress bar on a terminal; a summary and the rejected events at the end.
fn sync_once(setup: &Setup, settings: &grad_intake::sync::SyncSettings) -> Result<i32> {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let mut show = |p: &grad_intake::sync::Progress| {
        if tty {
            eprint!("\r{}", sync_progress_line(p));
        }
    };
    let result = grad_intake::sync::run_round(settings, &setup.db, &mut show);
    if tty {
        eprintln!();
    }
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("{e}");
            return Ok(1);
        }
    };
    println!(
        "{}上传事件 {} 条（其中考试院已有 {} 条，拒收 {} 条），名单更新 {} 人，照片 {} 张；尚待上传 {} 条",
        strings::SYNC_DONE,
        report.stored + report.duplicates + report.rejected,
        report.duplicates,
        report.rejected,
        report.roster_received,
        report.photos_received,
        report.pending
    );
    print_rejected(&Store::open(&setup.db)?)?;
    Ok(0)
}

/// `[#####-----] 上传 1500/10000  名单 +2000  照片 12`
fn sync_progress_line(p: &grad_intake::sync::Progress) -> String {
    const WIDTH: usize = 20;
    let filled = (p.pushed * WIDTH)
        .checked_div(p.to_push)
        .map_or(WIDTH, |f| f.min(WIDTH));
    format!(
        "[{}{}] 上传 {}/{}  名单 +{}  照片 {}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        p.pushed,
        p.to_push,
        p.roster_received,
        p.photos_received
    )
}

fn print_rejected(store: &Store) -> Result<()> {
    let rejected = store.rejected_events(20)?;
    if rejected.is_empty() {
        return Ok(());
    }
    println!("{}", strings::SYNC_REJECTED_LIST);
    for e in rejected {
        println!(
            "  #{} {} {} {}：{}",
            e.seq,
            e.kind,
            e.exam_no.unwrap_or_default(),
            e.at,
            e.error
        );
    }
    Ok(())
}

/// Syncs in the background until interrupted, printing each change of state.
fn sync_forever(setup: &Setup, settings: grad_intake::sync::SyncSettings) -> Result<i32> {
    let print = |s: grad_intake::sync::SyncStatus| {
        let last = s.last_success.map(|t| {
            grad_intake::domain::office_time::local(t)
                .format("%H:%M:%S")
                .to_string()
        });
        println!(
            "{}  待上传 {} 条  拒收 {} 条  上次成功 {}  {}",
            s.label(),
            s.pending,
            s.rejected,
            last.unwrap_or_else(|| "—".into()),
            s.last_error.unwrap_or_default()
        );
    };
    let _worker = grad_intake::sync::spawn_worker(settings, setup.db.clone(), print)?;
    loop {
        std::thread::park();
    }
}

/// `grad-intake portal serve --db FILE --listen ADDR`.
fn portal_serve(db: &Path, listen: &str, workers: usize) -> Result<i32> {
    let server = grad_intake::portal::serve(db, listen, workers)?;
    println!(
        "{}http://{}（{}，Ctrl-C 停止）",
        strings::PORTAL_STARTED,
        server.addr(),
        db.display()
    );
    std::io::stdout().flush()?;
    server.wait();
    Ok(0)
}

/// `grad-intake portal keygen --db FILE [--rotate]`: prints the public key.
fn portal_keygen(setup: &Setup, db: &Path, rotate: bool) -> Result<i32> {
    let mut portal = grad_intake::portal::Portal::open(db)?;
    let (public, new) = portal.keygen(rotate, setup.now)?;
    println!(
        "{}",
        if new {
            strings::PORTAL_KEY_NEW
        } else {
            strings::PORTAL_KEY_EXISTING
        }
    );
    println!("{public}");
    Ok(0)
}

/// `grad-intake portal import-roster FILE --db FILE [--photos DIR]`.
fn portal_import_roster(
    setup: &Setup,
    db: &Path,
    file: &Path,
    format: Option<Format>,
    photos: Option<&Path>,
) -> Result<i32> {
    let candidates = roster_file::read(file, format)?;
    let mut portal = grad_intake::portal::Portal::open(db)?;
    let r = portal.import_roster(&candidates, photos, setup.now)?;
    println!(
        "导入完成：新增 {}，更新 {}，未变 {}（共 {} 条），照片 {} 张",
        r.added,
        r.updated,
        r.unchanged,
        candidates.len(),
        r.photos
    );
    Ok(0)
}

/// `grad-intake portal add-counter --site CODE --counter ID --db FILE`: prints the token.
fn portal_add_counter(setup: &Setup, db: &Path, site: &str, counter: &str) -> Result<i32> {
    let mut portal = grad_intake::portal::Portal::open(db)?;
    let token = portal.add_counter(site, counter, setup.now)?;
    println!("{}", strings::PORTAL_COUNTER_ADDED);
    println!("{token}");
    Ok(0)
}

fn scanner_list() -> Result<i32> {
    let ports = scanner::ports::list().context(strings::SCANNER_LIST_FAILED)?;
    if ports.is_empty() {
        println!("{}", strings::SCANNER_NO_PORTS);
    } else {
        println!("{}", strings::SCANNER_PORTS_FOUND);
    }
    for port in &ports {
        println!("  {}  {}", port.path, port.describe());
        for alias in &port.aliases {
            println!("      {}{}", strings::SCANNER_STABLE_PATH, alias.display());
        }
    }
    match scanner::ports::auto_port() {
        Some(path) => println!("{}{}", strings::SCANNER_AUTO_PICK, path.display()),
        None => println!("{}", strings::SCANNER_AUTO_NONE),
    }
    Ok(0)
}

/// Prints every frame and state change with a local timestamp until Ctrl-C (which ends the
/// process; the port closes with it).
fn scanner_listen(
    setup: &Setup,
    port: Option<&str>,
    baud: Option<u32>,
    terminator: Option<Terminator>,
) -> Result<i32> {
    let mut config = setup.config.scanner.as_ref().map_or_else(
        || ReaderConfig::new(PortSpec::Auto),
        ReaderConfig::from_config,
    );
    config.port = port.map_or(config.port, PortSpec::from);
    config.baud = baud.unwrap_or(config.baud);
    config.framing.terminator = terminator.unwrap_or(config.framing.terminator);
    println!(
        "{}{}  {} 8N1  {}",
        strings::SCANNER_LISTENING,
        config.port,
        config.baud,
        config.framing.terminator
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let _reader = scanner::spawn(config, move |event| {
        // Stamped when it happens, not when printed.
        let _ = tx.send((chrono::Local::now(), event));
    });
    let mut out = std::io::stdout().lock();
    for (at, event) in rx {
        writeln!(out, "{}  {event}", at.format("%H:%M:%S%.3f"))?;
        out.flush()?;
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

/// The OS account that runs the command: recorded as `os:<name>` when it adds the first supervisor.
fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// A new PIN: one line of standard input with `--pin-stdin`, else typed twice on the terminal
/// without echo.
fn read_new_pin(pin_stdin: bool) -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    if pin_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pin = line.trim().to_owned();
        anyhow::ensure!(!pin.is_empty(), strings::PIN_STDIN_EMPTY);
        return Ok(pin);
    }
    anyhow::ensure!(std::io::stdin().is_terminal(), strings::PIN_NOT_TERMINAL);
    let first = read_hidden(strings::PIN_PROMPT)?;
    anyhow::ensure!(
        grad_intake::store::pin_is_acceptable(&first),
        strings::CLERK_BAD_PIN
    );
    let second = read_hidden(strings::PIN_AGAIN)?;
    anyhow::ensure!(first == second, strings::PIN_MISMATCH);
    Ok(first)
}

/// Reads a line from the terminal in raw mode, showing nothing of what is typed. Esc or
/// Ctrl-C cancels. Raw mode ends on every path (the guard also runs while unwinding).
fn read_hidden(prompt: &str) -> Result<String> {
    use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    use ratatui::crossterm::terminal;
    struct RawMode;
    impl Drop for RawMode {
        fn drop(&mut self) {
            let _ = terminal::disable_raw_mode();
        }
    }
    // Echo goes off before the prompt shows: a PIN typed the moment the prompt appears must not
    // be echoed by the terminal.
    terminal::enable_raw_mode().context(strings::PIN_TERMINAL)?;
    let raw = RawMode;
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut pin = String::new();
    let cancelled = loop {
        let Event::Key(key) = event::read().context(strings::PIN_TERMINAL)? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Enter => break false,
            KeyCode::Esc => break true,
            KeyCode::Char('c' | 'd') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                break true;
            }
            KeyCode::Backspace => {
                pin.pop();
            }
            KeyCode::Char(c) => pin.push(c),
            _ => {}
        }
    };
    drop(raw);
    eprintln!();
    anyhow::ensure!(!cancelled, strings::PIN_CANCELLED);
    Ok(pin)
}

/// A role action needs `--by`: the supervisor who does it.
fn need_by(by: Option<String>) -> Result<String> {
    by.ok_or_else(|| grad_intake::store::ClerkError::NeedSupervisor.into())
}

fn clerk_command(setup: &Setup, command: ClerkCommand) -> Result<i32> {
    use grad_intake::store::Role;
    let mut store = Store::open(&setup.db)?;
    let now = setup.now;
    match command {
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
            // Checked before asking for the PIN: nobody types a PIN for an action refused anyway.
            let supervisor = store.may_add_clerk(&id, role, by.as_deref(), now)?;
            let pin = read_new_pin(pin_stdin)?;
            let actor = supervisor.map_or_else(|| format!("os:{}", os_user()), |s| s.id);
            store.add_clerk(&id, name.trim(), role, &pin, &actor, now)?;
            println!(
                "{}{id} {}（{}）",
                strings::CLERK_ADDED,
                name.trim(),
                role_label(role)
            );
            if actor.starts_with("os:") {
                println!("{}", strings::CLERK_FIRST_ADDED);
            }
        }
        ClerkCommand::List { json } => {
            let list = store.clerk_list(now)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("{}", strings::CLERK_LIST_EMPTY);
            }
            for c in list.iter().filter(|_| !json) {
                let mut state = vec![
                    if c.clerk.disabled {
                        "已停用"
                    } else {
                        "在用"
                    }
                    .to_owned(),
                ];
                if let Some(until) = c.locked_until {
                    let until = grad_intake::domain::office_time::hm(until);
                    state.push(format!("锁定至 {until}"));
                } else if c.failed_logins > 0 {
                    state.push(format!("PIN已输错 {} 次", c.failed_logins));
                }
                println!(
                    "{}  {}  {}  {}",
                    c.clerk.id,
                    c.clerk.name,
                    role_label(c.clerk.role),
                    state.join("，")
                );
            }
        }
        ClerkCommand::ResetPin { id, pin_stdin, by } => {
            let by = need_by(by)?;
            store.require_supervisor(&by, "pin_reset", &id, now)?;
            if store.clerk(&id)?.is_none() {
                return Err(grad_intake::store::ClerkError::NotFound(id).into());
            }
            let pin = read_new_pin(pin_stdin)?;
            store.reset_pin(&id, &pin, &by, now)?;
            println!("{}{id}", strings::CLERK_PIN_RESET);
        }
        ClerkCommand::Disable { id, by } => {
            store.disable_clerk(&id, &need_by(by)?, now)?;
            println!("{}{id}", strings::CLERK_DISABLED_DONE);
        }
        ClerkCommand::Enable { id, by } => {
            store.enable_clerk(&id, &need_by(by)?, now)?;
            println!("{}{id}", strings::CLERK_ENABLED_DONE);
        }
        ClerkCommand::Unlock { id, by } => {
            // Logged under this counter's id, as the counter screen does, so sync sends it.
            let counter_id = setup.config.counter_id.as_deref();
            let counter_id = counter_id.unwrap_or(grad_intake::counter::DEFAULT_COUNTER_ID);
            store.unlock_clerk(&id, &need_by(by)?, counter_id, now)?;
            println!("{}{id}", strings::CLERK_UNLOCKED);
        }
    }
    Ok(0)
}

fn role_label(role: grad_intake::store::Role) -> &'static str {
    match role {
        grad_intake::store::Role::Clerk => "柜员",
        grad_intake::store::Role::Supervisor => "主管",
    }
}

/// `grad-intake tally [--date D] [--csv FILE] [--json]`: this counter's numbers of a local day.
fn tally_command(
    setup: &Setup,
    date: Option<chrono::NaiveDate>,
    csv: Option<&Path>,
    json: bool,
) -> Result<i32> {
    use grad_intake::domain::tally;
    let store = Store::open(&setup.db)?;
    let date = date.unwrap_or_else(|| grad_intake::domain::office_time::local_date(setup.now));
    let site = setup.config.site_code.clone();
    let t = store.tally(date, site.as_deref())?;
    let scope = tally::Scope {
        counter_id: setup.config.counter_id.clone(),
        site_code: site,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&t)?);
    } else {
        print!("{}", tally::report(&t, &scope, 10));
    }
    if let Some(path) = csv {
        let bytes = tally::to_csv(&t, &scope)?;
        std::fs::write(path, bytes)
            .with_context(|| format!("{}{}", strings::TALLY_CSV_WRITE, path.display()))?;
        eprintln!("{}{}", strings::TALLY_CSV_WRITTEN, path.display());
    }
    Ok(0)
}

fn audit_command(setup: &Setup, command: AuditCommand) -> Result<i32> {
    let store = Store::open(&setup.db)?;
    let entries = store.audit_entries()?;
    let show = |e: &grad_intake::store::AuditEntry| {
        let at = DateTime::parse_from_rfc3339(&e.at)
            .map(|t| {
                grad_intake::domain::office_time::local(t.to_utc())
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|_| e.at.clone());
        format!("#{}  {at}  {}  {}  {}", e.seq, e.actor, e.action, e.detail)
    };
    match command {
        AuditCommand::Verify => match store.verify_audit()? {
            None => {
                println!("{}{}", strings::AUDIT_OK, entries.len());
                Ok(0)
            }
            Some(problem) => {
                let what = if problem.kind == "edited" {
                    strings::AUDIT_EDITED
                } else {
                    strings::AUDIT_REMOVED
                };
                println!("{what}{}{}", strings::AUDIT_ENTRY, problem.seq);
                // What stands at that place now (after an edit: the edited text).
                if let Some(e) = entries.iter().find(|e| e.seq == problem.seq) {
                    println!("  {}", show(e));
                }
                Ok(1)
            }
        },
        AuditCommand::Show { last } => {
            if entries.is_empty() {
                println!("{}", strings::AUDIT_EMPTY);
            }
            for e in &entries[entries.len().saturating_sub(last)..] {
                println!("{}", show(e));
            }
            Ok(0)
        }
    }
}

fn print_command(setup: &Setup, command: PrintCommand) -> Result<i32> {
    use grad_intake::print::{self, Destination, layout::FormDef};
    let counter = setup.counter()?;
    let fonts = print::configured_fonts(setup.config.print_fallback_font.as_deref())?;
    let printer = |to: &PrintTo| -> Result<Destination> {
        match (&to.out, &to.printer, &setup.config.printer) {
            (Some(path), _, _) => Ok(Destination::File(path.clone())),
            (None, Some(uri), _) | (None, None, Some(uri)) => Ok(Destination::Printer(uri.clone())),
            (None, None, None) => anyhow::bail!(strings::PRINT_NO_PRINTER),
        }
    };
    let clerk = format!("os:{}", os_user());
    let mut counter = counter;
    match command {
        PrintCommand::Form {
            exam_nos,
            to,
            copies,
            form,
        } => {
            let dest = printer(&to)?;
            let form = match form {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).with_context(|| {
                        format!("{}{}", strings::PRINT_FORM_READ, path.display())
                    })?;
                    FormDef::from_toml(&text, &path.display().to_string())?
                }
                None => FormDef::builtin("registration-form")?,
            };
            let jobs = print::registration_forms(&counter, &exam_nos, setup.now)?;
            for batch in print::batches_by_copies(jobs, copies) {
                let done = print::print_forms(
                    &mut counter,
                    &form,
                    &batch,
                    &fonts,
                    &dest,
                    &clerk,
                    setup.now,
                )?;
                println!("{done}");
            }
        }
        PrintCommand::Receipt { intake_id, to } => {
            let dest = printer(&to)?;
            let done =
                print::print_receipt(&mut counter, &intake_id, &fonts, &dest, &clerk, setup.now)?;
            println!("{done}");
        }
    }
    Ok(0)
}
