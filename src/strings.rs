//! Every text a clerk, supervisor or administrator reads, in one table (Chinese).
//!
//! Identifiers stay English in code; what people read lives here so it can be reviewed,
//! corrected and translated in one place.

// ---- identifiers -------------------------------------------------------------------------
pub const ID_EXAM_NO_FORMAT: &str = "准考证号应为12位数字，请核对后重新输入";
pub const ID_FORMAT: &str = "身份证号应为18位（前17位为数字，末位为数字或X），请核对后重新输入";
pub const ID_BIRTH_DATE: &str = "身份证号中的出生日期无效，请核对后重新输入";
pub const ID_CHECKSUM: &str = "身份证号校验位不符，可能输错了一位，请核对后重新输入";

// ---- roster fields -------------------------------------------------------------------------
pub const FIELD_EMPTY: &str = "不能为空";
pub const FIELD_CONTROL_CHAR: &str = "含有控制字符";
pub const FIELD_TOO_LONG: &str = "过长（最多50个字）";
pub const FIELD_BATCH: &str = "批次格式应为“年份+H1/H2”，如 2023H1";
pub const FIELD_SITE_CODE: &str = "办理地点代码应为4位数字，如 0201";
pub const FIELD_SHA256: &str = "应为64位十六进制的 SHA-256 值";
pub const FIELD_COURSE: &str = "课程代码和名称不能为空";
pub const RECORD_NOT_OBJECT: &str = "每条记录应为一个JSON对象（{...}）";

/// Turns serde's English description of a bad value into one a Chinese administrator reads.
/// The original text follows in brackets because it names the expected values exactly.
pub fn describe_serde_error(raw: &str) -> String {
    if raw.starts_with("missing field") {
        format!("缺少必填字段（{raw}）")
    } else if raw.starts_with("unknown variant") {
        format!("取值不在允许范围内（{raw}）")
    } else if raw.starts_with("invalid type") {
        format!("数据类型不对（{raw}）")
    } else {
        format!("取值无效（{raw}）")
    }
}

// ---- scans ---------------------------------------------------------------------------------
pub const SCAN_BAD_PAYLOAD: &str =
    "无法识别的扫码内容，请重新扫描登记表上的二维码，或手工输入准考证号/身份证号";
pub const SCAN_BAD_CHECKSUM: &str =
    "身份证号校验位不符（可能扫错或输错一位），请核对证件后重新输入";
pub const SCAN_BAD_SIGNATURE: &str =
    "二维码签名验证失败：该登记表可能被改动或不是系统打印的，请核对考生信息，必要时重新打印登记表";
pub const SCAN_NO_PUBLIC_KEY: &str = "本柜台未配置考试院公钥，无法验证二维码；请联系管理员配置 portal_public_keys，暂时可手工输入准考证号";
pub const SCAN_TOO_LONG: &str = "（内容过长）";
pub const SCAN_ID_BIRTH_DATE: &str = "（身份证号中的出生日期无效）";
pub const SCAN_UNKNOWN_SHAPE: &str = "（既不是登记表二维码，也不是12位准考证号或18位身份证号）";
pub const SCAN_FIELD_COUNT: &str = "（二维码字段数不对）";
pub const SCAN_FIELD_EXAM_NO: &str = "（二维码中的准考证号无效）";
pub const SCAN_FIELD_BATCH: &str = "（二维码中的批次无效）";
pub const SCAN_FIELD_SITE: &str = "（二维码中的办理地点代码无效）";
pub const SCAN_FIELD_ISSUED: &str = "（二维码中的打印日期无效）";
pub const KEY_INVALID: &str =
    "portal_public_keys 中有无效的公钥（应为32字节公钥的base64），位置（从0起）：";

// ---- schedule ----
// Errors in the site and window data files (data/districts.toml, data/windows/*.toml, imports).
// They are read by whoever maintains the data, so each one says what a correct value looks like.
pub const SCHEDULE_SYNTAX: &str = "不是有效的 TOML，请按提示位置修改该文件";
// "第 N 行": where in the file a TOML syntax error is.
pub const SCHEDULE_LINE_BEFORE: &str = "第";
pub const SCHEDULE_LINE_AFTER: &str = "行";
pub const SCHEDULE_TOP_LEVEL: &str = "文档顶层";
pub const SCHEDULE_TIME_FORMAT: &str =
    "时间应为“时:分”或“时:分:秒”（24小时制，两位数字），如 09:15";
pub const SCHEDULE_SESSION_ORDER: &str = "时段的开始时间应早于结束时间";
pub const SCHEDULE_SESSION_OVERLAP: &str =
    "各时段应按时间先后排列且互不重叠，请检查上一个时段的结束时间";
pub const SCHEDULE_NO_SESSIONS: &str =
    "接受个人现场办理的地点至少要有一个办公时段，如 [[\"09:15\", \"11:30\"]]";
pub const SCHEDULE_DATE_FORMAT: &str = "日期应为“年-月-日”且确实存在，如 2023-06-19";
pub const SCHEDULE_NO_DATES: &str = "至少要列出一个办理日期";
pub const SCHEDULE_UNKNOWN_SITE: &str =
    "办理地点代码未登记，请先在 data/districts.toml 中添加该地点";
pub const SCHEDULE_NO_BATCH: &str = "缺少批次：请在该项或文档顶层写 batch = \"2023H1\" 这样的批次";

// ---- intake --------------------------------------------------------------------------------
pub const INTAKE_ALREADY_ACCEPTED: &str = "该考生的材料已经受理，不能重复受理";
pub const INTAKE_NOT_OPEN: &str = "该考生的材料当前未在办理中，请先扫码或重新打开";
pub const INTAKE_MISSING_ITEMS: &str = "还有材料未核对勾选，不能受理：";
pub const INTAKE_BLOCKED: &str = "存在不能受理的情况：";
pub const INTAKE_UNKNOWN_ITEM: &str = "该材料不在本考生的材料清单中";
pub const INTAKE_NO_REASON: &str = "请至少选择或填写一条原因";
pub const INTAKE_ALREADY_VOIDED: &str = "该受理记录已作废";

// ---- store ---------------------------------------------------------------------------------
pub const STORE_OPEN: &str = "无法打开或创建数据库文件，请检查路径和权限：";
pub const STORE_SQL: &str = "数据库操作失败：";
// Why a database operation failed (after STORE_SQL), each with what to do.
pub const SQL_DISK_FULL: &str = "磁盘已满。请腾出磁盘空间后重试，并告知管理员";
pub const SQL_READ_ONLY: &str = "数据库文件不可写（只读或无权限）。请联系管理员检查文件和磁盘";
pub const SQL_CORRUPT: &str = "数据库文件不是本程序的数据库或已损坏。请停止办理并联系管理员";
pub const SQL_BUSY: &str = "数据库正被其他程序占用。请稍候重试；如反复出现请联系管理员";
pub const SQL_IO: &str = "读写磁盘出错。请重试；如反复出现请联系管理员检查磁盘";
pub const SQL_REFUSED: &str = "数据库拒绝了这次写入。请联系管理员";
pub const SQL_OTHER: &str = "请重试；如反复出现请联系管理员";
pub const STORE_CORRUPT: &str = "数据库中的记录已损坏，请联系管理员：";
pub const STORE_TOO_NEW: &str = "数据库文件由更新版本的程序创建，请升级本程序后再打开。文件版本：";

// ---- rules ---------------------------------------------------------------------------------
pub const RULES_PARSE: &str = "材料规则文件（data/materials.toml）格式错误，请按文件开头的说明修改";
pub const RULES_DUPLICATE_ITEM: &str = "材料规则中材料编号重复";
pub const RULES_UNKNOWN_ITEM: &str = "材料规则引用了未定义的材料，请先在 [[item]] 中定义";
pub const RULES_DUPLICATE_RULE: &str = "材料规则编号重复";
pub const RULES_NO_REQUIRE: &str = "材料规则没有列出任何材料（[[rule.require]]）";
pub const RULES_ZERO_COPIES: &str = "份数（copies）须至少为 1";
pub const RULES_EMPTY_FIELD: &str = "材料规则中有必填项为空";
pub const RULES_DUPLICATE_BLOCKER: &str = "材料规则中阻止项编号重复";
pub const RULES_BLOCKER_NO_CONDITION: &str = "阻止项没有任何条件（when），会拦下所有考生";
pub const MAJORS_PARSE: &str = "专业表（data/majors.toml）格式错误，请按文件开头的说明修改";
pub const MAJORS_DUPLICATE: &str = "专业表中专业代码重复";
pub const MAJORS_EMPTY_FIELD: &str = "专业表中专业代码或名称为空";
pub const LICENCE_EXPIRED: &str = "执业证书已过有效期，须提供有效期内的卫生类执业证书";
pub const LICENCE_NOT_PRACTISING: &str =
    "证书上没有“执业”二字，不能作为卫生类执业证书，请考生提供执业证书";

// ---- demo photos ----
pub const DEMO_PHOTO_ENCODE_FAILED: &str = "演示照片编码失败";
pub const DEMO_PHOTO_SIZE_UNREACHABLE: &str =
    "演示照片的文件大小无法调整到目标范围内（标准照片为20KB至40KB）";
pub const DEMO_PHOTO_FLAW_NOT_SHOWN: &str = "无法生成只违反一项标准的演示照片：";

// ---- clerks --------------------------------------------------------------------------------
pub const LOGIN_WRONG: &str = "工号或PIN不正确，请重新输入";
pub const LOGIN_LOCKED: &str =
    "PIN连续输错次数过多，账号已锁定，请稍后再试或请主管解锁。解锁时间：";
pub const LOGIN_DISABLED: &str = "该工号已停用，请联系主管";
pub const CLERK_BAD_PIN: &str = "PIN应为4至12位数字";
pub const CLERK_BAD_ID: &str = "工号只能包含字母、数字、-和_，最长32位";
pub const CLERK_EXISTS: &str = "该工号已存在";

// ---- roster files --------------------------------------------------------------------------
pub const IMPORT_WHOLE_FILE: &str = "文件";
pub const IMPORT_NOTHING_CHANGED: &str = "本次导入未做任何更改，请修正文件后重新导入";
pub const IMPORT_UNKNOWN_FORMAT: &str = "无法从文件名判断格式，请用 --format json|jsonl|csv 指定";
pub const IMPORT_READ: &str = "无法读取文件：";
pub const IMPORT_NOT_UTF8: &str = "文件不是UTF-8编码，请另存为UTF-8后重新导入";
pub const IMPORT_NOT_JSON_ARRAY: &str = "不是有效的JSON数组：";
pub const IMPORT_DUPLICATE: &str = "准考证号在文件中重复出现";
pub const DB_NOT_A_FILE: &str = "这不是一个文件，请用 --db 或配置 db 指定数据库文件";
pub const DB_EMPTY_NOT_OURS: &str = "这是一个空文件，但不是本程序建立的（权限不是仅所有者可读写），未作任何改动；请指定另一个文件名，或删除它后重试";
pub const DB_NOT_OURS: &str =
    "这个文件不是本程序的数据库，未作任何改动（权限、内容均未变）；请检查 --db 或配置 db 是否写错";
pub const IMPORT_CSV_HEADER: &str = "CSV表头无法读取：";
pub const IMPORT_CSV_MISSING: &str = "CSV表头缺少列 ";
pub const IMPORT_CSV_UNKNOWN: &str = "CSV表头有无法识别的列 ";
pub const IMPORT_CSV_COLUMNS_HINT: &str =
    "（第一行须是列名，如 exam_no,name,gender,…，见 README“名单”一节）";
pub const IMPORT_EMPTY_FILE: &str = "文件是空的（0字节），不是名单，请确认选对了文件";
pub const IMPORT_NO_RECORDS: &str = "文件中没有任何考生记录，请确认选对了文件";
pub const IMPORT_ZERO_BYTE: &str =
    "含有零字节（0x00），这不是文本格式的名单（文件可能已损坏，或不是名单文件），请重新导出名单";
pub const IMPORT_LINE_TOO_LONG: &str =
    "这一行超过1 MB，不是名单记录（一条记录约1.5 KB；文件可能已损坏，或不是名单文件）";

