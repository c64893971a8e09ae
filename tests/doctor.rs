//! `grad-intake doctor` on the real binary: each check both ways, with the exact line it
//! prints, and that it changes nothing.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::cups::Cups;
use common::office::Office;
use serialport::{SerialPort, TTYPort};

/// `doctor` of `office`: (exit code, the lines it printed).
fn doctor(office: &Office) -> (i32, Vec<String>) {
    let (code, out, err) = office.run(&["doctor"], "");
    assert_eq!(err, "", "doctor writes nothing to stderr");
    (code, out.lines().map(str::to_owned).collect())
}

/// The line of a check, found by what it starts with after its mark.
fn line<'a>(lines: &'a [String], start: &str) -> &'a str {
    lines
        .iter()
        .find(|l| {
            l.split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(start))
        })
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no line starting {start:?} in {lines:#?}"))
}

/// Adds top-level keys to the office's configuration (before any table).
fn configure(office: &Office, keys: &str) {
    let path = office.path("config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{keys}\n{text}")).unwrap();
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file and folder under `dir`: its mode and the SHA-256 of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, String)> {
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::metadata(&path).unwrap();
        let bytes = if meta.is_file() {
            std::fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        let digest = grad_intake::store::sha256_hex(&bytes);
        all.insert(path, (meta.permissions().mode(), digest));
    }
    all
}

#[test]
fn a_ready_demo_desk_passes_and_nothing_is_changed() {
    let office = Office::demo();
    let before = snapshot(office.dir.path());
    let (code, lines) = doctor(&office);
    assert_eq!(code, 0, "{lines:#?}");
    let config = office.path("config.toml");
    let db = office.db();
    assert_eq!(
        line(&lines, "配置文件"),
        format!("✓ 配置文件有效：{}", config.display())
    );
    assert_eq!(
        line(&lines, "数据库完整"),
        format!(
            "✓ 数据库完整（integrity_check ok），结构为最新版本 {}：{}",
            grad_intake::store::LATEST_VERSION,
            db.display()
        )
    );
    assert_eq!(
        line(&lines, "数据库、配置"),
        "✓ 数据库、配置、密钥和日志均仅所有者可读写"
    );
    assert!(line(&lines, "数据库所在磁盘").starts_with("✓ 数据库所在磁盘可用空间 "));
    for (start, expected) in [
        ("演示配置", "✓ 演示配置（考点 9901）：使用演示签名密钥"),
        (
            "未配置考试院",
            "- 未配置考试院（portal_url）：本柜台离线使用",
        ),
        (
            "未配置打印机",
            "- 未配置打印机（printer）：不能补打登记表和回执",
        ),
        ("未配置串口", "- 未配置串口扫码枪（键盘式扫码枪无需设置）"),
        (
            "打印字体",
            "✓ 打印字体：内置 Noto Sans CJK SC（覆盖通用规范汉字表）",
        ),
    ] {
        assert_eq!(line(&lines, start), expected);
    }
    assert!(line(&lines, "审计日志完整").starts_with("✓ 审计日志完整，未被改动（"));
    assert_eq!(lines.last().unwrap(), "这台电脑可以受理。");
    assert_eq!(
        snapshot(office.dir.path()),
        before,
        "doctor changed nothing"
    );

    let (code, out, _) = office.run(&["doctor", "--json"], "");
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["checks"][0]["id"], "config");
    assert_eq!(json["checks"][0]["status"], "ok");
}

#[test]
fn a_broken_configuration_and_a_missing_database() {
    let office = Office::empty();
    std::fs::write(office.path("config.toml"), "site_code = \"12\"\n").unwrap();
    set_mode(&office.path("config.toml"), 0o600);
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    let config = office.path("config.toml");
    assert_eq!(
        line(&lines, "配置文件"),
        format!(
            "✗ 配置文件有误，请按说明修改后重试：{}：site_code：办理地点代码应为4位数字，如 0201：改正配置文件后再运行 grad-intake doctor",
            config.display()
        )
    );
    assert_eq!(
        line(&lines, "数据库 "),
        format!(
            "✗ 数据库 {} 不存在：导入名单（grad-intake roster import）或同步（grad-intake sync --once）后自动建立",
            office.db().display()
        )
    );
    assert_eq!(line(&lines, "没有可用"), "- 没有可用的数据库，未检查");
    assert!(!office.db().exists(), "no database created");
    assert_eq!(
        lines.last().unwrap(),
        "有 2 项未通过：按上面 ✗ 后的说明处理，再运行 grad-intake doctor。"
    );
}

