//! Bad files as an administrator might hand them over (issue 14, item 4): a file that is not
//! this program's database named as `--db`, zero-filled, empty and wrongly headed roster files,
//! the memory a large roster file takes, and owner-only files and folders under umask 000.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use common::office::Office;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `grad-intake ARGS` of `office` under `/usr/bin/time -f %M`: the output, and the process's
/// peak resident memory in KB (the last line time writes to stderr).
fn with_peak_memory(office: &Office, args: &[&str]) -> (Output, u64) {
    let mut cmd = std::process::Command::new("/usr/bin/time");
    cmd.arg("-f")
        .arg("%M")
        .arg(assert_cmd::cargo::cargo_bin("grad-intake"));
    for (key, value) in office.cmd().get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let out = cmd.args(args).output().unwrap();
    let text = stderr(&out);
    let kb = text.lines().last().unwrap().trim().parse().unwrap();
    (out, kb)
}

#[test]
fn a_file_that_is_not_our_database_is_refused_untouched() {
    let office = Office::demo();
    let system_file = office.path("passwd");
    std::fs::write(&system_file, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let other_sqlite = office.path("other.sqlite");
    rusqlite::Connection::open(&other_sqlite)
        .unwrap()
        .execute_batch("CREATE TABLE moz_places (url TEXT);")
        .unwrap();
    for (path, file_mode) in [
        (&system_file, 0o644),
        (&system_file, 0o444),
        (&other_sqlite, 0o664),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(file_mode)).unwrap();
        let before = std::fs::read(path).unwrap();
        let out = office
            .cmd()
            .arg("--db")
            .arg(path)
            .args(["roster", "show", "990126200001"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out).trim_end(),
            format!(
                "错误：无法打开或创建数据库文件，请检查路径和权限：{}（{}）",
                path.display(),
                grad_intake::strings::DB_NOT_OURS
            )
        );
        assert_eq!(mode(path), file_mode, "mode of {path:?} unchanged");
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "bytes of {path:?} unchanged"
        );
    }
    // The counter's own database, read-only: opened for reading, not made writable.
    std::fs::set_permissions(office.db(), std::fs::Permissions::from_mode(0o440)).unwrap();
    office
        .cmd()
        .args(["roster", "show", "990126200001"])
        .assert()
        .success();
    assert_eq!(
        mode(&office.db()),
        0o400,
        "group bit taken away, owner's kept"
    );
}