// ---- configuration -------------------------------------------------------------------------
pub const CONFIG_BAD: &str = "配置文件有误，请按说明修改后重试：";
pub const CONFIG_READ: &str = "无法读取配置文件：";
pub const CONFIG_WRITE: &str = "无法写入配置文件：";
pub const CONFIG_COUNTER_ID: &str = "柜台编号只能包含字母、数字、-和_";
pub const CONFIG_LANG: &str = "语言只能是 zh 或 en";
pub const CONFIG_KEY: &str = "不是有效的公钥（应为32字节Ed25519公钥的base64），请向考试院核对";
pub const CONFIG_TERMINATOR: &str = "结束符只能是 CR、LF、CRLF 或 Tab";
pub const CONFIG_IDLE_LOCK: &str = "自动锁屏分钟数应在1到1440之间";
pub const CONFIG_OVERRIDE_MINUTES: &str = "主管授权的有效分钟数应在1到1440之间";

// ---- counter blockers ----------------------------------------------------------------------
pub const BLOCKER_WRONG_SITE: &str =
    "该考生不属于本办理点，请告知考生到所选办理点办理，或请主管授权。考生办理地点：";
pub const BLOCKER_OUTSIDE_WINDOW: &str = "当前不在现场受理时间内，请告知考生受理时间，或请主管授权";
pub const BLOCKER_ALREADY_ACCEPTED: &str = "该考生材料已受理，不能重复受理";

// ---- check ---------------------------------------------------------------------------------
pub const CHECK_UNKNOWN_CANDIDATE: &str =
    "本地名单中没有该考生：请核对准考证号/身份证号；若考生确已申请，请同步名单后再试";

// ---- demo ----------------------------------------------------------------------------------
pub const DEMO_KEY_FILE: &str = "无法读取或创建演示签名密钥文件：";
pub const DEMO_TOO_FEW: &str =
    "演示考生人数太少：至少要覆盖每一种材料规则情形（--candidates 不少于 19）";

// ---- command line ----------------------------------------------------------------------------
pub const BAD_NOW: &str = "时间格式应为RFC3339，例如 2023-06-16T09:30:00+08:00";

/// The window status as the clerk reads it.
pub fn window_status(status: crate::domain::schedule::WindowStatus) -> &'static str {
    use crate::domain::schedule::WindowStatus as W;
    match status {
        W::Open => "受理中",
        W::Break => "午休",
        W::BeforeHours => "未到受理时间",
        W::AfterHours => "今日受理已结束",
        W::BeforeWindow => "受理期未开始",
        W::WindowOver => "受理期已结束",
        W::NotAWindowDay => "今日非受理日",
        W::NoWindow => "本办理点无现场受理安排",
    }
}

pub fn intake_state(state: crate::domain::intake::IntakeState) -> &'static str {
    use crate::domain::intake::IntakeState as S;
    match state {
        S::New => "未办理",
        S::InProgress => "办理中",
        S::Accepted => "已受理",
        S::Returned => "已退回补正",
        S::Voided => "已作废",
    }
}

pub fn item_kind(kind: crate::domain::rules::ItemKind) -> &'static str {
    use crate::domain::rules::ItemKind as K;
    match kind {
        K::Copy => "留存",
        K::OriginalAndCopy => "原件核验后退还，复印件留存",
        K::Original => "原件核验后退还",
    }
}

pub fn scan_kind(kind: crate::domain::scan::ScanKind) -> &'static str {
    use crate::domain::scan::ScanKind as K;
    match kind {
        K::Signed => "登记表二维码（签名已验证）",
        K::ExamNo => "准考证号（未签名，请核对登记表）",
        K::IdNo => "身份证号（未签名，请核对登记表）",
    }
}
pub const LOG_UNAVAILABLE: &str = "提示：无法写日志文件，程序照常工作：";
pub const SCHEDULE_IMPORTED: &str = "已导入受理时间安排：";
pub const LICENCE_VALID_ON: &str = "有效期须覆盖 ";

// ---- scanner ----
pub const SCANNER_NOT_CONNECTED: &str = "扫码枪未连接";
pub const SCANNER_CONNECTED: &str = "扫码枪已连接";
pub const SCANNER_SEARCHING: &str = "扫码枪未连接：正在查找USB串口扫码枪，请检查扫码枪的USB线";
pub const SCANNER_FRAME_TOO_LONG: &str =
    "扫码内容超过512字节，已丢弃：请重新扫码；若仍如此，请检查扫码枪的结束符设置";
pub const SCANNER_FRAME_NOT_UTF8: &str =
    "扫码内容不是UTF-8文字，已丢弃：请把扫码枪的输出编码设为UTF-8后重新扫码";
pub const SCANNER_FRAME_CONTROL: &str = "扫码内容含控制字符（第";
pub const SCANNER_FRAME_CONTROL_END: &str =
    "个字符），已丢弃：请重新扫码；若仍如此，请检查扫码枪的前缀/后缀设置";
pub const SCANNER_DUPLICATE: &str = "扫码枪重复读取（1秒内内容相同），已忽略";
pub const SCANNER_UNPLUGGED: &str = "设备已拔出或断开，每秒重试一次，插回后自动恢复";
pub const SCANNER_PATH_CHANGED: &str = "串口路径已指向另一台设备，正在重新连接";
pub const SCANNER_NOT_FOUND: &str =
    "找不到该串口：请检查扫码枪的USB线和配置的串口路径（grad-intake scanner list 可列出本机串口）";
pub const SCANNER_BUSY: &str =
    "串口被其他程序占用：请关闭其他正在使用扫码枪的程序（例如另一个 grad-intake）";
pub const SCANNER_PERMISSION: &str =
    "没有权限打开串口：Linux 上请把当前用户加入 dialout 组后重新登录";
pub const SCANNER_OPEN_FAILED: &str = "无法打开串口：";
pub const SCANNER_READ_FAILED: &str = "读取串口出错：";
pub const SCANNER_THREAD_FAILED: &str = "无法启动扫码枪读取线程：";
pub const SCANNER_LIST_FAILED: &str = "无法列出本机串口";
pub const SCANNER_NO_PORTS: &str = "没有找到串口。请检查扫码枪的USB线，并确认扫码枪设为串口模式（USB-CDC/虚拟串口）；键盘模式的扫码枪不需要配置串口。";
pub const SCANNER_PORTS_FOUND: &str = "找到串口：";
pub const SCANNER_STABLE_PATH: &str = "固定路径：";
pub const SCANNER_AUTO_PICK: &str = "port = \"auto\" 将使用：";
pub const SCANNER_AUTO_NONE: &str = "port = \"auto\" 现在找不到USB串口设备";
pub const SCANNER_LISTENING: &str = "正在监听扫码枪，按 Ctrl-C 结束：";
pub const SCANNER_LINE_SCAN: &str = "扫码";
pub const SCANNER_LINE_STATUS: &str = "状态";
pub const SCANNER_LINE_ERROR: &str = "错误";
pub const SCANNER_LINE_DUPLICATE: &str = "重复";
pub const SCANNER_SERIAL_NO: &str = "序列号 ";
pub const SCANNER_KIND_PCI: &str = "PCI 串口";
pub const SCANNER_KIND_BLUETOOTH: &str = "蓝牙串口";
pub const SCANNER_KIND_OTHER: &str = "串口（类型不明，多为主板自带串口）";

/// A partial frame that never got its terminator.
pub fn scanner_partial_discarded(len: usize) -> String {
    format!(
        "扫码内容不完整（{len} 字节，0.5秒内没有结束符），已丢弃：请重新扫码；若每次都这样，请检查扫码枪的结束符设置"
    )
}