#[test]
fn a_corrupt_database() {
    let office = Office::demo();
    let db = office.db();
    let mut bytes = std::fs::read(&db).unwrap();
    // Garbage over the pages after the first (the schema stays readable).
    let page = 16_384;
    for b in &mut bytes[page..page * 3] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let before = snapshot(office.dir.path());
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    let found = line(&lines, "数据库 ");
    assert!(
        found.starts_with(&format!("✗ 数据库 {} 完整性检查未通过（", db.display()))
            && found.ends_with("）：停止使用这台电脑受理，从备份恢复数据库并联系技术支持"),
        "{found}"
    );
    assert_eq!(
        snapshot(office.dir.path()),
        before,
        "doctor changed nothing"
    );

    // Not a database at all.
    std::fs::write(&db, vec![0x42; 40_000]).unwrap();
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    assert_eq!(
        line(&lines, &db.display().to_string()),
        format!(
            "✗ {} 不是本程序的数据库或已损坏，无法打开：检查配置 db / --db，或从备份恢复",
            db.display()
        )
    );
}

#[test]
fn wrong_permissions_and_the_demo_key_on_a_real_desk() {
    let office = Office::demo();
    let config = office.path("config.toml");
    set_mode(&config, 0o644);
    let before = snapshot(office.dir.path());
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    assert_eq!(
        line(&lines, &config.display().to_string()),
        format!(
            "✗ {} 的权限为 0644，其他用户可读：运行 chmod go-rwx '{}'",
            config.display(),
            config.display()
        )
    );
    assert_eq!(
        snapshot(office.dir.path()),
        before,
        "modes left as they were"
    );

    set_mode(&config, 0o600);
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("site_code = \"9901\"", "site_code = \"0104\""),
    )
    .unwrap();
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    let key = office.path("demo-signing.key");
    assert_eq!(
        line(&lines, "正式配置"),
        format!(
            "✗ 正式配置下仍有演示签名密钥 {}：删除它（rm '{}'），演示表格不应在正式柜台通过",
            key.display(),
            key.display()
        )
    );
    std::fs::remove_file(&key).unwrap();
    let (_, lines) = doctor(&office);
    assert_eq!(line(&lines, "没有演示"), "✓ 没有演示签名密钥（正式配置）");
}

/// A loopback HTTP server that answers every request with `status` and `Date: date`.
fn tiny_portal(status: &'static str, date: &'static str) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let body = r#"{"error":{"kind":"unauthorized","message":"令牌无效"}}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nDate: {date}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn the_portal_down_refusing_the_token_and_a_clock_five_minutes_off() {
    let office = Office::demo();
    // The office's clock is 2026-11-20 10:00 Beijing time = 02:00 UTC.
    let five_minutes_behind = tiny_portal("200 OK", "Fri, 20 Nov 2026 01:55:00 GMT");
    let one_minute_ahead = tiny_portal("200 OK", "Fri, 20 Nov 2026 02:01:00 GMT");
    let refusing = tiny_portal("401 Unauthorized", "Fri, 20 Nov 2026 02:00:00 GMT");
    let down = common::cups::free_port();
    let portal = |port: u16| {
        let config = office.path("config.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("portal_")).collect();
        std::fs::write(
            &config,
            format!(
                "portal_url = \"http://127.0.0.1:{port}\"\nportal_token = \"t0ken\"\n{}\n",
                kept.join("\n")
            ),
        )
        .unwrap();
        format!("http://127.0.0.1:{port}")
    };

    let url = portal(five_minutes_behind);
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    assert_eq!(
        line(&lines, "考试院可连接"),
        format!("✓ 考试院可连接，令牌有效：{url}")
    );
    assert_eq!(
        line(&lines, "本机时钟"),
        "✗ 本机时钟比考试院快 5 分 0 秒（超过 2 分钟）：校准系统时间（如 timedatectl set-ntp true）后再受理"
    );
    assert_eq!(
        line(&lines, "尚未从考试院"),
        "✗ 尚未从考试院下载名单：运行 grad-intake sync --once"
    );

    portal(one_minute_ahead);
    let (_, lines) = doctor(&office);
    assert_eq!(line(&lines, "本机时钟"), "✓ 本机时钟与考试院相差 -60 秒");

    let url = portal(refusing);
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    let refused = line(&lines, "考试院 ");
    assert!(
        refused.starts_with(&format!("✗ 考试院 {url} 检查失败：")) && refused.contains("令牌无效"),
        "{refused}"
    );

    let url = portal(down);
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    assert!(
        line(&lines, "考试院 ").starts_with(&format!("✗ 考试院 {url} 检查失败：")),
        "{lines:#?}"
    );
}

#[test]
fn the_roster_age_against_the_portal() {
    let office = Office::demo();
    let portal = tiny_portal("200 OK", "Fri, 20 Nov 2026 02:00:00 GMT");
    configure(
        &office,
        &format!("portal_url = \"http://127.0.0.1:{portal}\"\nportal_token = \"t0ken\""),
    );
    let store = grad_intake::store::Store::open(&office.db()).unwrap();
    // The office's clock: 2026-11-20 02:00 UTC.
    store
        .set_setting("sync.roster_cursor.9901", "portal-1 42")
        .unwrap();
    let (_, lines) = doctor(&office);
    assert_eq!(
        line(&lines, "名单下载"),
        "! 名单下载尚未完成（游标 42）：运行 grad-intake sync --once 完成下载"
    );

    let at = |rfc3339: &str| {
        store
            .set_setting("sync.roster_current_at.9901", rfc3339)
            .unwrap();
        doctor(&office)
    };
    let (_, lines) = at("2026-11-20T01:30:00+00:00");
    assert_eq!(
        line(&lines, "名单已从"),
        "✓ 名单已从考试院同步（游标 42，30 分钟前）"
    );
    let (_, lines) = at("2026-11-17T02:00:00+00:00");
    assert_eq!(
        line(&lines, "名单最后"),
        "! 名单最后一次与考试院同步是3 天前（游标 42）：运行 grad-intake sync --once，或检查网络和考试院地址"
    );
}

