//! `grad-intake photo check FILE|DIR... [--standard NAME] [--json] [--csv OUT] [--exam-no N]`:
//! the arguments and the run, so the binary's command table only names them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::check::{self, CheckReport, render};
use crate::domain::photo::Standards;
use crate::owner_only;
use crate::strings::photo as s;

#[derive(clap::Subcommand)]
pub enum PhotoCommand {
    /// 按毕业证书电子注册图像标准检查照片：尺寸、分辨率、色彩、品质、大小、背景、人脸位置（全部合格时退出码为0）
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// 照片文件（JPG），或文件夹（检查其中所有 .jpg/.jpeg）
    #[arg(required_unless_present = "exam_no")]
    pub paths: Vec<PathBuf>,
    /// 使用的标准：guangzhou（默认）、shaoguan、beijing；--exam-no 时默认按考生办理地点
    #[arg(long, value_name = "NAME")]
    pub standard: Option<String>,
    /// 输出JSON（每项规则的实测值、要求、出处）
    #[arg(long)]
    pub json: bool,
    /// 另存为CSV文件（UTF-8带BOM，Excel可直接打开；文件须尚不存在）
    #[arg(long, value_name = "OUT.csv")]
    pub csv: Option<PathBuf>,
    /// 检查本柜台数据库中该考生的照片（准考证号）
    #[arg(long, value_name = "N", conflicts_with = "paths")]
    pub exam_no: Option<String>,
}

/// Runs a command; the exit code is 0 only when every photo passed.
pub fn run(command: &PhotoCommand, db: &Path) -> Result<i32> {
    let PhotoCommand::Check(args) = command;
    let standards = Standards::builtin()?;
    let report = match &args.exam_no {
        Some(exam_no) => check::check_on_file(db, exam_no, &standards, args.standard.as_deref())?,
        None => {
            let standard = check::choose_standard(&standards, args.standard.as_deref())?;
            let files = check::collect_files(&args.paths)?;
            let bar = progress_bar(files.len());
            let report = check::check_files(&files, standard, || bar.inc(1));
            bar.finish_and_clear();
            report
        }
    };
    write_outputs(args, &report)?;
    Ok(if report.all_passed() { 0 } else { 1 })
}

/// A bar on stderr for batches, only when stderr is a terminal (never in pipes or logs).
fn progress_bar(photos: usize) -> ProgressBar {
    if photos < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(photos as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(s::PROGRESS_TEMPLATE) {
        bar.set_style(style);
    }
    bar
}

fn write_outputs(args: &CheckArgs, report: &CheckReport) -> Result<()> {
    if let Some(path) = &args.csv {
        // The report names candidates' photos: owner-only, and never over an existing file.
        let mut bytes = Vec::new();
        render::csv(&mut bytes, report)?;
        owner_only::write_new(path, &bytes)
            .with_context(|| format!("{}{}", s::CSV_NOT_WRITTEN, path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, report)?;
    } else {
        render::text(&mut out, report)?;
    }
    Ok(())
}