// ---- counter screen (Chinese, with the English of `--lang en`) ---------------------------------
pub mod ui {
    /// The interface language.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum Lang {
        #[default]
        Zh,
        En,
    }

    impl Lang {
        pub fn parse(text: &str) -> Option<Self> {
            match text {
                "zh" => Some(Lang::Zh),
                "en" => Some(Lang::En),
                _ => None,
            }
        }
    }

    /// One text in both languages.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Tr {
        pub zh: &'static str,
        pub en: &'static str,
    }

    impl Tr {
        pub fn get(self, lang: Lang) -> &'static str {
            match lang {
                Lang::Zh => self.zh,
                Lang::En => self.en,
            }
        }
    }

    const fn tr(zh: &'static str, en: &'static str) -> Tr {
        Tr { zh, en }
    }

    pub const APP_TITLE: Tr = tr("自学考试毕业材料现场受理", "Graduation intake counter");
    pub const LOGIN_TITLE: Tr = tr("柜员登录", "Clerk login");
    pub const LOCKED_TITLE: Tr = tr(
        "屏幕已锁定：输入 PIN 解锁",
        "Screen locked: enter PIN to unlock",
    );
    pub const CLERK_ID: Tr = tr("工号", "Clerk id");
    pub const PIN: Tr = tr("PIN", "PIN");
    pub const WELCOME_TITLE: Tr = tr(
        "首次运行：已建立合成的演示柜台（考生均为虚构）",
        "First run: a synthetic demo office was set up (all candidates are made up)",
    );
    pub const WELCOME_DB: Tr = tr("数据库：", "Database: ");
    pub const WELCOME_CONFIG: Tr = tr("配置文件：", "Configuration: ");
    pub const WELCOME_TRY: Tr = tr(
        "登录后在扫码行输入准考证号并按 Enter 试一试：",
        "After logging in, type an exam number at the scan line and press Enter: ",
    );
    pub const DEMO_LOGIN_HINT: Tr = tr(
        "演示数据：柜员 c01/1111、c02/2222，主管 s01/9999",
        "Demo: clerks c01/1111, c02/2222, supervisor s01/9999",
    );
    pub const LOG_IN_FIRST: Tr = tr("请先登录，再扫码", "Log in first, then scan");
    pub const LOGGING_IN: Tr = tr("正在验证…", "Checking…");
    pub const SCAN_PROMPT: Tr = tr(
        "扫码或输入准考证号/身份证号，回车查询",
        "Scan the form, or type exam no./ID no. and Enter",
    );
    pub const LOOKING_UP: Tr = tr("查询中…", "Looking up…");
    pub const SAVING: Tr = tr("正在保存…", "Saving…");
    pub const WAITING_FOR_SCAN: Tr = tr(
        "请扫描考生登记表上的二维码",
        "Scan the QR code on the candidate's form",
    );
    pub const CANDIDATE: Tr = tr("考生", "Candidate");
    pub const CHECKLIST: Tr = tr("材料清单", "Checklist");
    pub const BLOCKERS: Tr = tr("不能受理", "Cannot accept");
    pub const PHOTO: Tr = tr("系统照片", "Photo on file");
    pub const NO_PHOTO: Tr = tr("无照片", "no photo");
    pub const NAME: Tr = tr("姓名", "Name");
    pub const ID_NO: Tr = tr("证件号", "ID no.");
    pub const LEVEL: Tr = tr("层次", "Level");
    pub const MAJOR: Tr = tr("专业", "Major");
    pub const SCHOOL: Tr = tr("主考学校", "Exam school");
    pub const BATCH: Tr = tr("批次", "Batch");
    pub const APPLICATION: Tr = tr("申请状态", "Application");
    pub const FILE_STATE: Tr = tr("办理状态", "File");
    pub const PREDICTION_OK: Tr = tr("毕业预测通过", "prediction passed");
    pub const PREDICTION_NO: Tr = tr("毕业预测未通过", "prediction not passed");
    pub const PHOTO_OK: Tr = tr("照片已审核", "photo approved");
    pub const PHOTO_NO: Tr = tr("照片未审核通过", "photo not approved");
    /// The card's photo line: the photo measured against the site's standard.
    /// Between the rules of a list.
    pub const LIST_SEPARATOR: Tr = tr("、", ", ");
    pub const PHOTO_MEASURING: Tr = tr("照片检测中…", "checking the photo…");
    pub const PHOTO_MEETS_STANDARD: Tr = tr("照片符合标准", "photo meets the standard");
    /// Followed by the failed rules.
    pub const PHOTO_FAILS: Tr = tr("照片不合标准：", "photo fails: ");
    /// Followed by the rules not measured, or why nothing was measured.
    pub const PHOTO_NOT_MEASURED: Tr = tr(
        "照片未能测量（请人工核对）：",
        "photo could not be measured (check by eye): ",
    );
    pub const PHOTO_NO_STANDARD: Tr = tr(
        "本考点没有对应的照片标准",
        "no photo standard for this site",
    );
    pub const UNSIGNED: Tr = tr(
        "手工输入（未验证二维码），请核对登记表",
        "typed, not a verified code: check the form",
    );
    pub const SIGNED: Tr = tr("二维码已验证", "verified form code");
    pub const TICK_ORIGINAL: Tr = tr("原件已核验退还", "original seen, returned");
    pub const TICK_COPY: Tr = tr("复印件/表格已留存", "copy kept");
    pub const ACCEPTED_DONE: Tr = tr("已受理，已保存", "Accepted and saved");
    pub const RETURNED_DONE: Tr = tr("已退回补正，已保存", "Returned for correction and saved");
    pub const ACCEPTED_BY: Tr = tr("已受理：", "Accepted: ");
    // A returned file scanned again: "上次退回：<date time> <clerk>，原因：<reasons>".
    pub const RETURNED_BY: Tr = tr("上次退回补正：", "Returned before: ");
    pub const RETURNED_BECAUSE: Tr = tr("，原因：", ", because: ");
    // A save the database refused (the exam number comes first, the database's reason after).
    pub const SAVE_FAILED_ACCEPT: Tr = tr(
        "受理未能保存：数据库中该考生仍未受理，请勿告诉考生已受理。",
        "The acceptance was NOT saved: the database does not hold it. Do not tell the candidate the file was accepted.",
    );
    pub const SAVE_FAILED_RETURN: Tr = tr(
        "退回补正未能保存：数据库中没有这次退回，回执无法打印。",
        "The return was NOT saved: the database does not hold it, and no receipt can be printed.",
    );
    pub const SAVE_FAILED_TICK: Tr = tr(
        "材料勾选未能保存：屏幕已按数据库重新读取。",
        "The ticks were NOT saved: the screen shows the file as the database has it again.",
    );
    pub const SAVE_FAILED_WHAT_TO_DO: Tr = tr(
        "按 Enter 确认已看到；问题解决后请重新操作。",
        "Press Enter to acknowledge; do it again once the problem is solved.",
    );
    pub const SAVE_FAILED_TITLE: Tr = tr("未能保存", "Not saved");
    pub const RETURN_NOTE_HINT: Tr = tr(
        "Tab 在原因列表和补充说明之间切换",
        "Tab moves between the reasons and the note",
    );
    pub const CONFIRM_ACCEPT: Tr = tr("确认受理该考生的材料？", "Accept this candidate's file?");
    pub const CONFIRM_HINT: Tr = tr("Enter 确认    Esc 取消", "Enter confirm    Esc cancel");
    pub const RETURN_TITLE: Tr = tr(
        "退回补正：选择原因（空格勾选），可补充说明",
        "Return: pick reasons (Space), add a note",
    );
    pub const RETURN_OTHER: Tr = tr("补充说明", "Other");
    pub const NOTE_TITLE: Tr = tr("该项材料的问题说明", "Problem with this item");
    pub const OVERRIDE_TITLE: Tr = tr(
        "需要主管授权（主管工号 + PIN）",
        "Supervisor approval needed (id + PIN)",
    );
    pub const OVERRIDE_DONE: Tr = tr(
        "主管已授权，可继续办理。授权有效至 ",
        "Approved by supervisor: continue. The approval is valid until ",
    );
    pub const OVERRIDE_EXPIRED: Tr = tr(
        "主管授权已过期，须主管重新授权后才能继续办理。原授权有效至 ",
        "The supervisor's approval has run out: a supervisor must approve again. It was valid until ",
    );
    pub const OVERRIDE_VALID: Tr = tr("主管已授权，有效至 ", "Approved by supervisor until ");
    pub const OVERRIDE_NOT_SUPERVISOR: Tr =
        tr("该工号不是主管，不能授权", "That id is not a supervisor");
    pub const SEARCH_TITLE: Tr = tr(
        "查找考生：准考证号、身份证号或姓名的一部分，回车查找",
        "Find: exam no., ID no. or part of the name, Enter",
    );
    pub const SEARCH_NONE: Tr = tr("没有找到", "Nothing found");
    pub const SEARCH_HINT: Tr = tr(
        "输入姓名、准考证号或身份证号，按 Enter 查询",
        "Type a name, exam number or ID number, then Enter",
    );
    // Where the highlight is in a list: "第 3 / 共 20 条".
    pub const LIST_POSITION_BEFORE: Tr = tr("第 ", "");
    pub const LIST_POSITION_OF: Tr = tr(" / 共 ", " of ");
    pub const LIST_POSITION_AFTER: Tr = tr(" 条", "");
    pub const TODAY_TITLE: Tr = tr("本柜台今日办理", "This counter today");
    pub const TODAY_NONE: Tr = tr("今日尚未办理", "Nothing yet today");
    pub const HELP_TITLE: Tr = tr("按键说明", "Keys");
    pub const TOO_SMALL: Tr = tr(
        "终端窗口太小，请放大到至少 100×30。当前：",
        "Terminal too small: needs at least 100×30. Now: ",
    );
    pub const NEEDS_ALL_TICKED: Tr = tr("还有材料未核对，不能受理：", "Items not checked yet: ");
    pub const CANNOT_ACCEPT: Tr = tr("不能受理：", "Cannot accept: ");
    pub const NO_FILE: Tr = tr("请先扫码", "Scan a form first");
    pub const SLOT_SITE: Tr = tr("办理点", "Site");
    pub const SLOT_CLERK: Tr = tr("柜员", "Clerk");
    pub const SLOT_COUNTER: Tr = tr("柜台", "Counter");
    pub const SLOT_SCANNER: Tr = tr("扫码枪", "Scanner");
    pub const SLOT_PORTAL: Tr = tr("考试院", "Portal");
    pub const SLOT_PRINTER: Tr = tr("打印机", "Printer");
    pub const KEYBOARD_WEDGE: Tr = tr("键盘", "keyboard");
    pub const NOT_CONFIGURED: Tr = tr("未配置", "not set");
    pub const UNTIL_BREAK: Tr = tr("距午休", "break in");
    pub const UNTIL_CLOSE: Tr = tr("距结束", "closes in");
    pub const UNTIL_OPEN: Tr = tr("距开始", "opens in");

    // Key labels (footer and help overlay share them).
    pub const K_SUBMIT: Tr = tr("查询/确认", "look up/confirm");
    pub const K_MOVE: Tr = tr("选择", "move");
    pub const K_TICK: Tr = tr("勾选/取消", "tick/untick");
    pub const K_CYCLE: Tr = tr("原件/复印件", "original/copy");
    pub const K_ACCEPT: Tr = tr("受理", "accept");
    pub const K_RETURN: Tr = tr("退回补正", "return");
    pub const K_NOTE: Tr = tr("备注问题", "note problem");
    pub const K_SEARCH: Tr = tr("查找", "find");
    pub const K_TODAY: Tr = tr("今日列表", "today");
    pub const K_LOCK: Tr = tr("锁屏", "lock");
    pub const K_HELP: Tr = tr("帮助", "help");
    pub const K_CLOSE: Tr = tr("关闭/清空", "close/clear");
    pub const K_QUIT: Tr = tr("退出", "quit");
    pub const K_FIELD: Tr = tr("切换输入框", "next field");
    pub const K_LOGIN: Tr = tr("登录", "log in");
    pub const K_CONFIRM: Tr = tr("确认", "confirm");
    pub const K_OPEN: Tr = tr("打开", "open");
    pub const K_SUPERVISOR: Tr = tr("主管统计", "supervisor");
    pub const K_PREV_DAY: Tr = tr("前一天", "previous day");
    pub const K_NEXT_DAY: Tr = tr("后一天", "next day");
    pub const K_VOID: Tr = tr("作废受理", "void a file");
    pub const K_UNLOCK: Tr = tr("解锁柜员", "unlock a clerk");
    pub const K_REFRESH: Tr = tr("刷新", "refresh");
    pub const K_BACK: Tr = tr("返回柜台", "back to counter");

    pub const SUPERVISOR_ONLY: Tr = tr(
        "仅主管可用：请主管登录",
        "Supervisors only: log in as a supervisor",
    );
    pub const TALLY_TITLE: Tr = tr("受理统计", "Tally");
    pub const THIS_COUNTER: Tr = tr("本柜台数据", "this counter only");
    pub const COUNTING: Tr = tr("统计中…", "Counting…");
    pub const T_ACCEPTED: Tr = tr("已受理", "accepted");
    pub const T_RETURNED: Tr = tr("已退回", "returned");
    pub const T_IN_PROGRESS: Tr = tr("办理中", "in progress");
    pub const T_VOIDED: Tr = tr("已作废", "voided");
    pub const T_VISITS: Tr = tr("来办理人次", "visits");
    pub const T_TOTAL: Tr = tr("合计", "total");
    pub const T_ROSTER: Tr = tr("本考点名单", "roster of this site");
    pub const T_SEEN: Tr = tr("已来办理", "came");
    pub const T_NOT_YET: Tr = tr("尚未来", "not yet come");
    pub const BY_HOUR: Tr = tr("每小时（受理/退回）", "By hour (accepted/returned)");
    pub const BY_CLERK: Tr = tr("按柜员", "By clerk");
    pub const BY_COUNTER: Tr = tr("按柜台", "By counter");
    pub const TOP_REASONS: Tr = tr("退回原因（前5）", "Top return reasons");
    pub const CONFLICTS: Tr = tr("跨柜台冲突（考试院）", "Cross-counter conflicts (portal)");
    pub const NO_PORTAL: Tr = tr(
        "未连接考试院：全考点数据与冲突需同步后显示",
        "Not connected to the portal: office-wide numbers and conflicts appear after sync",
    );
    pub const VOID_TITLE: Tr = tr(
        "作废受理：准考证号与原因",
        "Void a file: exam no. and reason",
    );
    pub const VOID_EXAM_NO: Tr = tr("准考证号", "Exam no.");
    pub const VOID_REASON: Tr = tr("原因", "Reason");
    pub const UNLOCK_TITLE: Tr = tr("解锁柜员：输入工号", "Unlock a clerk: id");
    pub const NONE_YET: Tr = tr("（无）", "(none)");
    pub const K_SYNC_NOW: Tr = tr("立即同步", "sync now");
    pub const K_LARGE_PHOTO: Tr = tr("放大照片（核对本人）", "large photo (check the person)");
    pub const LARGE_PHOTO_TITLE: Tr = tr(
        "照片核对（Esc 或 Ctrl-P 关闭）",
        "check the photo (Esc or Ctrl-P closes)",
    );
    pub const PHOTO_LOADING: Tr = tr("照片加载中…", "loading the photo…");
    pub const NO_PORTAL_CONFIGURED: Tr = tr(
        "未配置考试院（portal_url），无法同步",
        "No portal configured (portal_url)",
    );
    pub const SYNCING_NOW: Tr = tr("正在与考试院同步…", "Syncing with the portal…");
    // Short: the counter's footer must fit in 100 columns with 退出 still on it.
    pub const K_PRINT_FORM: Tr = tr("登记表", "form");
    pub const K_PRINT_RECEIPT: Tr = tr("回执", "receipt");
    pub const NO_PRINTER_CONFIGURED: Tr = tr(
        "未配置打印机（config.toml 的 printer），无法打印",
        "No printer configured (printer in config.toml)",
    );
    pub const RECEIPT_NEEDS_DECISION: Tr = tr(
        "请先受理（F2）或退回（F3），再打印回执",
        "Accept (F2) or return (F3) the file before printing its receipt",
    );
    pub const PRINTING: Tr = tr("打印中…", "printing…");
    pub const PRINTING_FORM: Tr = tr("正在打印登记表…", "Printing the registration form…");
    pub const PRINTING_RECEIPT: Tr = tr("正在打印回执…", "Printing the receipt…");
    pub const PRINTER_READY: Tr = tr("就绪", "ready");
    pub const PRINTER_ERROR: Tr = tr("出错", "error");
    /// A worker thread stopped on an internal error: `WORKER_DIED`, the worker's name, then
    /// what to do.
    pub const WORKER_DIED: Tr = tr("程序内部出错，已停止工作：", "Internal error, stopped: ");
    pub const WORKER_DATABASE: Tr = tr("数据库读写", "database worker");
    pub const WORKER_PRINTER: Tr = tr("打印", "printing");
    pub const WORKER_PORTAL: Tr = tr("考试院数据查询", "portal queries");
    pub const WORKER_INPUT: Tr = tr("键盘输入", "keyboard input");
    pub const WORKER_TICK: Tr = tr("计时（自动锁屏）", "timer (idle lock)");
    pub const WORKER_PHOTO: Tr = tr("照片检测", "photo check");
    pub const WORKER_DIED_WHAT_TO_DO: Tr = tr(
        "。尚未显示“已保存”的操作可能没有保存：请按 Ctrl+C 退出，重新启动本程序后再扫码核对当前考生",
        ". Actions not shown as saved may be lost: quit with Ctrl+C, start the program again and rescan the current candidate",
    );
    pub const PRINT_BUSY: Tr = tr(
        "上一份还在打印，请等它完成后再打印",
        "Still printing the last job; wait for it to finish",
    );
    pub const LINK_ONLINE: Tr = tr(super::SYNC_ONLINE, "online");
    pub const LINK_OFFLINE: Tr = tr(super::SYNC_OFFLINE, "offline");
    pub const LINK_SYNCING: Tr = tr(super::SYNC_SYNCING, "syncing");
    pub const PENDING: Tr = tr("待发送 ", "pending ");
    pub const LAST_SYNC: Tr = tr("上次 ", "last ");
    /// The portal slot's warning around the offset in minutes (+: this counter is ahead).
    pub const CLOCK_OFF: Tr = tr("时钟偏差 ", "clock off by ");
    pub const CLOCK_FIX: Tr = tr(" 分钟，请校准本机时间", " min, set this PC's clock");
    pub const OFFICE_WIDE: Tr = tr("全考点（考试院数据）", "Whole office (from the portal)");
    pub const NO_CONFLICTS: Tr = tr("无跨柜台冲突", "No cross-counter conflicts");
    pub const COUNTER_WORD: Tr = tr("柜台 ", "Counter ");
    pub const COUNTER_CLOCK: Tr = tr(" 时钟偏差（秒，正为快）：", " clock off by (s, + ahead): ");
    pub const COUNTER_FLAGGED: Tr = tr(
        " 日期不可信、未计入统计的事件：",
        " events with an implausible date, not counted: ",
    );
    pub const COUNTER_CLONED: Tr = tr(
        " 另一台电脑在用本柜台令牌（已拒收），最近：",
        " token used by another PC (refused), last: ",
    );
    pub const VOIDED: Tr = tr("已作废受理：", "Voided: ");
    // Events the portal refused for good: the status bar's "拒收 3（Ctrl-R 查看）" and the list.
    pub const REFUSED_SLOT: Tr = tr("拒收 ", "refused ");
    pub const REFUSED_SLOT_KEY: Tr = tr("（Ctrl-R 查看）", " (Ctrl-R to see)");
    pub const K_REFUSED: Tr = tr("考试院拒收的事件", "events the portal refused");
    pub const REFUSED_TITLE: Tr = tr(
        "考试院拒收的事件（请主管核对；不影响其他事件上传）",
        "Events the portal refused (for the supervisor; the others were sent)",
    );
    pub const REFUSED_NONE: Tr = tr("没有被拒收的事件", "No refused events");
    pub const REFUSED_BECAUSE: Tr = tr("原因：", "reason: ");
    /// A refused event whose candidate is not on this counter's roster.
    pub const REFUSED_NO_CANDIDATE: Tr = tr("（名单中无此考生）", "(not on the roster)");
    // Voiding asks first, showing whom and why.
    pub const VOID_CONFIRM_TITLE: Tr = tr("确认作废受理", "Confirm voiding");
    pub const VOID_CONFIRM_WHO: Tr = tr("考生：", "Candidate: ");
    pub const VOID_CONFIRM_HINT: Tr = tr(
        "作废后不可撤销。Enter 确认作废，Esc 取消",
        "This cannot be undone. Enter voids, Esc cancels",
    );
    /// A clerk's (or supervisor's) voids on the supervisor screen: "s01 已作废 1".
    pub const VOIDS_ONLY: Tr = tr("已作废 ", "voided ");
    // "已来办理 / 尚未来" of the chosen day and of the whole window.
    pub const T_CAME_ON_DAY: Tr = tr("当日来办理", "came this day");
    pub const T_WHOLE_WINDOW: Tr = tr("整个受理期：", "whole window: ");
    pub const UNLOCKED: Tr = tr("已解锁柜员：", "Unlocked: ");

    /// The window status as the status bar shows it.
    pub fn window(status: crate::domain::schedule::WindowStatus, lang: Lang) -> &'static str {
        use crate::domain::schedule::WindowStatus as W;
        match (lang, status) {
            (Lang::Zh, s) => super::window_status(s),
            (Lang::En, W::Open) => "open",
            (Lang::En, W::Break) => "break",
            (Lang::En, W::BeforeHours) => "not open yet",
            (Lang::En, W::AfterHours) => "closed for today",
            (Lang::En, W::BeforeWindow) => "window not started",
            (Lang::En, W::WindowOver) => "window over",
            (Lang::En, W::NotAWindowDay) => "no intake today",
            (Lang::En, W::NoWindow) => "no window here",
        }
    }
}