#[test]
fn zero_filled_and_empty_roster_files_are_refused() {
    let office = Office::demo();
    let zeros = office.path("roster.csv");
    // A gigabyte of zero bytes (sparse: it takes no disk).
    std::fs::File::create(&zeros)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let (out, peak_kb) = with_peak_memory(&office, &["roster", "import", zeros.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "错误：第1行：含有零字节（0x00），这不是文本格式的名单（文件可能已损坏，或不是名单文件），请重新导出名单。本次导入未做任何更改，请修正文件后重新导入\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        peak_kb < 64 * 1024,
        "a 1 GB file is not read whole: {peak_kb} KB"
    );
    let zeros_jsonl = office.path("roster.jsonl");
    std::fs::write(&zeros_jsonl, vec![0u8; 4096]).unwrap();
    for empty in ["empty.csv", "empty.jsonl", "empty.json"] {
        std::fs::write(office.path(empty), b"").unwrap();
    }
    let (code, _, err) = office.run(&["roster", "import", zeros_jsonl.to_str().unwrap()], "");
    assert_eq!((code, err.lines().next()), (1, stderr(&out).lines().next()));
    for empty in ["empty.csv", "empty.jsonl", "empty.json"] {
        let (code, _, err) = office.run(
            &["roster", "import", office.path(empty).to_str().unwrap()],
            "",
        );
        assert_eq!(code, 1, "{empty}");
        assert_eq!(
            err,
            "错误：文件：文件是空的（0字节），不是名单，请确认选对了文件。本次导入未做任何更改，请修正文件后重新导入\n"
        );
    }
    // Only blank lines, or only a header: no record.
    std::fs::write(office.path("blank.jsonl"), "\n  \n\n").unwrap();
    std::fs::write(
        office.path("header.csv"),
        format!("{}\n", grad_intake::roster_file::CSV_COLUMNS.join(",")),
    )
    .unwrap();
    for file in ["blank.jsonl", "header.csv"] {
        let (code, _, err) = office.run(
            &["roster", "import", office.path(file).to_str().unwrap()],
            "",
        );
        assert_eq!(code, 1, "{file}");
        assert_eq!(
            err,
            "错误：文件：文件中没有任何考生记录，请确认选对了文件。本次导入未做任何更改，请修正文件后重新导入\n"
        );
    }
    assert_eq!(
        office.store().roster_count().unwrap(),
        30,
        "nothing changed"
    );
}

#[test]
fn a_csv_header_is_checked_before_any_record() {
    let office = Office::demo();
    let file = office.path("roster.csv");
    std::fs::write(&file, "exam_no,name,gender,id_type,id_no,level,major_code,major_name,exam_school,batch,site_code,candidate_type,prediction_passed,photo_status,updated_at,手机,备注\nnot,a,record\n").unwrap();
    let (code, _, err) = office.run(&["roster", "import", file.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "错误：第1行：CSV表头缺少列 phone；CSV表头有无法识别的列 手机、备注（第一行须是列名，如 exam_no,name,gender,…，见 README“名单”一节）。本次导入未做任何更改，请修正文件后重新导入\n"
    );
}

/// A JSON Lines file is read a block at a time: its size does not show in the memory. One
/// record and 256 MB of blank lines import with a fraction of that resident.
#[test]
fn memory_follows_the_record_not_the_file() {
    let office = Office::empty();
    let file = office.path("big.jsonl");
    let record = serde_json::to_string(&common::roster()[0]).unwrap();
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        writeln!(out, "{record}").unwrap();
        let blank = vec![b'\n'; 1 << 20];
        for _ in 0..256 {
            out.write_all(&blank).unwrap();
        }
    }
    let (out, peak_kb) = with_peak_memory(&office, &["roster", "import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "导入完成：新增 1，更新 0，未变 0（共 1 条）\n"
    );
    assert!(peak_kb < 96 * 1024, "256 MB file: {peak_kb} KB resident");
}

#[test]
fn umask_000_still_gives_owner_only_files_and_folders() {
    let office = Office::empty();
    let base = office.path("home");
    let config = base.join("config/grad-intake/config.toml");
    let db = base.join("data/grad-intake/counter.db");
    let csv = base.join("reports/tally.csv");
    let run = |args: &[&str]| {
        let mut sh = std::process::Command::new("sh");
        sh.arg("-c")
            .arg("umask 000; exec \"$0\" \"$@\"")
            .arg(assert_cmd::cargo::cargo_bin("grad-intake"))
            .args(args);
        for (key, value) in office.cmd().get_envs() {
            if let Some(value) = value {
                sh.env(key, value);
            }
        }
        sh.env("GRAD_INTAKE_CONFIG", &config)
            .env("GRAD_INTAKE_DB", &db);
        let out = sh.output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    run(&["demo", "--candidates", "19"]);
    std::fs::create_dir_all(csv.parent().unwrap()).unwrap();
    run(&["tally", "--csv", csv.to_str().unwrap()]);
    // Written again over an existing world-readable file: still owner-only.
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o666)).unwrap();
    run(&["tally", "--csv", csv.to_str().unwrap()]);
    for dir in ["config", "config/grad-intake", "data", "data/grad-intake"] {
        assert_eq!(mode(&base.join(dir)), 0o700, "{dir}");
    }
    let data = db.parent().unwrap();
    for file in [
        config.clone(),
        db.clone(),
        csv.clone(),
        data.join("grad-intake.log"),
        data.join("demo-signing.key"),
    ] {
        assert_eq!(mode(&file), 0o600, "{file:?}");
    }
    for entry in std::fs::read_dir(data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path) & 0o077, 0, "{path:?}");
    }
}
