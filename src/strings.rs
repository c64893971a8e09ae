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
pub const SCAN_BAD_PAYLOAD: &str = "无法识别的扫码内容，请重新扫描登记表上的二维码，或手工输入准考证号/身份证号";
pub const SCAN_BAD_CHECKSUM: &str = "身份证号校验位不符（可能扫错或输错一位），请核对证件后重新输入";
pub const SCAN_BAD_SIGNATURE: &str = "二维码签名验证失败：该登记表可能被改动或不是系统打印的，请核对考生信息，必要时重新打印登记表";
pub const SCAN_NO_PUBLIC_KEY: &str = "本柜台未配置考试院公钥，无法验证二维码；请联系管理员配置 portal_public_keys，暂时可手工输入准考证号";
pub const SCAN_TOO_LONG: &str = "（内容过长）";
pub const SCAN_ID_BIRTH_DATE: &str = "（身份证号中的出生日期无效）";
pub const SCAN_UNKNOWN_SHAPE: &str = "（既不是登记表二维码，也不是12位准考证号或18位身份证号）";
pub const SCAN_FIELD_COUNT: &str = "（二维码字段数不对）";
pub const SCAN_FIELD_EXAM_NO: &str = "（二维码中的准考证号无效）";
pub const SCAN_FIELD_BATCH: &str = "（二维码中的批次无效）";
pub const SCAN_FIELD_SITE: &str = "（二维码中的办理地点代码无效）";
pub const SCAN_FIELD_ISSUED: &str = "（二维码中的打印日期无效）";
pub const KEY_INVALID: &str = "portal_public_keys 中有无效的公钥（应为32字节公钥的base64），位置（从0起）：";

// ---- schedule ----
// Errors in the site and window data files (data/districts.toml, data/windows/*.toml, imports).
// They are read by whoever maintains the data, so each one says what a correct value looks like.
pub const SCHEDULE_SYNTAX: &str = "不是有效的 TOML，请按提示位置修改该文件";
// "第 N 行": where in the file a TOML syntax error is.
pub const SCHEDULE_LINE_BEFORE: &str = "第";
pub const SCHEDULE_LINE_AFTER: &str = "行";
pub const SCHEDULE_TOP_LEVEL: &str = "文档顶层";
pub const SCHEDULE_TIME_FORMAT: &str = "时间应为“时:分”或“时:分:秒”（24小时制，两位数字），如 09:15";
pub const SCHEDULE_SESSION_ORDER: &str = "时段的开始时间应早于结束时间";
pub const SCHEDULE_SESSION_OVERLAP: &str = "各时段应按时间先后排列且互不重叠，请检查上一个时段的结束时间";
pub const SCHEDULE_NO_SESSIONS: &str = "接受个人现场办理的地点至少要有一个办公时段，如 [[\"09:15\", \"11:30\"]]";
pub const SCHEDULE_DATE_FORMAT: &str = "日期应为“年-月-日”且确实存在，如 2023-06-19";
pub const SCHEDULE_NO_DATES: &str = "至少要列出一个办理日期";
pub const SCHEDULE_UNKNOWN_SITE: &str = "办理地点代码未登记，请先在 data/districts.toml 中添加该地点";
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
pub const STORE_SQL: &str = "数据库操作失败，请重试；如反复出现请联系管理员：";
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
pub const PHOTO_NOT_JPEG: &str = "照片不是 JPEG 格式，请上传扩展名为 JPG 的照片";
pub const PHOTO_UNREADABLE: &str = "照片文件无法读取，可能已损坏";
pub const PHOTO_WRONG_DIMENSIONS: &str = "照片尺寸应为宽480像素×高640像素";
pub const PHOTO_NOT_RGB: &str = "照片应为24位真彩色（RGB）";
pub const PHOTO_TOO_SMALL: &str = "照片文件过小，大小应在20KB至40KB之间";
pub const PHOTO_TOO_LARGE: &str = "照片文件过大，大小应在20KB至40KB之间";
pub const DEMO_PHOTO_ENCODE_FAILED: &str = "演示照片编码失败";
pub const DEMO_PHOTO_SIZE_UNREACHABLE: &str = "演示照片的文件大小无法调整到20KB至40KB之间";

// ---- clerks --------------------------------------------------------------------------------
pub const LOGIN_WRONG: &str = "工号或PIN不正确，请重新输入";
pub const LOGIN_LOCKED: &str = "PIN连续输错次数过多，账号已锁定，请稍后再试或请主管解锁。解锁时间：";
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
pub const IMPORT_CSV_HEADER: &str = "CSV表头无法读取：";

// ---- configuration -------------------------------------------------------------------------
pub const CONFIG_BAD: &str = "配置文件有误，请按说明修改后重试：";
pub const CONFIG_READ: &str = "无法读取配置文件：";
pub const CONFIG_WRITE: &str = "无法写入配置文件：";
pub const CONFIG_COUNTER_ID: &str = "柜台编号只能包含字母、数字、-和_";
pub const CONFIG_LANG: &str = "语言只能是 zh 或 en";
pub const CONFIG_KEY: &str = "不是有效的公钥（应为32字节Ed25519公钥的base64），请向考试院核对";
pub const CONFIG_TERMINATOR: &str = "结束符只能是 CR、LF、CRLF 或 Tab";

// ---- counter blockers ----------------------------------------------------------------------
pub const BLOCKER_WRONG_SITE: &str = "该考生不属于本办理点，请告知考生到所选办理点办理，或请主管授权。考生办理地点：";
pub const BLOCKER_OUTSIDE_WINDOW: &str = "当前不在现场受理时间内，请告知考生受理时间，或请主管授权";
pub const BLOCKER_ALREADY_ACCEPTED: &str = "该考生材料已受理，不能重复受理";

// ---- check ---------------------------------------------------------------------------------
pub const CHECK_UNKNOWN_CANDIDATE: &str = "本地名单中没有该考生：请核对准考证号/身份证号；若考生确已申请，请同步名单后再试";

// ---- demo ----------------------------------------------------------------------------------
pub const DEMO_KEY_FILE: &str = "无法读取或创建演示签名密钥文件：";
pub const DEMO_TOO_FEW: &str = "演示考生人数太少：至少要覆盖每一种材料规则情形（--candidates 不少于 19）";

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
pub const COUNTER_SCREEN_PENDING: &str = "柜台受理界面尚在开发中；现在可用 grad-intake check <扫码内容> 查询考生与材料清单（见 README）。";