// ---- sync/portal ----
// Sync errors a clerk or the office's engineer reads in the status bar or on the command line.
pub const SYNC_NOT_CONFIGURED: &str = "尚未配置与考试院同步：请在 config.toml 中设置 ";
pub const SYNC_BAD_URL: &str =
    "portal_url 不是有效的地址（应形如 https://portal.example.cn），请修改 config.toml：";
pub const SYNC_INSECURE_URL: &str = "为保护考生信息，http:// 只能用于本机地址（127.0.0.1、::1、localhost），其他地址必须使用 https://；请把 config.toml 中的 portal_url 改为 https 地址。未发出任何连接：";
pub const SYNC_CONNECT: &str =
    "无法连接考试院服务器（网络不通或服务器未运行），已离线继续工作，稍后会自动重试：";
pub const SYNC_TIMEOUT: &str = "连接考试院服务器超时，已离线继续工作，稍后会自动重试";
pub const SYNC_SERVER: &str = "考试院服务器暂时出错，稍后会自动重试（HTTP ";
pub const SYNC_RATE_LIMITED: &str = "考试院服务器繁忙，稍后会自动重试";
pub const SYNC_UNAUTHORIZED: &str =
    "考试院不认可本柜台的令牌（HTTP 401）：请向管理员核对 config.toml 中的 portal_token：";
pub const SYNC_FORBIDDEN: &str = "本柜台的令牌无权进行此操作（HTTP 403）：请核对 config.toml 中的 site_code、counter_id 与 portal_token 是否为考试院发给本柜台的：";
pub const SYNC_NOT_FOUND: &str =
    "考试院服务器上没有这个接口或资源（HTTP 404），请核对 portal_url：";
pub const SYNC_CLONED: &str = "考试院拒收：另一台电脑正在使用本柜台的令牌和数据库副本（柜台电脑可能被克隆，或恢复了旧备份）。请停用其中一台，并联系考试院管理员：";
pub const PORTAL_CLONED: &str = "本柜台的令牌已被另一个柜台数据库接管（柜台电脑可能被克隆，或这是被替换的旧数据库），拒收。请停用这台电脑上的柜台程序，并联系考试院管理员核对";
pub const PORTAL_BAD_CLOCK_LIMIT: &str = "时钟偏差上限须为 1 到 87600 之间的整数小时";
pub const PORTAL_CLOCK_LIMIT_SET: &str =
    "已设置：与考试院时钟相差超过此时长的事件将被标记、不计入当日统计（小时）：";
pub const SYNC_REFUSED: &str = "考试院服务器拒绝了请求，请联系管理员（HTTP ";
pub const SYNC_BAD_RESPONSE: &str = "考试院服务器的应答无法识别，稍后会自动重试：";
pub const SYNC_BAD_RECORD: &str = "考试院发来的名单记录有误，本次未更新名单，请联系考试院：";
pub const SYNC_RESULT_COUNT: &str = "应答中的结果条数与上传的事件条数不符";
pub const SYNC_REJECTED_NO_REASON: &str = "考试院拒收（未说明原因）";
/// After `SYNC_CONNECT`: the light health probe got no answer (between rounds or while waiting).
pub const SYNC_NO_ANSWER: &str = "健康检查（GET /v1/health）无应答";
pub const SYNC_ONLINE: &str = "在线";
pub const SYNC_OFFLINE: &str = "离线";
pub const SYNC_SYNCING: &str = "同步中";

// Errors of the reference portal: read by its administrator, or sent to counters as `message`.
pub const PORTAL_OPEN: &str = "无法打开或创建考试院数据库文件，请检查路径和权限：";
pub const PORTAL_SQL: &str = "考试院数据库操作失败，请重试；如反复出现请检查磁盘空间和文件权限：";
pub const PORTAL_CORRUPT: &str = "考试院数据库中的记录已损坏：";
pub const PORTAL_TOO_NEW: &str = "考试院数据库由更新版本的程序创建，请升级本程序。文件版本：";
pub const PORTAL_NO_KEY: &str =
    "考试院签名密钥尚未生成：请先运行 grad-intake portal keygen --db 文件";
pub const PORTAL_BAD_SITE: &str = "办理地点代码应为4位数字，如 0104：";
pub const PORTAL_BAD_COUNTER: &str = "柜台编号只能包含字母、数字、-和_（最长64位）：";
pub const PORTAL_COUNTER_MOVED: &str =
    "该柜台已登记在另一个办理点，不能改到别的办理点；请为新办理点的柜台另取编号。柜台及其办理点：";
pub const PORTAL_PHOTO_READ: &str = "无法读取照片文件：";
pub const PORTAL_PHOTO_SKIPPED: &str = "；该考生的照片未导入（原有照片保留），请检查文件后重新导入";
pub const PORTAL_UNKNOWN_CITY: &str =
    "data/districts.toml 中没有这个城市的办理地点（城市名须与文件中一致，如 广州市）：";

// `portal import-roster` measuring photos, and `portal photo-report`.
pub const PHOTO_REPORT_TITLE: &str = "照片复核名单（照片不合标准、未能测量或无照片）：";
pub const PHOTO_REPORT_SITE: &str = "办理地点 ";
pub const PHOTO_REPORT_CITY: &str = "城市 ";
pub const PHOTO_REPORT_NONE: &str = "没有需要复核的照片：全部符合标准。";
pub const PHOTO_REPORT_COUNT: &str = "需复核：";
pub const PHOTO_REPORT_NO_PHOTO: &str = "无照片";
pub const PHOTO_REPORT_UNMEASURED: &str = "照片未检测（请重新导入该考生的照片）";
pub const PHOTO_REPORT_NO_STANDARD: &str =
    "该办理地点没有对应的照片标准（见 data/photo_standards.toml），请人工审核";
pub const PHOTO_REPORT_FAILED: &str = "不合格：";
pub const PHOTO_REPORT_NOT_MEASURED: &str = "未能测量，请人工审核：";
pub const PHOTO_REPORT_HEADER: [&str; 8] = [
    "准考证号",
    "姓名",
    "证件号（遮盖）",
    "办理地点",
    "照片标准",
    "结果",
    "不合格项目",
    "未能测量项目",
];
pub const PHOTO_REPORT_CSV_WRITE: &str =
    "无法写入CSV文件（文件须尚不存在，目录须可写；不会覆盖已有文件）：";
pub const PORTAL_LISTEN: &str =
    "无法在该地址上提供服务（地址格式应为 127.0.0.1:8080，或端口已被占用）：";
pub const PORTAL_INTERNAL: &str = "考试院服务器内部错误，请稍后重试：";
pub const PORTAL_SERVER_FAILED: &str = "考试院参考服务异常停止，请查看日志后重新启动：";
pub const PORTAL_SERVER_PANICKED: &str = "服务线程意外退出";
pub const PORTAL_HANDLER_PANICKED: &str = "处理该请求时程序出错（已记入日志），请稍后重试";
pub const PORTAL_BODY_BROKEN: &str = "请求内容未能完整收到（连接中断或格式错误），请重试：";
pub const PORTAL_BODY_TIMEOUT: &str = "请求内容在限定时间内未传完，连接已关闭；请检查网络后重试";
pub const PORTAL_WRONG_METHOD: &str = "该接口只接受以下请求方法：";
pub const SYNC_CLOCK_OFF: &str = "（超过 2 分钟：请校准本机日期和时间，否则受理记录的时间不准）";
pub const PORTAL_NOT_FOUND: &str = "没有这个接口或资源";
pub const PORTAL_NO_TOKEN: &str = "缺少柜台令牌：请求须带 Authorization: Bearer <令牌>";
pub const PORTAL_BAD_TOKEN: &str = "柜台令牌无效或已被更换，请向考试院管理员索取本柜台的令牌";
pub const PORTAL_FORBIDDEN_SITE: &str = "本柜台的令牌不属于该办理点，不能访问其数据：";
pub const PORTAL_FORBIDDEN_COUNTER: &str =
    "本柜台的令牌只能上传本柜台的事件，批次中含有其他柜台的事件：";
pub const PORTAL_TOO_LARGE: &str = "一次上传的内容过多，请分批上传";
pub const PORTAL_BAD_BATCH: &str =
    "上传内容不是有效的事件批次（应为 {\"events\": [...]} 的 JSON）：";