#[test]
fn a_simplex_or_letter_only_printer_is_refused_a_duplex_a4_one_passes() {
    let cups = Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    cups.add_queue("simplex", "simplex.ppd");
    cups.add_queue("letter", "letter.ppd");
    let office = Office::demo();
    configure(&office, &format!("printer = \"{}\"", cups.uri("simplex")));
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    let refused = line(&lines, "打印机");
    assert!(refused.starts_with("✗ 打印机"), "{refused}");
    assert!(refused.contains(&cups.uri("simplex")), "{refused}");
    assert!(refused.contains("不能双面打印"), "{refused}");

    let use_printer = |from: &str, to: &str| {
        let text = std::fs::read_to_string(office.path("config.toml")).unwrap();
        std::fs::write(office.path("config.toml"), text.replace(from, to)).unwrap();
    };
    use_printer(&cups.uri("simplex"), &cups.uri("letter"));
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    let refused = line(&lines, "打印机");
    assert!(
        refused.starts_with(&format!(
            "✗ 打印机 {} 没有报告可用A4纸，登记表须用A4纸双面打印",
            cups.uri("letter")
        )),
        "{refused}"
    );
    assert!(refused.contains("na_letter_8.5x11in"), "{refused}");

    use_printer(&cups.uri("letter"), &cups.uri("duplex"));
    let (code, lines) = doctor(&office);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(
        line(&lines, "打印机"),
        format!("✓ 打印机可连接，支持A4双面打印：{}", cups.uri("duplex"))
    );
}

#[test]
fn no_reader_then_a_reader() {
    let office = Office::demo();
    let missing = office.path("ttyACM9");
    let config = office.path("config.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{base}\n[scanner]\nport = \"{}\"\n", missing.display()),
    )
    .unwrap();
    let (code, lines) = doctor(&office);
    assert_eq!(code, 1);
    assert_eq!(
        line(&lines, "找不到串口"),
        format!(
            "✗ 找不到串口扫码枪（配置 [scanner] port = \"{}\"）：插好扫码枪的USB线，或用 grad-intake scanner list 查看串口后改正配置",
            missing.display()
        )
    );

    let (_master, slave) = TTYPort::pair().unwrap();
    let port = slave.name().unwrap();
    std::fs::write(&config, format!("{base}\n[scanner]\nport = \"{port}\"\n")).unwrap();
    let (code, lines) = doctor(&office);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(
        line(&lines, "串口扫码枪已连接"),
        format!("✓ 串口扫码枪已连接：{port}")
    );
}

#[test]
fn the_scanner_test_waits_for_one_frame() {
    use std::io::BufRead;
    let office = Office::demo();
    let (mut master, slave) = TTYPort::pair().unwrap();
    let port = slave.name().unwrap();
    let config = office.path("config.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{base}\n[scanner]\nport = \"{port}\"\n")).unwrap();

    let (code, out, err) = office.run(&["doctor", "--scanner-test", "1"], "");
    assert_eq!(code, 1, "{out}");
    let lines: Vec<String> = out.lines().map(str::to_owned).collect();
    let none = line(&lines, "1 秒内没有");
    assert!(
        none.starts_with(&format!("✗ 1 秒内没有从串口扫码枪 {port} 读到完整的扫码")),
        "{none}"
    );
    assert!(none.contains("grad-intake scanner listen"), "{none}");
    assert!(
        err.contains("请在 1 秒内用扫码枪扫一张登记表的二维码"),
        "{err}"
    );

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_grad-intake"))
        .env_clear()
        .env("GRAD_INTAKE_CONFIG", &config)
        .env("GRAD_INTAKE_DB", office.db())
        .env("GRAD_INTAKE_NOW", common::office::NOW)
        .args(["doctor", "--scanner-test"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The prompt comes once the port is open (or doctor gives up after 30 s: EOF).
    let mut prompt = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut prompt)
        .unwrap();
    assert!(prompt.contains("请在 30 秒内用扫码枪扫"), "{prompt}");
    master.write_all(b"SCANNER-TEST-01\r").unwrap();
    master.flush().unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(out.status.code(), Some(0), "{lines:#?}");
    assert_eq!(
        line(&lines, "串口扫码枪读到"),
        format!("✓ 串口扫码枪读到一次完整的扫码（15 个字符）：{port}")
    );
    drop(slave);
}
