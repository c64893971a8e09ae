//! Command-line definitions and one function per subcommand.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use grad_intake::config::{self, Config};
use grad_intake::counter::{CheckError, Counter};
use grad_intake::domain::assess::Assessment;
use grad_intake::demo;
use grad_intake::roster_file::{self, Format};
use grad_intake::store::Store;
use grad_intake::strings;

#[derive(Parser)]
#[command(name = "grad-intake", version, about = "自学考试毕业生登记表现场受理柜台 / graduation intake counter")]
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
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|_| strings::BAD_NOW.to_owned())
}

/// Where things are, after flags, environment and the configuration file.
struct Setup {
    config: Config,
    config_path: PathBuf,
    db: PathBuf,
    now: DateTime<Utc>,
}

impl Setup {
    fn new(cli: &Cli) -> Result<Self> {
        let config_path = cli.config.clone().unwrap_or_else(config::default_config_path);
        let config = Config::load(&config_path)?;
        let db = config::resolve_db(cli.db.as_deref(), &config, &config_path);
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Logging is a help, not a condition: the counter works without it.
            if let Err(e) = grad_intake::logging::init(dir) {
                eprintln!("{}{e}", strings::LOG_UNAVAILABLE);
            }
        }
        Ok(Self { config, config_path, db, now: cli.now.unwrap_or_else(Utc::now) })
    }

    fn counter(&self) -> Result<Counter> {
        Ok(Counter::open(&self.config, &self.db)?)
    }
}

pub fn run(cli: Cli) -> Result<i32> {
    let setup = Setup::new(&cli)?;
    match cli.command {
        None => overview(&setup),
        Some(Command::Check { payload, json }) => check(&setup, &payload, json),
        Some(Command::Roster(RosterCommand::Import { file, format })) => roster_import(&setup, &file, format),
        Some(Command::Roster(RosterCommand::Show { exam_no, json })) => roster_show(&setup, &exam_no, json),
        Some(Command::Schedule(ScheduleCommand::Import { file })) => schedule_import(&setup, &file),
        Some(Command::Schedule(ScheduleCommand::Status { site })) => schedule_status(&setup, site.as_deref()),
        Some(Command::Demo { candidates, seed }) => demo_command(&setup, candidates, seed),
    }
}

fn check(setup: &Setup, payload: &str, json: bool) -> Result<i32> {
    let counter = setup.counter()?;
    let result = counter.check(payload, setup.now);
    tracing::info!(kind = result.as_ref().map_or_else(|e| e.kind(), |a| a.intake.state.as_str()), "check");
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
    writeln!(out, "考生：{}  准考证号：{}  证件号：{}", c.name, c.exam_no, c.id_masked)?;
    writeln!(out, "层次：{}  专业代码：{}  办理地点：{}", c.level, c.major_code, c.site_code)?;
    writeln!(out, "扫码：{}", strings::scan_kind(a.scan.kind))?;
    let until = a.window.until.map(|t| format!("（至 {}）", t.format("%m-%d %H:%M"))).unwrap_or_default();
    writeln!(out, "受理时间：{}{until}", strings::window_status(a.window.status))?;
    writeln!(out, "办理状态：{}", strings::intake_state(a.intake.state))?;
    writeln!(out, "材料清单：")?;
    for item in &a.checklist {
        writeln!(out, "  □ {} ×{}  {}", item.title, item.copies, strings::item_kind(item.kind))?;
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
    let candidates = roster_file::read(file, format)?;
    let mut store = Store::open(&setup.db)?;
    let report = store.import_roster(&candidates)?;
    tracing::info!(added = report.added, updated = report.updated, unchanged = report.unchanged, "roster import");
    println!(
        "导入完成：新增 {}，更新 {}，未变 {}（共 {} 条）",
        report.added,
        report.updated,
        report.unchanged,
        candidates.len()
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
    println!("{}  {}  {}  证件号 {}", c.exam_no, c.name, c.gender.label(), c.id_no);
    println!("{} {}（{}）  主考学校：{}", c.level.label(), c.major_name, c.major_code, c.exam_school);
    println!("批次 {}  办理地点 {}  照片 {:?}  毕业预测{}", c.batch, c.site_code, c.photo_status, if c.prediction_passed { "通过" } else { "未通过" });
    for course in &c.courses {
        println!("  {} {} {} {}", course.code, course.name, course.score, course.date);
    }
    Ok(0)
}

fn schedule_import(setup: &Setup, file: &Path) -> Result<i32> {
    let text = std::fs::read_to_string(file).with_context(|| format!("{}{}", strings::IMPORT_READ, file.display()))?;
    let store = Store::open(&setup.db)?;
    let mut schedule = grad_intake::counter::load_schedule(&store)?;
    let name = file.file_name().map_or_else(|| "schedule.toml".into(), |n| n.to_string_lossy().into_owned());
    // Parse against what is there first: a bad document is refused and nothing is stored.
    schedule.merge_doc(&name, &text)?;
    store.put_schedule_doc(&name, &text)?;
    println!("{}{name}", strings::SCHEDULE_IMPORTED);
    Ok(0)
}

fn schedule_status(setup: &Setup, site: Option<&str>) -> Result<i32> {
    let counter = setup.counter()?;
    let wanted = site.map(str::to_owned).or_else(|| counter.site_code.clone());
    for s in counter.schedule.sites().filter(|s| wanted.as_ref().is_none_or(|w| *w == s.code)) {
        let state = counter.schedule.status(&s.code, setup.now);
        let until = state.until.map(|t| format!("（至 {}）", t.format("%Y-%m-%d %H:%M"))).unwrap_or_default();
        println!("{} {}：{}{until}", s.code, s.name, strings::window_status(state.status));
    }
    Ok(0)
}

fn demo_command(setup: &Setup, candidates: usize, seed: u64) -> Result<i32> {
    let mut store = Store::open(&setup.db)?;
    let key = demo::load_or_create_key(&setup.db)?;
    let installed = demo::install(&mut store, candidates, seed, setup.now, &key)?;
    let r = installed.report;
    println!("演示数据（合成，非真实考生）已写入 {}", setup.db.display());
    println!("  考生：新增 {}，更新 {}，未变 {}", r.added, r.updated, r.unchanged);
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
        portal_public_keys: vec![grad_intake::domain::scan::encode_public_key(&key.verifying_key())],
        ..Config::default()
    }
}

/// Without a subcommand: the counter. Until the counter screen arrives this prints where the
/// counter stands; with no configuration it first sets up the demo office.
fn overview(setup: &Setup) -> Result<i32> {
    if !setup.config_path.exists() {
        demo_command(setup, demo::DEFAULT_CANDIDATES, 1)?;
        println!();
    }
    let config = Config::load(&setup.config_path)?;
    let counter = Counter::open(&config, &setup.db)?;
    if counter.site_code.as_deref() == Some(demo::DEMO_SITE) {
        demo::refresh_window(&counter.store, setup.now)?;
    }
    let counter = Counter::open(&config, &setup.db)?;
    let site = counter.site_code.clone().unwrap_or_default();
    let state = counter.schedule.status(&site, setup.now);
    println!("柜台 {}  办理地点 {}  {}", counter.counter_id, site, strings::window_status(state.status));
    println!(
        "名单 {} 人  待同步事件 {} 条  数据库 {}",
        counter.store.roster_count()?,
        counter.store.pending_event_count()?,
        setup.db.display()
    );
    println!("{}", strings::COUNTER_SCREEN_PENDING);
    Ok(0)
}