pub const PORTAL_BAD_QUERY: &str = "cursor 应为不小于0的整数，limit 应为正整数";
pub const PORTAL_BAD_DATE: &str = "date 应为“年-月-日”，如 2023-06-16";
pub const PORTAL_EVENT_MALFORMED: &str = "事件格式错误：";
pub const PORTAL_EVENT_TOO_LARGE: &str =
    "事件内容超过考试院允许的大小，未予保存；请联系技术支持检查该柜台的程序。大小（字节）：";
pub const PORTAL_EVENT_BAD_ID: &str = "event_id 不是有效的 UUID";
pub const PORTAL_EVENT_BAD_SEQ: &str = "seq 应为正整数";
pub const PORTAL_EVENT_BAD_BODY: &str = "事件内容格式错误：";
pub const PORTAL_EVENT_UNKNOWN_KIND: &str = "未知的事件类型：";
pub const PORTAL_EVENT_KIND_MISMATCH: &str = "事件类型与内容不符：";
pub const PORTAL_EVENT_INTAKE_MISMATCH: &str = "事件的 intake_id 与内容不符";
pub const PORTAL_EVENT_EXAM_MISMATCH: &str = "事件的准考证号与内容不符";
pub const PORTAL_EVENT_ACTOR_MISMATCH: &str = "事件的操作人（clerk_id）与内容中的主管工号不符";
pub const PORTAL_EVENT_BAD_SUPERVISOR_ACT: &str =
    "主管授权须至少解除一项、且只能解除 wrong_site 或 outside_window；解锁须写明柜员工号";
pub const PORTAL_EVENT_SEQ_TAKEN: &str =
    "本柜台的该序号已用于另一事件（柜台数据库可能被重建过），序号：";
pub const PORTAL_EVENT_INTAKE_OTHER: &str = "该办理记录属于另一名考生或另一柜台";
pub const PORTAL_EVENT_NO_CANDIDATE: &str =
    "无法确定事件对应的考生（既无准考证号，也无已知的办理记录）";
pub const PORTAL_EVENT_NOT_ON_ROSTER: &str = "考试院名单中没有该考生：";
pub const PORTAL_NOT_PORTAL: &str =
    "该文件不是考试院数据库（可能是柜台数据库），未做任何改动；请用 --db 指定考试院数据库文件：";
pub const PORTAL_NEED_DB: &str =
    "请用 --db 指定考试院数据库文件，例如 grad-intake portal serve --db portal.db";
pub const PORTAL_STARTED: &str = "考试院参考服务已启动：";
pub const PORTAL_KEY_NEW: &str =
    "已生成考试院签名密钥。请把下面的公钥填入各柜台 config.toml 的 portal_public_keys：";
pub const PORTAL_KEY_EXISTING: &str = "签名密钥已存在（如需更换请加 --rotate）。公钥：";
pub const SYNC_DONE: &str = "同步完成：";
pub const SYNC_REJECTED_LIST: &str = "被考试院拒收的事件（不影响其他事件的上传，请主管核对）：";

// ---- supervisor ----
// Clerks and roles, voiding, the day's tally and the audit log (issue 7).
pub const CLERK_NOT_FOUND: &str = "没有这个工号：";
pub const CLERK_NOT_SUPERVISOR: &str = "只有在用的主管才能管理柜员、作废办理记录或解锁；该工号不是主管或已停用，操作未执行（已记入审计日志）：";
pub const CLERK_NEED_SUPERVISOR: &str = "请用 --by 指定执行此操作的主管工号，例如 --by s01";
pub const CLERK_FIRST_SUPERVISOR: &str =
    "数据库中还没有主管：请先添加一名主管（--role supervisor），再由主管添加柜员";
pub const CLERK_LAST_SUPERVISOR: &str = "不能停用最后一名在用的主管：请先添加或启用另一名主管";
pub const VOID_NO_INTAKE: &str = "该考生在本柜台没有办理记录，无需作废。准考证号：";
pub const PIN_PROMPT: &str = "请输入PIN（4至12位数字，输入时不显示，按回车结束，Esc取消）：";
pub const PIN_AGAIN: &str = "请再输入一次PIN：";
pub const PIN_MISMATCH: &str = "两次输入的PIN不一致，未做任何改动，请重新运行";
pub const PIN_CANCELLED: &str = "已取消，未做任何改动";
pub const PIN_NOT_TERMINAL: &str =
    "不在终端中运行，无法隐藏输入的PIN：请在终端中运行，或加 --pin-stdin 从标准输入读取一行PIN";
pub const PIN_STDIN_EMPTY: &str = "标准输入中没有读到PIN（应为一行4至12位数字）";
pub const PIN_TERMINAL: &str = "无法从终端读取PIN：";
pub const CLERK_ADDED: &str = "已添加：";
pub const CLERK_FIRST_ADDED: &str =
    "（数据库中原无主管：首位主管由操作系统用户添加，已记入审计日志）";
pub const CLERK_PIN_RESET: &str = "已重设PIN，并解除了锁定：";
pub const CLERK_DISABLED_DONE: &str = "已停用（不能再登录，已有记录保留）：";
pub const CLERK_ENABLED_DONE: &str = "已启用：";
pub const CLERK_UNLOCKED: &str = "已解锁（之前输错的次数已清零）：";
pub const CLERK_LIST_EMPTY: &str =
    "还没有柜员。请先添加一名主管：grad-intake clerk add s01 --name 姓名 --role supervisor";
pub const BAD_DATE: &str = "日期应为“年-月-日”，如 2026-11-20";
pub const TALLY_CSV_WRITTEN: &str = "已写入CSV（UTF-8带BOM，Excel可直接打开）：";
pub const TALLY_CSV_WRITE: &str = "无法写入CSV文件，请检查路径和权限：";
pub const AUDIT_OK: &str = "审计日志完整，未被改动。条目数：";
pub const AUDIT_EDITED: &str = "审计日志被改动：这一条的内容被修改过。";
pub const AUDIT_REMOVED: &str = "审计日志被改动：从这一条起有条目被删除或调换了顺序。";
pub const AUDIT_ENTRY: &str = "条目序号：";
pub const AUDIT_EMPTY: &str = "审计日志中还没有条目";

// ---- printing: forms, fonts, receipts ----------------------------------------------------------
pub fn print_missing_glyph(ch: char, field: &str) -> String {
    format!(
        "字库中没有“{ch}”（U+{:04X}）这个字，出现在“{field}”中。未打印任何内容。\
         请在 config.toml 的 print_fallback_font 中配置含有此字的系统字体后重试",
        u32::from(ch)
    )
}
pub fn print_font_unreadable(path: &str) -> String {
    format!(
        "无法读取备用字体文件 {path}（应为 TTF/OTF 字体），请检查 config.toml 的 print_fallback_font"
    )
}
pub fn print_font_subset(detail: &str) -> String {
    format!("字体处理失败，未打印任何内容，请联系维护人员（{detail}）")
}
pub fn print_form_invalid(form: &str, detail: &str) -> String {
    format!("表格定义 {form} 有误，请联系维护人员修正：{detail}")
}
pub const PRINT_NO_SUCH_FORM: &str = "没有这个表格，可用的有 registration-form 和 receipt";
pub fn print_unknown_key(key: &str) -> String {
    format!("表格定义引用了不存在的数据项“{key}”，未打印任何内容，请联系维护人员修正表格定义")
}
pub fn print_table_overflow(table: &str, rows: usize, have: usize) -> String {
    format!(
        "表格“{table}”只有 {rows} 行，而该考生有 {have} 条，放不下；未打印任何内容，请联系维护人员"
    )
}
pub fn print_text_too_long(field: &str) -> String {
    format!("“{field}”的内容太长，登记表上放不下；未打印任何内容，请核对名单中的这项数据")
}
pub fn print_qr_too_long(field: &str) -> String {
    format!("“{field}”的内容太长，无法生成二维码；未打印任何内容")
}
pub const PRINT_NO_PHOTO: &str =
    "本柜台还没有该考生的照片，不能打印登记表：请先同步（F9 或 grad-intake sync --once）后重试";
pub const PRINT_BAD_PHOTO: &str =
    "该考生的照片文件已损坏（不是有效的 JPEG），不能打印登记表：请重新同步照片或联系考试院";
pub fn print_unknown_exam_no(exam_no: &str) -> String {
    format!("名单中没有准考证号 {exam_no}，请核对后重试，或先同步名单")
}
pub fn print_unknown_intake(intake_id: &str) -> String {
    format!("本柜台没有准考证号或受理编号为 {intake_id} 的受理记录，请核对后重试")
}
pub fn print_no_signed_payload(exam_no: &str) -> String {
    format!("考生 {exam_no} 的名单记录中没有考试院签名的二维码，不能打印登记表：请先同步名单后重试")
}
pub const RECEIPT_ORIGINAL_AND_COPY: &str = "原件已核验退回，复印件留存";
pub const RECEIPT_COPY_KEPT: &str = "已留存";
pub const RECEIPT_ORIGINAL_SEEN: &str = "原件已核验并退回";
pub const RECEIPT_NOT_RECEIVED: &str = "未收到";
pub const RECEIPT_IN_PROGRESS: &str = "办理中（尚未受理）";
pub const RECEIPT_ACCEPTED: &str = "已受理";
pub const RECEIPT_RETURNED: &str = "已退回，请按退回原因补齐后再来";
pub const RECEIPT_VOIDED: &str = "已作废";
pub const PRINT_NO_PRINTER: &str = "没有配置打印机：请在 config.toml 中填写 printer = \"ipp://…\"，\
     或用 --printer 指定，或用 --out 文件.pdf 只生成PDF";
pub const PRINT_FORM_READ: &str = "无法读取表格定义文件：";
pub fn print_write_failed(path: &str, detail: &str) -> String {
    format!("无法写入PDF文件 {path}（{detail}）。若文件已存在，请换一个文件名")
}
pub fn print_out_exists(path: &str) -> String {
    format!(
        "PDF文件 {path} 已存在（可能是别的考生的表），什么都没有写：请换一个 --out 文件名或先移走它"
    )
}
pub fn print_job_not_completed(job_id: i32, outcome: &str) -> String {
    format!("打印作业 {job_id} 没有完成：{outcome}")
}
/// `copies` is how many copies of each form the rules (or `--copies`) ask to print from the file.
pub fn print_written(path: &str, forms: usize, pages: usize, copies: u32) -> String {
    format!("已写入 {path}：{forms} 名考生，共 {pages} 页（A4），每名考生应打印 {copies} 份")
}
/// `pages` is one copy's page count; the printer printed it `copies` times.
pub fn print_done(job_id: i32, forms: usize, pages: usize, copies: u32) -> String {
    let total = pages.saturating_mul(copies as usize);
    format!("已打印：作业 {job_id} 完成，{forms} 名考生各 {copies} 份，共 {total} 页")
}

// ---- printing: IPP (the printer and the job) ----------------------------------------------------
pub fn print_ipp_bad_uri(uri: &str, reason: &str) -> String {
    format!(
        "打印机地址“{uri}”无效（{reason}）：请在 config.toml 的 printer 中填写 \
         ipp://主机:端口/路径 或 ipps://…，例如 ipp://192.168.1.20:631/printers/duplex"
    )
}
pub fn print_ipp_unreachable(uri: &str, detail: &str) -> String {
    format!(
        "连接不上打印机 {uri}，未打印任何内容：请检查打印机（或打印服务器）是否开机、网线是否连好、\
         config.toml 中的地址是否正确，然后重试（{detail}）"
    )
}
pub fn print_ipp_tls(uri: &str, detail: &str) -> String {
    format!(
        "无法与打印机 {uri} 建立加密连接（证书不被信任或不匹配），未打印任何内容：请让管理员把打印机的\
         证书加入本机信任的证书，或在内网中改用 ipp:// 地址（{detail}）"
    )
}
pub fn print_ipp_not_found(uri: &str) -> String {
    format!(
        "打印机上没有这个打印队列：{uri}，未打印任何内容。请核对 config.toml 中 printer 地址的路径\
         （CUPS 的队列形如 /printers/队列名）"
    )
}
pub fn print_ipp_no_duplex(uri: &str, supported: &str) -> String {
    format!(
        "打印机 {uri} 不能双面打印（长边翻转），登记表必须双面打印，未打印任何内容：\
         请换用支持双面的打印机，或在打印服务器上为该打印机启用双面单元后重试。\
         打印机报告的单双面能力：{supported}"
    )
}
pub fn print_ipp_no_a4(uri: &str, supported: &str) -> String {
    format!(
        "打印机 {uri} 没有报告可用A4纸，登记表须用A4纸双面打印：请在打印机或打印服务器上装入并启用A4纸后重试。\
         打印机报告的纸张：{supported}"
    )
}
pub const PRINT_IPP_SIDES_NOT_REPORTED: &str = "（打印机未报告）";
pub fn print_ipp_refused(uri: &str, status: &str, detail: &str) -> String {
    format!("打印机 {uri} 拒绝了请求（{status}），未打印任何内容。{detail}")
}
pub const PRINT_IPP_HINT_AUTH: &str =
    "打印机要求登录或不允许本机打印：请让管理员在打印机或打印服务器上允许本柜台打印";
pub const PRINT_IPP_HINT_NEEDS_TLS: &str =
    "打印机只接受加密连接：请把 config.toml 中的地址改为 ipps:// 开头";
pub const PRINT_IPP_HINT_NO_PDF: &str =
    "该打印机不能直接打印PDF：请换用能打印PDF的打印机，或通过 CUPS 打印服务器连接它";
pub const PRINT_IPP_HINT_UNSUPPORTED: &str = "打印机不支持要求的设置（A4、双面或份数），为免打错没有打印：请换用支持这些设置的打印机。不支持的设置：";
pub const PRINT_IPP_HINT_NOT_ACCEPTING: &str =
    "打印机已暂停接收任务：请在打印机或打印服务器上恢复接收任务后重试";
pub const PRINT_IPP_HINT_BUSY: &str = "打印机正忙或暂时无法服务：请稍后重试";
pub const PRINT_IPP_HINT_OTHER: &str = "请查看打印机上的提示，处理后重试。打印机的说明：";
pub fn print_ipp_send_failed(uri: &str, detail: &str) -> String {
    format!(
        "向打印机 {uri} 发送文件时连接中断：打印机可能已经收到、也可能没有收到这份任务。\
         请先看打印机是否在打印或队列中是否有任务，再决定是否重新打印（{detail}）"
    )
}
pub fn print_ipp_timeout(uri: &str, job_id: i32, state: &str) -> String {
    format!(
        "打印机 {uri} 上的任务 {job_id} 在规定时间内没有打印完（当前状态：{state}）。任务仍在打印机队列中，\
         打印机恢复后会继续打印：请查看打印机是否缺纸、卡纸或暂停，不要重复打印"
    )
}
pub fn print_ipp_not_answering(uri: &str, job_id: i32, seconds: u64) -> String {
    format!(
        "打印机 {uri} 已有 {seconds} 秒没有应答（任务 {job_id} 在它那里）：请查看打印机是否开机、联网。\
         先看纸是否已经打出，确认没有打出再重新打印"
    )
}
pub fn print_ipp_job_lost(uri: &str, job_id: i32) -> String {
    format!(
        "打印机 {uri} 已不再报告任务 {job_id} 的状态（有的打印机不保留已结束的任务）：\
         请到打印机出纸处核对是否已打印完整，再决定是否重新打印"
    )
}
pub fn print_ipp_bad_response(uri: &str, detail: &str) -> String {
    format!(
        "打印机 {uri} 的应答无法识别（该地址可能不是 IPP 打印机），请核对 config.toml 中的地址；\
         如地址无误请联系维护人员（{detail}）"
    )
}
pub fn print_ipp_bad_copies(copies: u32) -> String {
    format!("份数应为1至99，现为 {copies}，未打印任何内容")
}
pub const PRINT_IPP_COMPLETED: &str = "打印完成";
pub fn print_ipp_aborted(reason: &str) -> String {
    format!(
        "打印机中止了任务，可能没有打印完整：请查看打印机（缺纸、卡纸、缺墨粉等），处理后重新打印。\
         打印机的说明：{reason}"
    )
}
pub const PRINT_IPP_CANCELED: &str =
    "任务已在打印机或打印服务器上被取消，可能没有打印完整：如仍需要，请重新打印";
pub const PRINT_IPP_STATE_PENDING: &str = "排队等待";
pub const PRINT_IPP_STATE_HELD: &str = "被挂起";
pub const PRINT_IPP_STATE_PROCESSING: &str = "正在打印";
pub const PRINT_IPP_STATE_STOPPED: &str = "打印机已停止";
pub const PRINT_IPP_STATE_UNKNOWN: &str = "未知";
pub const PRINT_IPP_PRINTER_SAYS: &str = "打印机：";

// ---- command reports -----------------------------------------------------------------------
/// What the subcommands print (`src/commands/`): each function gives one line (without the line
/// end) so that a report reads as a list of these.
// ---- enrolment, revocation and TLS (issue 15, items 5 and 7) --------------------------------
pub const PORTAL_UNKNOWN_COUNTER: &str = "考试院没有登记这个柜台编号（请先用 portal add-counter 登记；portal list-counters 列出已登记的柜台）：";
pub const PORTAL_COUNTER_IS_REVOKED: &str =
    "该柜台已被停用；如需恢复，请重新运行 portal add-counter 登记它：";
pub const PORTAL_TLS_FILES: &str =
    "无法使用 TLS 证书或私钥文件，请检查该文件（PEM 格式；私钥须与证书配对）：";
pub const PORTAL_TLS_NO_CERT: &str = "文件中没有 PEM 格式的证书（-----BEGIN CERTIFICATE-----）";
pub const PORTAL_TLS_KEY_MISMATCH: &str = "私钥与证书不配对";
pub const PORTAL_REVOKED_TOKEN: &str = "本柜台已被考试院停用，令牌不再有效：请联系考试院管理员；恢复后在本柜台运行 grad-intake enrol 重新登记";
pub const PORTAL_ENROL_BAD_REQUEST: &str = "登记请求格式错误，应为 {\"code\": \"登记码\"}：";
pub const PORTAL_ENROL_UNKNOWN: &str = "登记码不正确或已作废（已有更新的登记码，或该柜台已停用）：请核对输入，或向考试院管理员索取新的登记码";
pub const PORTAL_ENROL_USED: &str = "该登记码已经用过（每个登记码只能用一次）：请向考试院管理员索取新的登记码（portal rotate-token）";
pub const PORTAL_ENROL_EXPIRED: &str =
    "该登记码已过期（有效期 24 小时）：请向考试院管理员索取新的登记码（portal rotate-token）";
pub const PORTAL_CODE_HEADER: &str = "登记码（只能用一次）：";
pub const PORTAL_TOKEN_MANUAL: &str = "或者手工配置：令牌只显示这一次，请填入该柜台 config.toml 的 portal_token（用登记码登记后此令牌即被更换）：";
pub const PORTAL_NO_COUNTERS: &str = "考试院还没有登记任何柜台（portal add-counter）";
pub const SYNC_CA_FILE: &str =
    "无法使用 portal_ca_file 指定的CA证书文件（应为 PEM 格式的证书），请检查 config.toml：";
pub const SYNC_CERTIFICATE: &str = "考试院服务器的证书未通过校验，连接已中断，未发送任何数据：";
pub const ENROL_BAD_CODE: &str =
    "登记码格式不对：应为16位字母和数字（如 ABCD-EFGH-JKMN-PQRS），请核对后重新输入";
pub const ENROL_REFUSED: &str = "考试院拒绝了登记（HTTP ";
pub const ENROL_BAD_ANSWER: &str = "考试院对登记的应答无法识别，请联系考试院管理员：";

/// What a failed certificate check says, naming the server and the problem.
pub mod certificate {
    pub fn expired(host: &str, not_after: &str) -> String {
        format!(
            "服务器 {host} 的证书已过期（有效期至 {not_after}）：请考试院管理员更换证书；也请确认本机日期和时间正确"
        )
    }
    pub fn not_yet_valid(host: &str, not_before: &str) -> String {
        format!(
            "服务器 {host} 的证书尚未生效（自 {not_before} 起有效）：请确认本机日期和时间正确，或请考试院管理员检查证书"
        )
    }
    pub fn wrong_host(host: &str, names: &str) -> String {
        format!(
            "服务器证书不属于 {host}（证书上的名称：{names}）：请核对 config.toml 中的 portal_url 是否为考试院给出的地址"
        )
    }
    pub fn unknown_issuer(host: &str) -> String {
        format!(
            "服务器 {host} 的证书不是由本机信任的机构签发：如考试院使用自己的CA（如政务CA），请把该CA证书（PEM）的路径填入 config.toml 的 portal_ca_file，或登记时用 --ca-file 指定"
        )
    }
    pub fn revoked(host: &str) -> String {
        format!("服务器 {host} 的证书已被吊销：请联系考试院管理员")
    }
    pub fn other(host: &str, detail: &str) -> String {
        format!("服务器 {host} 的证书无效（{detail}）：请联系考试院管理员")
    }
}

pub mod report {
    use std::fmt::Display;

    pub const ERROR_PREFIX: &str = "错误：";

    // check
    pub fn check_candidate(name: &str, exam_no: &str, id_masked: &str) -> String {
        format!("考生：{name}  准考证号：{exam_no}  证件号：{id_masked}")
    }
    pub fn check_study(level: &str, major_code: &str, site_code: &str) -> String {
        format!("层次：{level}  专业代码：{major_code}  办理地点：{site_code}")
    }
    pub fn check_scan(kind: &str) -> String {
        format!("扫码：{kind}")
    }
    /// `（至 11-20 12:00）`: when the window's state changes next.
    pub fn until(at: &str) -> String {
        format!("（至 {at}）")
    }
    pub fn check_window(status: &str, until: &str) -> String {
        format!("受理时间：{status}{until}")
    }
    pub fn check_state(state: &str) -> String {
        format!("办理状态：{state}")
    }
    pub const CHECK_CHECKLIST: &str = "材料清单：";
    pub fn check_item(title: &str, copies: impl Display, kind: &str) -> String {
        format!("  □ {title} ×{copies}  {kind}")
    }
    pub fn check_item_note(note: &str) -> String {
        format!("      {note}")
    }
    pub const CHECK_BLOCKERS: &str = "不能受理：";
    pub fn check_blocker(message: &str) -> String {
        format!("  ✗ {message}")
    }

    // roster
    pub fn roster_imported(added: usize, updated: usize, unchanged: usize) -> String {
        let total = added + updated + unchanged;
        format!("导入完成：新增 {added}，更新 {updated}，未变 {unchanged}（共 {total} 条）")
    }
    pub fn roster_person(exam_no: &str, name: &str, gender: &str, id_masked: &str) -> String {
        format!("{exam_no}  {name}  {gender}  证件号 {id_masked}")
    }
    pub fn roster_study(level: &str, major: &str, major_code: &str, school: &str) -> String {
        format!("{level} {major}（{major_code}）  主考学校：{school}")
    }
    pub fn roster_status(batch: &str, site: &str, photo: &str, passed: bool) -> String {
        let prediction = if passed { "通过" } else { "未通过" };
        format!("批次 {batch}  办理地点 {site}  照片 {photo}  毕业预测{prediction}")
    }
    pub fn roster_course(code: &str, name: &str, score: &str, date: &str) -> String {
        format!("  {code} {name} {score} {date}")
    }

    // schedule
    pub fn schedule_site(code: &str, name: &str, status: &str, until: &str) -> String {
        format!("{code} {name}：{status}{until}")
    }

    // demo
    pub fn demo_written(db: &str) -> String {
        format!("演示数据（合成，非真实考生）已写入 {db}")
    }
    pub fn demo_candidates(
        added: impl Display,
        updated: impl Display,
        unchanged: impl Display,
    ) -> String {
        format!("  考生：新增 {added}，更新 {updated}，未变 {unchanged}")
    }
    pub fn demo_config_written(path: &str) -> String {
        format!("  已写入配置：{path}")
    }
    pub fn demo_config_kept(path: &str) -> String {
        format!("  配置已存在，未改动：{path}")
    }
    pub const DEMO_CLERKS: &str = "  演示柜员（工号 / PIN）：";
    pub fn demo_clerk(id: &str, pin: &str, name: &str, role: &str) -> String {
        format!("    {id} / {pin}  {name}（{role}）")
    }
    pub const DEMO_TRY: &str = "  试一试：";
    pub fn demo_try(qr: &str, case: &str) -> String {
        format!("    grad-intake check '{qr}'    # {case}")
    }

    // sync
    pub fn sync_done(r: &crate::sync::RoundReport) -> String {
        format!(
            "{}上传事件 {} 条（其中考试院已有 {} 条，拒收 {} 条），名单更新 {} 人，照片 {} 张；尚待上传 {} 条",
            super::SYNC_DONE,
            r.stored + r.duplicates + r.rejected,
            r.duplicates,
            r.rejected,
            r.roster_received,
            r.photos_received,
            r.pending
        ) + &recovered(r)
            + &r.clock_offset_ms.map(clock_offset).unwrap_or_default()
    }
    /// `；从考试院取回本柜台丢失的事件 3 条…`: a restored database took back its events.
    fn recovered(r: &crate::sync::RoundReport) -> String {
        if r.recovered == 0 {
            return String::new();
        }
        format!(
            "；从考试院取回本柜台数据库丢失的事件 {} 条（已记入审计日志），恢复后新办的 {} 条已顺延编号",
            r.recovered, r.renumbered
        )
    }
    /// `；本机时钟比考试院快 3 分 12 秒（…）`: the offset `sync --once` measured.
    pub fn clock_offset(ms: i64) -> String {
        let secs = ms.unsigned_abs() / 1_000;
        let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
        let amount = match (d, h, m) {
            (0, 0, 0) => format!("{s}.{} 秒", ms.unsigned_abs() % 1_000 / 100),
            (0, 0, _) => format!("{m} 分 {s} 秒"),
            (0, _, _) => format!("{h} 小时 {m} 分"),
            _ => format!("{d} 天 {h} 小时"),
        };
        let way = if ms >= 0 { "快" } else { "慢" };
        let warn = if crate::sync::clock::is_off(ms) {
            super::SYNC_CLOCK_OFF
        } else {
            ""
        };
        format!("；本机时钟比考试院{way} {amount}{warn}")
    }
    /// `[#####-----] 上传 1500/10000  名单 +2000  照片 12`
    pub fn sync_progress(
        bar: &str,
        pushed: impl Display,
        to_push: impl Display,
        roster: impl Display,
        photos: impl Display,
    ) -> String {
        format!("[{bar}] 上传 {pushed}/{to_push}  名单 +{roster}  照片 {photos}")
    }
    pub fn sync_rejected(
        seq: impl Display,
        kind: &str,
        exam_no: &str,
        at: &str,
        error: &str,
    ) -> String {
        format!("  #{seq} {kind} {exam_no} {at}：{error}")
    }
    pub fn sync_rejected_left_out(left_out: usize, total: usize) -> String {
        format!("  另有 {left_out} 条未列出（共 {total} 条）")
    }
    pub const SYNC_NEVER: &str = "—";
    pub fn sync_status(
        label: &str,
        pending: impl Display,
        rejected: impl Display,
        last: &str,
        error: &str,
    ) -> String {
        format!("{label}  待上传 {pending} 条  拒收 {rejected} 条  上次成功 {last}  {error}")
    }

    // portal
    pub fn portal_counter_added(counter: &str, site: &str) -> String {
        format!("已登记柜台 {counter}（办理点 {site}）。")
    }
    pub fn portal_token_rotated(counter: &str) -> String {
        format!("已为柜台 {counter} 更换令牌：旧令牌从下一次请求起被拒绝。")
    }
    pub fn portal_counter_revoked(counter: &str) -> String {
        format!(
            "已停用柜台 {counter}：其令牌从下一次请求起被拒绝（HTTP 401），未用的登记码已作废。该柜台已上传的记录保留；如需恢复，运行 portal add-counter 重新登记。"
        )
    }
    pub fn portal_photos_measured(
        measured: impl Display,
        passed: impl Display,
        failed: impl Display,
        not_measured: impl Display,
    ) -> String {
        format!(
            "照片检测：{measured} 张，符合标准 {passed}，不合格 {failed}，未能测量 {not_measured}（复核名单：grad-intake portal photo-report）"
        )
    }

    pub fn portal_code_valid(until: &str) -> String {
        format!("有效至 {until}（北京时间）")
    }
    pub fn portal_code_howto(code: &str) -> String {
        format!(
            "在该柜台的电脑上运行：grad-intake enrol {code} --portal <考试院地址>（考试院使用自己的CA时加 --ca-file <CA证书.pem>），或在屏幕上扫描下面的二维码输入登记码："
        )
    }
    pub fn portal_counter_line(
        counter: &str,
        site: &str,
        state: &str,
        issued: &str,
        code: &str,
    ) -> String {
        format!("{counter}\t办理点 {site}\t{state}\t令牌签发于 {issued}\t{code}")
    }
    pub const COUNTER_ACTIVE: &str = "在用";
    pub fn counter_revoked_at(at: &str) -> String {
        format!("已停用（{at}）")
    }
    pub fn counter_code_until(until: &str) -> String {
        format!("登记码有效至 {until}")
    }
    pub const COUNTER_NO_CODE: &str = "无可用登记码";
    pub fn enrolled(site: &str, counter: &str, keys: usize, config: &str) -> String {
        format!(
            "本柜台已登记：办理点 {site}，柜台 {counter}。考试院地址、令牌和公钥（{keys} 个）已写入 {config}（仅本用户可读写）。下一步：grad-intake sync --once 下载名单"
        )
    }
    pub fn enrol_replaced(site: &str, counter: &str) -> String {
        format!(
            "注意：配置文件原属于办理点 {site} 的柜台 {counter}，现已改为登记码所属的柜台；本机数据库中原柜台尚未上传的记录将被考试院拒收，请告知考试院管理员"
        )
    }
    pub fn portal_started(url: &str, db: &str) -> String {
        format!("{}{url}（{db}，Ctrl-C 停止）", super::PORTAL_STARTED)
    }
    pub fn portal_imported(
        added: impl Display,
        updated: impl Display,
        unchanged: impl Display,
        total: impl Display,
        photos: impl Display,
    ) -> String {
        format!(
            "导入完成：新增 {added}，更新 {updated}，未变 {unchanged}（共 {total} 条），照片 {photos} 张"
        )
    }

    // clerks
    pub const ROLE_CLERK: &str = "柜员";
    pub const ROLE_SUPERVISOR: &str = "主管";
    pub fn clerk_added(id: &str, name: &str, role: &str) -> String {
        format!("{}{id} {name}（{role}）", super::CLERK_ADDED)
    }
    pub const CLERK_DISABLED: &str = "已停用";
    pub const CLERK_IN_USE: &str = "在用";
    pub fn clerk_locked_until(hm: &str) -> String {
        format!("锁定至 {hm}")
    }
    pub fn clerk_failed_logins(n: impl Display) -> String {
        format!("PIN已输错 {n} 次")
    }
    pub const CLERK_STATE_SEPARATOR: &str = "，";
    pub fn clerk_line(id: &str, name: &str, role: &str, state: &str) -> String {
        format!("{id}  {name}  {role}  {state}")
    }

    // audit
    pub fn audit_entry(
        seq: impl Display,
        at: &str,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> String {
        format!("#{seq}  {at}  {actor}  {action}  {detail}")
    }

    // tally
    pub const TALLY_OUTCOMES: [&str; 5] = ["已受理", "已退回补正", "办理中", "已作废", "合计"];
    pub fn tally_outcomes(
        accepted: impl Display,
        returned: impl Display,
        in_progress: impl Display,
        voided: impl Display,
        total: impl Display,
    ) -> String {
        let [a, r, p, v, t] = TALLY_OUTCOMES;
        format!("{a} {accepted}  {r} {returned}  {p} {in_progress}  {v} {voided}  {t} {total}")
    }
    pub const TALLY_SCOPE: &str = "本柜台数据";
    /// The clerk of a decided file whose decision names nobody (not written by this program).
    pub const TALLY_UNKNOWN_CLERK: &str = "（未知）";
    pub fn tally_scope_counter(counter: &str) -> String {
        format!("柜台 {counter}")
    }
    pub fn tally_scope_site(site: &str) -> String {
        format!("办理点 {site}")
    }
    /// 本柜台数据（柜台 demo-01，办理点 9901）
    pub fn tally_scope(parts: &[String]) -> String {
        format!("{TALLY_SCOPE}（{}）", parts.join("，"))
    }
    pub fn tally_title(date: &str, scope: &str) -> String {
        format!("{date} 受理统计 · {scope}")
    }
    pub const TALLY_OFFICE_NOTE: &str = "（全办理点各柜台的合计数据由考试院同步提供）";
    pub fn tally_total(outcomes: &str) -> String {
        format!("合计：{outcomes}")
    }
    pub const TALLY_BY_HOUR: &str = "按时段：";
    pub const TALLY_NONE: &str = "  （无）";
    pub fn tally_row(item: &str, outcomes: &str) -> String {
        format!("  {item}  {outcomes}")
    }
    pub const TALLY_BY_CLERK: &str = "按柜员（作出决定者；作废者为主管）：";
    pub const TALLY_UNDECIDED: &str = "（办理中，尚未决定）";
    pub fn tally_undecided(n: impl Display) -> String {
        format!("  {TALLY_UNDECIDED}  {n}")
    }
    pub const TALLY_BY_COUNTER: &str = "按柜台：";
    pub fn tally_reasons(top: impl Display) -> String {
        format!("退回原因（前 {top} 项）：")
    }
    pub fn tally_reason(count: impl Display, reason: &str) -> String {
        format!("  {count}  {reason}")
    }
    pub fn tally_roster(roster: impl Display, seen: impl Display, not_yet: impl Display) -> String {
        format!("名单：本办理点考生 {roster} 人，已在本柜台办理 {seen} 人，尚未前来 {not_yet} 人")
    }
    // The CSV's first two columns: section, item.
    pub const TALLY_CSV_SECTION: &str = "分类";
    pub const TALLY_CSV_ITEM: &str = "项目";
    pub const TALLY_CSV_DATE: &str = "日期";
    pub const TALLY_CSV_SCOPE: &str = "范围";
    pub const TALLY_CSV_TOTAL: &str = "合计";
    pub const TALLY_CSV_ALL: &str = "全部";
    pub const TALLY_CSV_HOUR: &str = "时段";
    pub const TALLY_CSV_CLERK: &str = "柜员";
    pub const TALLY_CSV_COUNTER: &str = "柜台";
    pub const TALLY_CSV_REASON: &str = "退回原因";
    pub const TALLY_CSV_ROSTER: &str = "名单";
    pub const TALLY_CSV_ROSTER_ALL: &str = "本办理点考生";
    pub const TALLY_CSV_ROSTER_SEEN: &str = "已在本柜台办理";
    pub const TALLY_CSV_ROSTER_NOT_YET: &str = "尚未前来";
}

/// `grad-intake doctor`: one line per check, saying what to do when it fails.
pub mod doctor {
    use std::path::Path;

    pub fn config_ok(path: &Path) -> String {
        format!("配置文件有效：{}", path.display())
    }
    pub fn config_missing(path: &Path) -> String {
        format!(
            "没有配置文件 {}：按 README“在办公室电脑上安装”写好配置（或运行 grad-intake demo 试用）",
            path.display()
        )
    }
    pub fn config_bad(error: &str) -> String {
        format!("{error}：改正配置文件后再运行 grad-intake doctor")
    }
    pub fn db_missing(path: &Path) -> String {
        format!(
            "数据库 {} 不存在：导入名单（grad-intake roster import）或同步（grad-intake sync --once）后自动建立",
            path.display()
        )
    }
    pub fn db_not_ours(path: &Path) -> String {
        format!(
            "{} 不是本程序的数据库或已损坏，无法打开：检查配置 db / --db，或从备份恢复",
            path.display()
        )
    }
    pub fn db_interrupted(path: &Path) -> String {
        format!(
            "数据库 {} 上次写入（名单导入）被中断，尚待恢复：打开一次柜台程序即自动恢复到中断前的样子（已导入的名单不受影响），然后再运行 doctor",
            path.display()
        )
    }
    pub fn db_corrupt(path: &Path, detail: &str) -> String {
        format!(
            "数据库 {} 完整性检查未通过（{detail}）：停止使用这台电脑受理，从备份恢复数据库并联系技术支持",
            path.display()
        )
    }
    pub fn db_ok(path: &Path, version: i64) -> String {
        format!(
            "数据库完整（integrity_check ok），结构为最新版本 {version}：{}",
            path.display()
        )
    }
    pub fn db_old(version: i64, latest: i64) -> String {
        format!(
            "数据库结构为版本 {version}，本程序为 {latest}：运行任一命令（如 grad-intake tally）即自动升级"
        )
    }
    pub fn db_too_new(version: i64, latest: i64) -> String {
        format!("数据库结构为版本 {version}，比本程序（{latest}）新：请安装新版本的 grad-intake")
    }
    pub fn perms_ok() -> String {
        "数据库、配置、密钥和日志均仅所有者可读写".to_owned()
    }
    pub fn perms_wide(path: &Path, mode: u32) -> String {
        format!(
            "{} 的权限为 {mode:04o}，其他用户可读：运行 chmod go-rwx '{}'",
            path.display(),
            path.display()
        )
    }
    pub fn disk_ok(free_gb: f64) -> String {
        format!("数据库所在磁盘可用空间 {free_gb:.1} GB")
    }
    pub fn disk_low(free_gb: f64) -> String {
        format!("数据库所在磁盘可用空间仅 {free_gb:.2} GB（不足 1 GB）：受理前清理磁盘")
    }
    pub fn disk_unknown(detail: &str) -> String {
        format!("无法查询磁盘可用空间：{detail}")
    }
    pub fn demo_key_ok() -> String {
        "没有演示签名密钥（正式配置）".to_owned()
    }
    pub fn demo_key_demo() -> String {
        "演示配置（考点 9901）：使用演示签名密钥".to_owned()
    }
    pub fn demo_key_present(path: &Path) -> String {
        format!(
            "正式配置下仍有演示签名密钥 {}：删除它（rm '{}'），演示表格不应在正式柜台通过",
            path.display(),
            path.display()
        )
    }
    pub const PORTAL_NONE: &str = "未配置考试院（portal_url）：本柜台离线使用";
    pub fn portal_ok(url: &str) -> String {
        format!("考试院可连接，令牌有效：{url}")
    }
    pub fn portal_failed(url: &str, error: &str) -> String {
        format!("考试院 {url} 检查失败：{error}")
    }
    pub fn clock_ok(seconds: i64) -> String {
        format!("本机时钟与考试院相差 {seconds} 秒")
    }
    pub fn clock_off(seconds: i64) -> String {
        let way = if seconds > 0 { "快" } else { "慢" };
        let s = seconds.unsigned_abs();
        format!(
            "本机时钟比考试院{way} {} 分 {} 秒（超过 2 分钟）：校准系统时间（如 timedatectl set-ntp true）后再受理",
            s / 60,
            s % 60
        )
    }
    pub const CLOCK_UNKNOWN: &str = "考试院的回答没有 Date 时间头，无法核对时钟";
    pub fn cursor_ok(cursor: i64, minutes: i64) -> String {
        format!("名单已从考试院同步（游标 {cursor}，{}）", ago(minutes))
    }
    pub fn cursor_stale(cursor: i64, minutes: i64) -> String {
        format!(
            "名单最后一次与考试院同步是{}（游标 {cursor}）：运行 grad-intake sync --once，或检查网络和考试院地址",
            ago(minutes)
        )
    }
    pub fn cursor_unfinished(cursor: i64) -> String {
        format!("名单下载尚未完成（游标 {cursor}）：运行 grad-intake sync --once 完成下载")
    }
    /// "5 分钟前", "3 小时前", "2 天前".
    fn ago(minutes: i64) -> String {
        match minutes {
            m if m < 60 => format!("{m} 分钟前"),
            m if m < 48 * 60 => format!("{} 小时前", m / 60),
            m => format!("{} 天前", m / (24 * 60)),
        }
    }
    pub const CURSOR_NONE: &str = "尚未从考试院下载名单：运行 grad-intake sync --once";
    pub const PRINTER_NONE: &str = "未配置打印机（printer）：不能补打登记表和回执";
    pub fn printer_ok(uri: &str) -> String {
        format!("打印机可连接，支持A4双面打印：{uri}")
    }
    pub const SCANNER_NONE: &str = "未配置串口扫码枪（键盘式扫码枪无需设置）";
    pub fn scanner_ok(port: &Path) -> String {
        format!("串口扫码枪已连接：{}", port.display())
    }
    pub fn scanner_test_prompt(port: &Path, seconds: u64) -> String {
        format!(
            "扫码枪测试：请在 {seconds} 秒内用扫码枪扫一张登记表的二维码（{}）…",
            port.display()
        )
    }
    pub fn scanner_test_ok(port: &Path, chars: usize) -> String {
        format!(
            "串口扫码枪读到一次完整的扫码（{chars} 个字符）：{}",
            port.display()
        )
    }
    pub fn scanner_test_none(port: &Path, seconds: u64, problem: Option<&str>) -> String {
        let seen = problem.map_or_else(String::new, |p| format!("（最后的情况：{p}）"));
        format!(
            "{seconds} 秒内没有从串口扫码枪 {} 读到完整的扫码{seen}：检查扫码枪的USB线，\
             并用 grad-intake scanner listen 查看它发来的内容，核对波特率和结束符（[scanner] baud、terminator）",
            port.display()
        )
    }
    pub fn scanner_missing(configured: &str) -> String {
        format!(
            "找不到串口扫码枪（配置 [scanner] port = \"{configured}\"）：插好扫码枪的USB线，或用 grad-intake scanner list 查看串口后改正配置"
        )
    }
    pub const FONTS_OK: &str = "打印字体：内置 Noto Sans CJK SC（覆盖通用规范汉字表）";
    pub fn fonts_fallback_ok(path: &Path) -> String {
        format!(
            "打印字体：内置 Noto Sans CJK SC，另有备用字体 {}",
            path.display()
        )
    }
    pub fn audit_ok(entries: usize) -> String {
        format!("审计日志完整，未被改动（{entries} 条）")
    }
    pub fn audit_broken(seq: i64) -> String {
        format!("审计日志第 {seq} 条起被改动或删除：运行 grad-intake audit verify 查看，并报告主管")
    }
    pub const SKIPPED_NO_DB: &str = "没有可用的数据库，未检查";
    pub fn summary(failed: usize) -> String {
        if failed == 0 {
            "这台电脑可以受理。".to_owned()
        } else {
            format!("有 {failed} 项未通过：按上面 ✗ 后的说明处理，再运行 grad-intake doctor。")
        }
    }
}

/// The graduation photo standard: rule names, measurement problems, `photo check` output. Read by
/// the city office's staff and clerks; each problem says what to do.
pub mod photo {
    // Rule names (data/photo_standards.toml `check`).
    pub const CHECK_FORMAT: &str = "JPEG格式";
    pub const CHECK_WIDTH: &str = "宽度";
    pub const CHECK_HEIGHT: &str = "高度";
    pub const CHECK_DENSITY: &str = "分辨率";
    pub const CHECK_COLOUR_BITS: &str = "色彩位数";
    pub const CHECK_QUALITY: &str = "压缩品质";
    pub const CHECK_FILE_BYTES: &str = "文件大小";
    pub const CHECK_BACKGROUND_COLOUR: &str = "背景颜色";
    pub const CHECK_BACKGROUND_UNIFORMITY: &str = "背景均匀";
    pub const CHECK_FACE_COUNT: &str = "人脸数";
    pub const CHECK_HAIR_TOP: &str = "头顶距上边";
    pub const CHECK_EYE_LINE: &str = "眼睛距上边";
    pub const CHECK_FACE_WIDTH: &str = "脸部宽度";
    pub const CHECK_CENTRE: &str = "水平居中（偏离）";

    // Units and values.
    pub const UNIT_PX: &str = "像素";
    pub const UNIT_BITS: &str = "位";
    pub const UNIT_BYTES: &str = "字节";
    pub const LIMIT_JPEG: &str = "完整的JPEG文件";
    pub const FORMAT_JPEG: &str = "JPEG（基线）";
    pub const FORMAT_PROGRESSIVE: &str = "JPEG（渐进式）";
    pub const FORMAT_UNUSUAL: &str =
        "JPEG（无损/算术编码等少见格式，多数系统无法读取），请另存为普通JPEG";
    pub const DENSITY_MISSING: &str =
        "文件未标注分辨率（无JFIF/EXIF分辨率），请用照片软件设为300dpi后另存";
    pub const DENSITY_ASPECT_ONLY: &str = "文件只标注了像素比例、未标注dpi，请设为300dpi后另存";
    pub const ESTIMATED_FROM_BOX: &str = "（按人脸框估算，无眼部定位模型）";

    // Why a rule could not be measured.
    pub const NOT_DECODED: &str = "文件不完整或已损坏，未能测量（见“JPEG格式”一项）";
    pub const NO_FACE: &str =
        "未检测到正面人脸，未能测量（请人工核对：是否正面免冠、光线是否过暗）";
    pub const SEVERAL_FACES: &str = "检测到多张人脸，未能测量";
    pub const HAIR_NOT_FOUND: &str = "未找到头顶与背景的分界，未能测量（请人工核对）";

    // The file's structure.
    pub const NOT_JPEG: &str = "不是JPEG文件（文件开头不是JPEG标记），请提交JPG格式照片";
    pub const TRUNCATED_AT: &str =
        "JPEG文件被截断（不完整），请重新导出或重新上传；截断位置（字节）：";
    pub const MARKER_EXPECTED_AT: &str = "JPEG结构错误，文件已损坏，请重新导出；位置（字节）：";
    pub const SEGMENT_LENGTH_AT: &str = "JPEG段长度无效，文件已损坏，请重新导出；位置（字节）：";
    pub const MARKER_MISSING: &str = "JPEG文件不完整，缺少标记 ";
    pub const SECOND_FRAME: &str = "JPEG文件含两个图像帧，请重新导出为普通JPEG";
    pub const SCAN_BEFORE_FRAME: &str = "JPEG结构错误（图像数据在帧头之前），文件已损坏";
    pub const FRAME_SHORT: &str = "JPEG帧头不完整，文件已损坏，请重新导出";
    pub const DQT_BAD: &str = "JPEG量化表无效，文件已损坏，请重新导出";
    pub const TOO_MANY_PIXELS: &str =
        "图像像素过多（超过400万），只检查了文件头；请按标准缩放为480×640";
    pub const DECODE_FAILED: &str = "图像数据无法解码，文件可能已损坏，请重新导出";

    // The standards file (data/photo_standards.toml).
    pub const STANDARDS_INVALID: &str =
        "照片标准文件 data/photo_standards.toml 有误，请修改后再试；位置";
    pub const DUPLICATE: &str = "标准名称重复";
    pub const UNKNOWN_STANDARD: &str = "没有这个名称的标准（见 [[standard]] name）";
    pub const KEY_NOT_FOR_CHECK: &str = "这一项检查不使用该键，请删除";
    pub const COLOURS_MISSING: &str = "背景颜色检查须列出至少一种允许的颜色，如 [[255, 255, 255]]";
    pub const TOLERANCE_RANGE: &str = "容差须为 0 至 442 之间的数（RGB距离）";
    pub const NOT_A_COUNT: &str = "须为不小于0的数";
    pub const RANGE_MISSING: &str = "须给出 min 或 max（或两者）";
    pub const RANGE_REVERSED: &str = "max 不能小于 min";

    // `photo check`.
    pub const UNKNOWN_STANDARD_NAMED: &str =
        "没有这个照片标准（可用 guangzhou、shaoguan、beijing，见 data/photo_standards.toml）：";
    pub const NO_STANDARD_FOR_SITE: &str =
        "该办理地点没有对应的照片标准，请用 --standard 指定；办理地点：";
    pub const PATH_MISSING: &str = "文件或文件夹不存在，请核对路径：";
    pub const FOLDER_UNREADABLE: &str = "无法读取文件夹：";
    pub const CANDIDATE_UNKNOWN: &str = "本柜台名单中没有该准考证号：";
    pub const NO_PHOTO_ON_FILE: &str = "本柜台尚无该考生的照片（请先同步）：";
    pub const FILE_UNREADABLE: &str = "无法读取照片文件";
    pub const FILE_TOO_LARGE: &str = "文件过大（超过8MB），不是标准证件照，未读取";
    pub const STANDARD_USED: &str = "照片标准：";
    pub const PASSED: &str = "合格";
    pub const FAILED: &str = "不合格";
    pub const NOT_MEASURED: &str = "未能测量";
    pub const MEASURED: &str = "实测 ";
    pub const REQUIRED: &str = "要求 ";
    pub const SUMMARY_PHOTOS: &str = "共检查照片：";
    pub const SUMMARY_PASSED: &str = "合格：";
    pub const SUMMARY_FAILED: &str = "不合格：";
    pub const SUMMARY_NOT_MEASURED: &str = "需人工核对：";
    pub const SUMMARY_UNREADABLE: &str = "无法读取的文件：";
    pub const SUMMARY_BY_RULE: &str = "各项不合格的照片数：";
    pub const CSV_PHOTO: &str = "照片";
    pub const CSV_RESULT: &str = "结果";
    pub const CSV_FAILED_RULES: &str = "不合格项目";
    pub const CSV_NOT_WRITTEN: &str = "无法写入CSV文件（文件须尚不存在，目录须可写）：";
    pub const PROGRESS_TEMPLATE: &str = "检查照片 {bar:40} {pos}/{len} 剩余约 {eta}";
}
